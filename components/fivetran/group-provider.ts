/**
 * Fivetran group: the slot one destination lives in. Rename is an in-place PATCH; create adopts a
 * group with the same name (names are unique per account), so a create retried after a timeout does
 * not leave a twin behind.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isFivetranApiError, unlessNotFound } from "./errors";
import { createSession, type SessionOptions } from "./session";
import { notTakenMessage } from "./verify";
import { isUnknown, plainJson } from "./values";

export interface GroupInputs {
  name: string;
}

export interface GroupOutputs {
  name: string;
  groupId: string;
  createdAt: string | null;
}

interface ApiGroup {
  id: string;
  name: string;
  created_at?: string;
}

function outsOf(group: ApiGroup): GroupOutputs {
  return plainJson({ name: group.name, groupId: group.id, createdAt: group.created_at ?? null });
}

export function createGroupProvider(options: SessionOptions = {}): pulumi.dynamic.ResourceProvider<GroupInputs, GroupOutputs> {
  const session = createSession(options);

  async function verified(group: ApiGroup, inputs: GroupInputs): Promise<GroupOutputs> {
    const back = (await session.client().request<ApiGroup>("GET", `/groups/${group.id}`)).data;
    const problem = notTakenMessage(`group ${group.id}`, [{ name: "name", sent: inputs.name, got: back.name }]);
    if (problem) throw new Error(problem);
    return outsOf(back);
  }

  /**
   * POST; a 409 (the name is taken: a timed-out POST that did arrive, or a group made since the lookup)
   * adopts the group of that exact name in the same run, as the lookup would have.
   */
  async function createOrAdopt(name: string): Promise<ApiGroup> {
    const client = session.client();
    try {
      return (await client.request<ApiGroup>("POST", "/groups", { body: { name } })).data;
    } catch (e) {
      if (!isFivetranApiError(e) || e.status !== 409) throw e;
      const same = (await client.listAll<ApiGroup>("/groups")).find((g) => g.name === name);
      if (!same)
        throw new Error(`${e.message}\nNo group is named "${name}", so there is nothing of ours to adopt; rename the group in the stack config or in Fivetran.`, { cause: e });
      return same;
    }
  }

  return {
    configure: (req) => session.configure(req),

    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!isUnknown(news.name) && (typeof news.name !== "string" || news.name.trim() === "")) {
        failures.push({ property: "name", reason: "name must be a non-empty string, e.g. data_platform_dev" });
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      return { changes: isUnknown(news.name) || news.name !== olds.name };
    },

    async create(inputs) {
      const client = session.client();
      const existing = (await client.listAll<ApiGroup>("/groups")).find((g) => g.name === inputs.name);
      const group = existing ?? (await createOrAdopt(inputs.name));
      return { id: group.id, outs: await verified(group, inputs) };
    },

    async read(id) {
      const found = await unlessNotFound(session.client().request<ApiGroup>("GET", `/groups/${id}`));
      return found ? { id, props: outsOf(found.data) } : {};
    },

    async update(id, _olds, news) {
      const group = (await session.client().request<ApiGroup>("PATCH", `/groups/${id}`, { body: { name: news.name } })).data;
      return { outs: await verified({ ...group, id }, news) };
    },

    async delete(id) {
      await unlessNotFound(session.client().request("DELETE", `/groups/${id}`));
    },
  };
}

export const groupProvider = createGroupProvider();
