import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import { defaultsTable, README, renderReadme } from "../../tools/gen-docs";

describe("README generated sections", () => {
  it("are up to date (run: npm run docs)", () => {
    const text = fs.readFileSync(README, "utf8");
    assert.equal(text, renderReadme(text), "README.md is stale: run npm run docs and commit the result");
  });

  it("the defaults table lists every default with its value", () => {
    const table = defaultsTable();
    assert.match(table, /\| `orchestration\.stepRetries` \| `2` \|/);
    assert.match(table, /\| `warehouse\.monthlyCreditQuota` \| `20` \|/);
  });
});
