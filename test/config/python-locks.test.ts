/**
 * Python dependencies locked with hashes: every `.txt` input has its lock (tools/lock-python.ts,
 * PYTHON_LOCKS), the lock holds each input's packages at their pinned versions with a `--hash` on every
 * entry, the images lock the very versions the .venv tests, and every installer installs its lock with
 * `pip install --require-hashes`.
 *
 * Stands for: `pip install --require-hashes -r <lock>` installing exactly the reviewed files, in the
 * .venv, both images and every tier venv, and a pin changed in a `.txt` (say, by a merged branch)
 * failing here until `npm run lock:python` re-locks.
 * Proof: our own stand-in for pip's reading of the files (the parser below), run on the real files and
 * on altered copies, so a disagreement is shown to fail; installs are checked as declarations.
 * Cannot prove: that the lock is the resolution uv would produce today (that needs PyPI: re-run
 * npm run lock:python), nor that the hashes match PyPI's files (pip checks that at install time).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { lockProblems, parseInput, parseLock, PYTHON_LOCKS, ROOT, type PythonLock } from "../../tools/lock-python";

const read = (file: string) => (fs.existsSync(path.join(ROOT, file)) ? fs.readFileSync(path.join(ROOT, file), "utf8") : undefined);

/** Every requirements `.txt` of the project (outside installed and generated folders). */
function requirementFiles(dir = ""): string[] {
  const skip = new Set(["node_modules", ".venv", ".git", ".tools", ".local", "target", "dbt_packages"]);
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return skip.has(e.name) ? [] : requirementFiles(rel);
    return /^requirements.*\.txt$/.test(e.name) ? [rel] : [];
  });
}

describe("Python locks", () => {
  it("every requirements .txt of the project is the input of a lock", () => {
    const inputs = new Set(PYTHON_LOCKS.flatMap((l) => l.inputs));
    const files = requirementFiles();
    assert.ok(files.length >= 9, `found the requirement files (${files.join(", ")})`);
    assert.deepEqual(
      files.filter((f) => !inputs.has(f)),
      [],
      "add the file to PYTHON_LOCKS in tools/lock-python.ts and run npm run lock:python",
    );
  });

  for (const l of PYTHON_LOCKS) {
    it(`${l.lock} agrees with ${l.inputs.join(", ")} and hashes every entry`, () => {
      assert.deepEqual(lockProblems(l, read), []);
      assert.ok(parseLock(read(l.lock)!).size >= parseInput(read(l.inputs[0])!).length);
    });
    it(`${l.installedBy} installs ${l.lock} with --require-hashes`, () => {
      const installer = read(l.installedBy.split(" ")[0])!;
      // Commands only: `pip install`, `-m pip install`, or spawn arguments ("pip", "install" / "pip"), ["install").
      const command = /\bpip["\s,)\]]+\[?["]?install\b/;
      const installs = installer.split("\n").filter((line) => command.test(line) && !/^\s*(#|\*|\/\/|log )/.test(line));
      assert.ok(installs.length > 0, `${l.installedBy} has a pip install`);
      for (const line of installs) assert.match(line, /--require-hashes/, `${l.installedBy}: ${line.trim()}`);
      assert.ok(installer.includes(path.basename(l.lock)), `${l.installedBy} names ${path.basename(l.lock)}`);
    });
  }

  it("the images lock the same versions as the .venv the tests run in", () => {
    const venv = parseLock(read("requirements.lock")!);
    for (const image of ["ingestion/requirements.lock", "dbt/requirements.lock"]) {
      for (const [name, e] of parseLock(read(image)!)) assert.equal(e.version, venv.get(name)?.version, `${image}: ${name}`);
    }
  });

  describe("a lock that disagrees with its input fails, saying where", () => {
    const l: PythonLock = { lock: "x.lock", inputs: ["x.txt"], installedBy: "x" };
    const HASH = `--hash=sha256:${"a".repeat(64)}`;
    const files =
      (txt: string, lock: string, extra: Record<string, string> = {}) =>
      (f: string) =>
        ({ "x.txt": txt, "x.lock": lock, ...extra })[f];
    const good = `# header\nfoo-bar==1.0 \\\n    ${HASH}\n    # via -r x.txt\nbaz==2.0 ; sys_platform == 'linux' \\\n    ${HASH} \\\n    ${HASH}\n`;

    it("agrees when it should", () => {
      assert.deepEqual(lockProblems(l, files("Foo_Bar[extra]==1.0\n# c\nbaz>=1\n", good)), []);
    });
    it("a package of the input missing from the lock", () => {
      assert.deepEqual(lockProblems(l, files("foo-bar==1.0\nnew-dep==3.1\n", good)), ["x.txt:2: new-dep is not in x.lock (run npm run lock:python)"]);
    });
    it("a pin the lock has at another version", () => {
      assert.deepEqual(lockProblems(l, files("foo-bar==1.1\n", good)), ["x.txt:1: foo-bar pinned 1.1, x.lock:2 has 1.0 (run npm run lock:python)"]);
    });
    it("an entry without a hash", () => {
      assert.deepEqual(lockProblems(l, files("foo-bar==1.0\n", "foo-bar==1.0\nbaz==2.0 \\\n    " + HASH + "\n")), [
        "x.lock:1: foo-bar==1.0 has no --hash (run npm run lock:python)",
      ]);
    });
    it("an override's pin wins over the input's", () => {
      const over: PythonLock = { ...l, inputs: ["x.txt", "o.txt"], overrides: ["o.txt"] };
      assert.deepEqual(lockProblems(over, files("baz==9.0\n", good, { "o.txt": "baz==2.0\n" })), []);
      assert.equal(lockProblems(over, files("baz==2.0\n", good, { "o.txt": "baz==9.0\n" })).length, 2);
    });
    it("a version other than the constraint lock's", () => {
      const constrained: PythonLock = { ...l, constraints: ["c.lock"] };
      assert.deepEqual(lockProblems(constrained, files("baz\n", good, { "c.lock": `baz==2.1 \\\n    ${HASH}\n` })), [
        "x.lock:5: baz==2.0, but c.lock:1 has 2.1 (run npm run lock:python)",
      ]);
    });
    it("a missing lock", () => {
      assert.match(lockProblems(l, files("foo-bar==1.0\n", undefined as unknown as string))[0], /^x\.lock: missing/);
    });
  });
});
