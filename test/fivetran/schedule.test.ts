/** The connection schedule provider against the contract server: unpausing happens here, and only here. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { connectionProvider, scheduleProvider, UNKNOWN, type ScheduleInputs, type ScheduleOutputs } from "../../components/fivetran";
import type { ContractServer } from "./contract-server";
import { addGroup, lastRequest, startServerForProviders } from "./helpers";

describe("connection schedule provider", { timeout: 30_000 }, () => {
  let server: ContractServer;
  let connectionId: string;
  let n = 0;
  const inputs = (overrides: Partial<ScheduleInputs> = {}): ScheduleInputs => ({ connectionId, paused: false, syncFrequency: 360, scheduleType: "auto", ...overrides });
  const create = async (i: ScheduleInputs) => (await scheduleProvider.create(i)) as { id: string; outs: ScheduleOutputs };

  before(async () => (server = await startServerForProviders()));
  after(() => server.close());
  beforeEach(async () => {
    server.reset();
    const created = await connectionProvider.create({ groupId: addGroup(server), service: "postgres", destinationSchema: `sched_${++n}`, config: { host: "h" } });
    connectionId = created.id;
    server.requests.length = 0;
  });

  it("sets the whole schedule on the connection and unpauses it: the connection stays paused until then", async () => {
    assert.equal(server.state.connections.get(connectionId).fields.paused, true, "created paused");
    const { id, outs } = await create(inputs({ syncFrequency: 1440, dailySyncTime: "03:00" }));
    const patch = lastRequest(server, "PATCH", new RegExp(`^/connections/${connectionId}$`));
    assert.deepEqual(patch.body, { paused: false, sync_frequency: 1440, schedule_type: "auto", daily_sync_time: "03:00" });
    assert.equal(id, `${connectionId}/schedule`);
    assert.deepEqual(outs, { connectionId, paused: false, syncFrequency: 1440, dailySyncTime: "03:00", scheduleType: "auto" });
    assert.equal(server.state.connections.get(connectionId).fields.paused, false);
  });

  it("fails when a setting it sent did not take", async () => {
    const { id, outs } = await create(inputs());
    // A PATCH answered 200 but not applied: the read-back still shows the old frequency.
    server.behaviour.ignoredConnectionFields.add("sync_frequency");
    await assert.rejects(scheduleProvider.update!(id, outs, inputs({ syncFrequency: 60 })), /sync_frequency: sent 60, Fivetran has 360/);
  });

  it("read shows a schedule changed outside Pulumi, and diff then reports an in-place change", async () => {
    const { id, outs } = await create(inputs());
    const remote = server.state.connections.get(connectionId);
    remote.fields.sync_frequency = 60;
    remote.fields.paused = true;
    const read = (await scheduleProvider.read!(id, outs)).props!;
    assert.deepEqual([read.syncFrequency, read.paused], [60, true]);
    const d = await scheduleProvider.diff!(id, read, inputs());
    assert.deepEqual([d.changes, d.replaces], [true, []]);
    server.state.connections.delete(connectionId);
    assert.deepEqual(await scheduleProvider.read!(id, outs), {}, "gone with its connection");
  });

  it("diff: a new connection replaces; each schedule field updates in place; unknowns count as changes", async () => {
    const i = inputs();
    const { id, outs } = await create(i);
    assert.equal((await scheduleProvider.diff!(id, outs, i)).changes, false);
    assert.deepEqual((await scheduleProvider.diff!(id, outs, { ...i, connectionId: "other" })).replaces, ["connectionId"]);
    for (const change of [
      { paused: true },
      { syncFrequency: 60 },
      { scheduleType: "manual" as const },
      { syncFrequency: 1440, dailySyncTime: "05:00" },
      { syncFrequency: UNKNOWN as any },
    ]) {
      const d = await scheduleProvider.diff!(id, outs, { ...i, ...change });
      assert.deepEqual([d.changes, d.replaces], [true, []], JSON.stringify(change));
    }
  });

  it("check explains bad schedules and tolerates the unknown sentinel of a preview", async () => {
    const { failures } = await scheduleProvider.check!({} as any, inputs({ syncFrequency: 7, dailySyncTime: "03:30", scheduleType: "hourly" as any }));
    const text = JSON.stringify(failures);
    assert.match(text, /syncFrequency must be one of 1, 5, 15/);
    assert.match(text, /dailySyncTime must be on the hour/);
    assert.match(text, /scheduleType must be \\"auto\\" or \\"manual\\"/);
    const daily = await scheduleProvider.check!({} as any, inputs({ syncFrequency: 360, dailySyncTime: "03:00" }));
    assert.match(JSON.stringify(daily.failures), /only applies with syncFrequency 1440/);
    assert.deepEqual((await scheduleProvider.check!({} as any, inputs({ connectionId: UNKNOWN, syncFrequency: UNKNOWN as any }))).failures, []);
  });

  it("delete leaves the connection's schedule as it is and calls nothing", async () => {
    const { id, outs } = await create(inputs());
    server.requests.length = 0;
    await scheduleProvider.delete!(id, outs);
    assert.deepEqual(server.requests, []);
    assert.equal(server.state.connections.get(connectionId).fields.paused, false);
  });
});
