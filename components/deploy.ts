/**
 * Deploy: the two images the jobs run (ingestion, dbt). Either built from their contexts and pushed
 * to the stack's registry, tagged by a hash of the context, or, when the stack pins prebuilt digests,
 * taken as they are: CI builds once, dev runs it, prod is promoted to the very same digest.
 * A stack with `images.build: false` (prod) never builds: it runs pinned digests only. Its preview
 * without a pin shows the content-tagged reference CI would promote; `pulumi up` refuses it
 * (stacks/program.ts), so a laptop cannot build and push its own prod images.
 */
import * as fs from "fs";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { contextHash } from "./build-context";
import type { RegistryRef } from "./cloud/cloud";
import type { ImageKind, PlatformConfig } from "./types";

export interface DeployArgs {
  registry: RegistryRef;
  images: PlatformConfig["images"];
  /** Project root; the build contexts are relative to it. */
  root: string;
}

export class Deploy extends pulumi.ComponentResource {
  /** Image references pinned by digest (`repo@sha256:...`): what the jobs run. */
  readonly ingestion: pulumi.Output<string>;
  readonly dbt: pulumi.Output<string>;
  /**
   * The content hash of each build context in this checkout (the tag CI builds it under). Exported as
   * the stack output `imageSources`: a later preview pins the deployed digest only when its own
   * sources hash the same (.github/scripts/pin-deployed.sh), so unchanged code previews no change.
   */
  readonly sources: Record<ImageKind, string | undefined>;

  constructor(name: string, args: DeployArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:deploy:Deploy", name, {}, opts);
    // A pinned image needs no context in the checkout: its source is then unknown (undefined).
    const source = (context: string) => {
      const dir = path.resolve(args.root, context);
      return fs.existsSync(dir) ? contextHash(dir) : undefined;
    };
    this.sources = { ingestion: source(args.images.ingestionContext), dbt: source(args.images.dbtContext) };
    this.ingestion = this.image("ingestion", args.images.ingestion, args.images.ingestionContext, args);
    this.dbt = this.image("dbt", args.images.dbt, args.images.dbtContext, args);
    this.registerOutputs({ ingestion: this.ingestion, dbt: this.dbt, sources: this.sources });
  }

  private image(kind: ImageKind, pinned: string | undefined, context: string, args: DeployArgs): pulumi.Output<string> {
    if (pinned) return pulumi.output(pinned);
    const dir = path.resolve(args.root, context);
    const tag = this.sources[kind] ?? contextHash(dir); // a missing context throws here, naming the path
    // Preview only (an unpinned `up` stops in stacks/program.ts): the reference CI would build and promote.
    if (!args.images.build) return pulumi.interpolate`${args.registry.url}/${kind}:${tag}`;
    // Relative to the project root, which is the program's working directory under `pulumi up`: an
    // absolute path would differ between checkouts and show the image as changed on every CI preview.
    const relative = path.relative(args.root, dir) || ".";
    const image = new docker.Image(
      `${kind}-image`,
      {
        imageName: pulumi.interpolate`${args.registry.url}/${kind}:${tag}`,
        build: { context: relative, dockerfile: path.join(relative, "Dockerfile"), platform: "linux/amd64" },
        registry: { server: args.registry.server, username: args.registry.username, password: args.registry.password },
        // Building needs a Docker daemon; previews (and PR checks) must not.
        buildOnPreview: false,
      },
      { parent: this },
    );
    // repoDigest (`repo@sha256:...`), not imageName: jobs must run exactly the image that was pushed.
    return image.repoDigest;
  }
}
