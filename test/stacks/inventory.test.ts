import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { synthesize } from "../../tools/synth/synthesize";
import { fixtureRoot, inventoryOf, readGolden, shippedPipelines, subsetDiff, writeGolden } from "./inventory";

const STACKS = ["dev", "prod", "dev-aws"];
const UPDATE = process.env.UPDATE_GOLDEN === "1";

// Stands for: the resources each shipped stack declares, reviewed as a file (mocks: declaration only;
// the emulated tiers check what the services make of them). Each inventory covers the pipelines it
// lists, synthesized from exactly those files; pipelines added since are reported as added.
/**
 * Compare the stack's plan with its golden file. The plan is synthesized from the pipelines the file
 * lists, taken from `root`'s pipelines/; those `root` has beyond them come back as `added`.
 */
async function compareWithGolden(stack: string, root?: string): Promise<{ problems: string[]; added: string[] }> {
  const shipped = shippedPipelines(root);
  const recorded = UPDATE ? shipped : (readGolden(stack)?.pipelines ?? shipped);
  const removed = recorded.filter((p) => !shipped.includes(p));
  if (removed.length)
    return {
      problems: [`test/golden/${stack}.yaml covers pipelines that pipelines/ no longer has (${removed.join(", ")}): run npm run test:update and review the diff`],
      added: [],
    };
  const actual = inventoryOf(await synthesize({ stack, root: fixtureRoot(recorded, root) }), recorded);
  if (UPDATE) writeGolden(stack, actual);
  const golden = readGolden(stack);
  if (!golden) return { problems: [`no test/golden/${stack}.yaml: run npm run test:update and review it`], added: [] };
  const problems = [
    ...(JSON.stringify(golden.pipelines) === JSON.stringify(recorded) ? [] : [`test/golden/${stack}.yaml lists no pipelines: run npm run test:update`]),
    ...Object.keys({ ...golden.counts, ...actual.counts })
      .filter((type) => golden.counts[type] !== actual.counts[type])
      .map((type) => `count of ${type}: expected ${golden.counts[type] ?? 0}, found ${actual.counts[type] ?? 0}`),
    ...Object.entries(golden.values).flatMap(([key, expected]) =>
      key in actual.values ? subsetDiff(expected, actual.values[key], key) : [`${key}: declared in the golden file but not by the program`],
    ),
  ];
  return { problems, added: shipped.filter((p) => !recorded.includes(p)) };
}

// Stands for: the resources each shipped stack declares, reviewed as a file (mocks: declaration
// only; the emulated tiers check what the services make of them). Each inventory covers the
// pipelines it lists, synthesized from exactly those files; pipelines added since are reported.
describe("golden inventories (npm run test:update regenerates them)", () => {
  for (const stack of STACKS) {
    it(`${stack} declares what test/golden/${stack}.yaml says`, async (t) => {
      const { problems, added } = await compareWithGolden(stack);
      if (added.length) t.diagnostic(`added since the snapshot (not compared; the invariants check them; npm run test:update takes them in): ${added.join(", ")}`);
      assert.deepEqual(problems, [], `${stack} differs from test/golden/${stack}.yaml (npm run test:update, then review the diff):\n${problems.join("\n")}`);
    });
  }

  // Not while regenerating: compareWithGolden would write this scratch project's plan into the golden file.
  it("a pipeline added to pipelines/ is reported as added, while a change to a covered one still fails", { skip: UPDATE && "npm run test:update" }, async () => {
    const root = fixtureRoot(readGolden("dev")!.pipelines);
    fs.writeFileSync(
      path.join(root, "pipelines", "zz_added.yaml"),
      fs
        .readFileSync(path.join(root, "pipelines", "orders_files.yaml"), "utf8")
        .replace("name: orders_files", "name: zz_added")
        .replace("tag:orders_files+", "tag:zz_added+"),
    );
    assert.deepEqual(await compareWithGolden("dev", root), { problems: [], added: ["zz_added"] });
    fs.writeFileSync(
      path.join(root, "pipelines", "orders_files.yaml"),
      fs.readFileSync(path.join(root, "pipelines", "orders_files.yaml"), "utf8").replace('cron: "30 2 * * *"', 'cron: "45 2 * * *"'),
    );
    const { problems } = await compareWithGolden("dev", root);
    assert.ok(
      problems.some((p) => p.includes("orders_files-schedule.schedule") && p.includes("45 2 * * *")),
      `a changed cron of a covered pipeline must show:\n${problems.join("\n")}`,
    );
  });
});

describe("subset matching", () => {
  it("ignores keys the golden file does not list, and catches changed and unexpected ones", () => {
    assert.deepEqual(subsetDiff({ a: 1 }, { a: 1, b: 2 }), []);
    assert.deepEqual(subsetDiff({ a: 1 }, { a: 2 }), ["a: expected 1, found 2"]);
    assert.deepEqual(subsetDiff({ a: "__missing__" }, { a: 1 }), ["a: expected absent, found 1"]);
    assert.deepEqual(subsetDiff({ l: [1, 2] }, { l: [1] }), ["l: expected [1,2], found [1]"]);
  });
});
