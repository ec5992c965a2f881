import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { synthesize } from "../../tools/synth/synthesize";
import { inventoryOf, readGolden, subsetDiff, writeGolden } from "./inventory";

const STACKS = ["dev", "prod", "dev-aws"];
const UPDATE = process.env.UPDATE_GOLDEN === "1";

describe("golden inventories (npm run test:update regenerates them)", () => {
  for (const stack of STACKS) {
    it(`${stack} declares what test/golden/${stack}.yaml says`, async () => {
      const actual = inventoryOf(await synthesize({ stack }));
      if (UPDATE) writeGolden(stack, actual);
      const golden = readGolden(stack);
      assert.ok(golden, `no test/golden/${stack}.yaml: run npm run test:update and review it`);
      assert.deepEqual(actual.counts, golden.counts, `resource counts of ${stack} changed: run npm run test:update and review the diff`);
      const problems = Object.entries(golden.values).flatMap(([key, expected]) =>
        key in actual.values ? subsetDiff(expected, actual.values[key], key) : [`${key}: declared in the golden file but not by the program`],
      );
      assert.deepEqual(problems, [], `inputs of ${stack} differ from test/golden/${stack}.yaml:\n${problems.join("\n")}`);
    });
  }
});

describe("subset matching", () => {
  it("ignores keys the golden file does not list, and catches changed and unexpected ones", () => {
    assert.deepEqual(subsetDiff({ a: 1 }, { a: 1, b: 2 }), []);
    assert.deepEqual(subsetDiff({ a: 1 }, { a: 2 }), ["a: expected 1, found 2"]);
    assert.deepEqual(subsetDiff({ a: "__missing__" }, { a: 1 }), ["a: expected absent, found 1"]);
    assert.deepEqual(subsetDiff({ l: [1, 2] }, { l: [1] }), ["l: expected [1,2], found [1]"]);
  });
});
