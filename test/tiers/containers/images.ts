/**
 * The stand-in base image and the two platform images, built from their real Dockerfiles.
 *
 * The base: `base-image.sh` writes a Debian bookworm rootfs (Python 3.11, pip, the machine's CA
 * bundle) to the cache once; it is `docker import`ed into the tier's engine when missing, with the
 * environment the upstream python image has (PATH, LANG) plus the CA variables pip needs here.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { contextHash } from "../../../components/build-context";
import { CACHE, docker } from "./engine";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
const CA = "/etc/ssl/certs/ca-certificates.crt";

/** The stand-in base's tag, imported into the engine when it is not there yet. */
export function ensureBase(): string {
  fs.mkdirSync(CACHE, { recursive: true });
  const r = spawnSync("bash", [path.join(__dirname, "base-image.sh"), CACHE], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`base-image.sh exited ${r.status}: no stand-in base image`);
  const [tarball, tag] = r.stdout.trim().split("\n").pop()!.split(" ");
  if (docker(["image", "inspect", tag], { allowFail: true }).status !== 0) {
    const changes = [
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "ENV LANG=C.UTF-8",
      `ENV SSL_CERT_FILE=${CA}`,
      `ENV PIP_CERT=${CA}`,
      `ENV REQUESTS_CA_BUNDLE=${CA}`,
      'CMD ["python3"]',
    ];
    docker(["import", ...changes.flatMap((c) => ["--change", c]), tarball, tag]);
  }
  return tag;
}

export interface Built {
  /** `<repository>:<tag>` as built. */
  ref: string;
  tag: string;
  id: string;
  seconds: number;
  /** The build's own output, to tell which steps came from the layer cache. */
  log: string;
}

/** The image's layer digests (RootFS), bottom first. */
export function layers(ref: string): string[] {
  return JSON.parse(docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", ref]).stdout);
}

/**
 * `docker build` of one image from a context folder and its own Dockerfile, tagged with the content
 * hash components/deploy.ts computes for that folder (so the tag here is the tag the stack pushes).
 */
export function build(kind: "ingestion" | "dbt", context: string, base: string, repository = `dp/${kind}`): Built {
  const tag = contextHash(context);
  const ref = `${repository}:${tag}`;
  const started = Date.now();
  const r = docker(["build", "--network", "host", "--build-arg", `BASE_IMAGE=${base}`, "--tag", ref, "--file", path.join(context, "Dockerfile"), context]);
  const seconds = (Date.now() - started) / 1000;
  const id = docker(["image", "inspect", "--format", "{{.Id}}", ref]).stdout.trim();
  return { ref, tag, id, seconds, log: r.stdout + r.stderr };
}

/** Copy a folder (everything, ignored files too: the build must leave those out itself). */
export function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, filter: (src) => !/(^|\/)(__pycache__|\.pytest_cache|target|logs)$/.test(path.relative(from, src)) || src === from });
}
