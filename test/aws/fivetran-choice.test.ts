/**
 * The Step Functions flow decides "Fivetran sync failed / finished / still running" with JSONata
 * conditions (`SyncDone` Choice state). Those conditions restate FIVETRAN_SYNC.isFailed/isFinished,
 * which GCP and the provider tests use; here the generated conditions are evaluated with the JSONata
 * engine (the `jsonata` package: Step Functions' query language) on a grid of polled payloads, and
 * the state they choose must be the one FIVETRAN_SYNC implies for every case.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import jsonata from "jsonata";
import { flowDefinition } from "../../components/cloud/aws/flow";
import { FIVETRAN_SYNC, type ConnectionSyncStatus } from "../../components/fivetran/sync-protocol";
import { fixture } from "../fivetran/contract-server";
import { syncStatusGrid, TRIGGERED_AT } from "../fivetran/sync-cases";

const definition: any = flowDefinition({
  pipeline: "shop",
  clusterArn: "arn:aws:ecs:eu-west-1:1:cluster/c",
  network: { subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIp: false },
  dbt: { taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/dbt", container: "dbt", timeoutSeconds: 600, maxRetries: 0 },
  fivetran: { connectionId: "conn_1", connectionArn: "arn:aws:events:eu-west-1:1:connection/c/u" },
  stepRetries: 1,
  runTimeoutSeconds: 7200,
});

/** Run the SyncDone Choice state as Step Functions does: the first true Condition wins, else Default. */
async function choose(polled: unknown, triggeredAt: string): Promise<string> {
  const choice = definition.States.SyncDone;
  for (const c of choice.Choices) {
    const expression = /^\{%([\s\S]*)%\}$/.exec(c.Condition)?.[1];
    assert.ok(expression, `not a JSONata condition: ${c.Condition}`);
    const value = await jsonata(expression).evaluate({}, { states: { input: polled }, triggeredAt });
    assert.equal(typeof value, "boolean", `condition must yield a boolean, got ${JSON.stringify(value)} for ${JSON.stringify(polled)}`);
    if (value) return c.Next;
  }
  return choice.Default;
}

function expected(polled: ConnectionSyncStatus, triggeredAt: string): string {
  if (FIVETRAN_SYNC.isFailed(polled, triggeredAt)) return "SyncFailed";
  return FIVETRAN_SYNC.isFinished(polled, triggeredAt) ? "Transform" : "WaitForSync";
}

describe("the AWS flow's Fivetran sync conditions", () => {
  const triggeredAt = TRIGGERED_AT; // `$states.context.State.EnteredTime` has milliseconds
  const cases = syncStatusGrid();

  it("choose what FIVETRAN_SYNC implies, for every combination of timestamps and setup state", async () => {
    const outcomes = new Set<string>();
    for (const polled of cases) {
      const want = expected(polled, triggeredAt);
      assert.equal(await choose(polled, triggeredAt), want, JSON.stringify(polled));
      outcomes.add(want);
    }
    assert.deepEqual([...outcomes].sort(), ["SyncFailed", "Transform", "WaitForSync"], "the grid exercises every branch");
  });

  it("keep waiting on a real just-created connection (Fivetran's payload)", async () => {
    const data = fixture("gf.connections.get.response.200.json").data;
    assert.equal(await choose(data, triggeredAt), "WaitForSync");
    assert.equal(await choose({ ...data, succeeded_at: "2030-01-01T00:00:00.000Z" }, triggeredAt), "Transform");
  });
});
