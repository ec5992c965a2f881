import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { contextFiles, contextHash, isIgnored, parseDockerignore } from "../../components/build-context";

function context(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-ctx-"));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

const BASE = {
  Dockerfile: "FROM python:3.11-slim\n",
  "requirements.txt": "dlt==1.31.0\n",
  "ingestion/__main__.py": "print('hi')\n",
  ".dockerignore": "**/__pycache__\n*.md\ntests\n!KEEP.md\n.venv\n",
  "README.md": "docs\n",
  "KEEP.md": "kept\n",
  "tests/test_x.py": "def test(): pass\n",
  "ingestion/__pycache__/x.pyc": "bytecode",
};

describe("build context hash", () => {
  it("is stable for the same files", () => {
    assert.equal(contextHash(context(BASE)), contextHash(context(BASE)));
  });

  it("changes when a file in the context changes, is added or is removed", () => {
    const base = contextHash(context(BASE));
    assert.notEqual(contextHash(context({ ...BASE, "ingestion/__main__.py": "print('bye')\n" })), base);
    assert.notEqual(contextHash(context({ ...BASE, "ingestion/new.py": "" })), base);
    const { "requirements.txt": _, ...without } = BASE;
    assert.notEqual(contextHash(context(without)), base);
  });

  // Stands for: an image rebuilt and redeployed when its recipe changes (a new base digest, a new build
  // step), although .dockerignore keeps the Dockerfile out of the context Docker sends. Our own check.
  it("changes when the Dockerfile or .dockerignore changes, even when .dockerignore lists them", () => {
    const listed = { ...BASE, ".dockerignore": `${BASE[".dockerignore"]}Dockerfile\n.dockerignore\n` };
    const base = contextHash(context(listed));
    assert.notEqual(contextHash(context({ ...listed, Dockerfile: "FROM python:3.11-slim@sha256:abc\n" })), base);
    assert.notEqual(contextHash(context({ ...listed, ".dockerignore": `${listed[".dockerignore"]}docs/\n` })), base);
  });

  it("changes when a file is renamed, even with the same content", () => {
    const { "ingestion/__main__.py": main, ...rest } = BASE;
    assert.notEqual(contextHash(context({ ...rest, "ingestion/main.py": main })), contextHash(context(BASE)));
  });

  it("does not change when only ignored files change", () => {
    const base = contextHash(context(BASE));
    assert.equal(contextHash(context({ ...BASE, "README.md": "other docs\n" })), base);
    assert.equal(contextHash(context({ ...BASE, "tests/test_y.py": "" })), base);
    assert.equal(contextHash(context({ ...BASE, "ingestion/__pycache__/y.pyc": "x" })), base);
  });

  it("honours ! re-includes, last match wins", () => {
    assert.ok(contextFiles(context(BASE)).includes("KEEP.md"));
    assert.notEqual(contextHash(context({ ...BASE, "KEEP.md": "changed\n" })), contextHash(context(BASE)));
  });

  it("lists exactly the files Docker would send", () => {
    assert.deepEqual(contextFiles(context(BASE)), [".dockerignore", "Dockerfile", "KEEP.md", "ingestion/__main__.py", "requirements.txt"]);
  });
});

describe(".dockerignore matching", () => {
  const rules = parseDockerignore("# comment\n/target\n**/*.pyc\ndocs/*.txt\n");
  const cases: [string, boolean][] = [
    ["target/manifest.json", true],
    ["a/b/c.pyc", true],
    ["c.pyc", true],
    ["docs/a.txt", true],
    ["docs/sub/a.txt", false],
    ["src/target.py", false],
  ];
  for (const [file, ignored] of cases) it(`${file} → ${ignored ? "ignored" : "kept"}`, () => assert.equal(isIgnored(file, rules), ignored));
});
