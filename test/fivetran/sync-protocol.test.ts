/** The sync+poll rules the orchestration encodes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIVETRAN_SYNC } from "../../components/fivetran";
import { fixture } from "./contract-server";

describe("FIVETRAN_SYNC", () => {
  const triggeredAt = "2024-12-01T12:00:00Z";

  it("names the paths and the versioned Accept header", () => {
    assert.equal(FIVETRAN_SYNC.triggerPath("abc"), "/connections/abc/sync");
    assert.equal(FIVETRAN_SYNC.statusPath("abc"), "/connections/abc");
    assert.equal(FIVETRAN_SYNC.accept, "application/json;version=2");
  });

  it("a new connection (both timestamps null, real payload) is neither finished nor failed", () => {
    const data = fixture("gf.connections.get.response.200.json").data;
    assert.equal(FIVETRAN_SYNC.isFinished(data, triggeredAt), false);
    assert.equal(FIVETRAN_SYNC.isFailed({ ...data, status: { setup_state: "connected" } }, triggeredAt), false);
  });

  it("finished once succeeded_at or failed_at moves past the trigger time; failed when failed_at is the latest", () => {
    const before = "2024-12-01T11:00:00Z";
    assert.equal(FIVETRAN_SYNC.isFinished({ succeeded_at: before, failed_at: null }, triggeredAt), false);
    const ok = { succeeded_at: "2024-12-01T12:30:00Z", failed_at: before };
    assert.equal(FIVETRAN_SYNC.isFinished(ok, triggeredAt), true);
    assert.equal(FIVETRAN_SYNC.isFailed(ok, triggeredAt), false);
    const bad = { succeeded_at: before, failed_at: "2024-12-01T12:30:00Z" };
    assert.equal(FIVETRAN_SYNC.isFinished(bad, triggeredAt), true);
    assert.equal(FIVETRAN_SYNC.isFailed(bad, new Date(triggeredAt)), true);
  });

  it("a broken connection counts as failed", () => {
    assert.equal(FIVETRAN_SYNC.isFailed({ status: { setup_state: "broken" } }, triggeredAt), true);
  });
});
