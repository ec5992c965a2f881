/**
 * The exec bit in the image content hash (components/build-context.ts), for every mode a checkout can
 * give a file, not just 0o755: an entrypoint script that loses or gains its exec bit must rebuild the
 * image (the container would fail to start, or start a different way), while mode bits git does not
 * track (group/other write, read) must not rebuild it on another machine's umask.
 *
 * Proof: ran for real, files on disk with real chmod. Cannot prove: what Docker itself puts in a layer.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { contextHash } from "../../components/build-context";

function contextWithMode(mode: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dp-ctx-mode-"));
  fs.writeFileSync(path.join(dir, "Dockerfile"), 'FROM python:3.11-slim\nENTRYPOINT ["/app/run.sh"]\n');
  fs.writeFileSync(path.join(dir, "run.sh"), '#!/bin/sh\nexec python -m ingestion "$@"\n');
  fs.chmodSync(path.join(dir, "run.sh"), mode);
  return dir;
}

describe("build context hash: file modes", { skip: process.platform === "win32" ? "no POSIX modes on Windows" : false }, () => {
  const plain = contextHash(contextWithMode(0o644));

  for (const mode of [0o755, 0o744, 0o654, 0o645, 0o711, 0o100]) {
    it(`an exec bit (${mode.toString(8)}) changes the hash against 644`, () => assert.notEqual(contextHash(contextWithMode(mode)), plain));
  }

  for (const [a, b] of [
    [0o755, 0o700],
    [0o744, 0o711],
    [0o654, 0o777],
  ]) {
    it(`any exec bit hashes the same: ${a.toString(8)} and ${b.toString(8)} (git keeps one exec bit)`, () =>
      assert.equal(contextHash(contextWithMode(a)), contextHash(contextWithMode(b))));
  }

  for (const mode of [0o600, 0o664, 0o666, 0o444, 0o400]) {
    it(`modes without an exec bit (${mode.toString(8)}) hash like 644 (umask differences do not rebuild)`, () => assert.equal(contextHash(contextWithMode(mode)), plain));
  }
});
