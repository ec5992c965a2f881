/**
 * The image registry: one ECR namespace per environment, `<prefix>-<env>-images`, holding the
 * repositories `<namespace>/ingestion` and `<namespace>/dbt`. The RegistryRef URL is the namespace
 * (`<acct>.dkr.ecr.<region>.amazonaws.com/<prefix>-<env>-images`), so Deploy's `<url>/ingestion:<hash>`
 * lands in the ingestion repository. See README.md, "Registry".
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ImageKind } from "../../types";
import type { CloudContext, RegistryRef } from "../cloud";
import type { AwsScope } from "./scope";

/** Keep the newest images and drop untagged layers; content-hash tags are immutable, so old tags never move. */
const ECR_LIFECYCLE = {
  untaggedExpireDays: 14,
  keepImages: 30,
} as const;

export function ecrLifecyclePolicy(): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `expire untagged images after ${ECR_LIFECYCLE.untaggedExpireDays} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: ECR_LIFECYCLE.untaggedExpireDays },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `keep the ${ECR_LIFECYCLE.keepImages} newest images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: ECR_LIFECYCLE.keepImages },
        action: { type: "expire" },
      },
    ],
  });
}

export class Registry extends pulumi.ComponentResource implements RegistryRef {
  readonly url: pulumi.Output<string>;
  readonly server: pulumi.Output<string>;
  readonly username: pulumi.Output<string>;
  readonly password: pulumi.Output<string>;
  readonly repositories: Record<ImageKind, aws.ecr.Repository>;

  constructor(name: string, args: { ctx: CloudContext; scope: AwsScope }, opts?: pulumi.ComponentResourceOptions) {
    super("data-platform:aws:Registry", name, {}, opts);
    const { ctx, scope } = args;
    const namespace = ctx.names.env("images");
    const repo = (kind: ImageKind) => {
      const r = new aws.ecr.Repository(
        `${kind}-repository`,
        {
          name: `${namespace}/${kind}`,
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "AES256" }],
          forceDelete: ctx.config.destroyableData,
          tags: ctx.labels(),
        },
        { parent: this, ...ctx.stateful },
      );
      new aws.ecr.LifecyclePolicy(`${kind}-lifecycle`, { repository: r.name, policy: ecrLifecyclePolicy() }, { parent: r });
      return r;
    };
    this.repositories = { ingestion: repo("ingestion"), dbt: repo("dbt") };
    const host = `${scope.account}.dkr.ecr.${scope.region}.amazonaws.com`;
    // The URL is the namespace both repositories share; wait for them so a push never races their creation.
    this.url = pulumi.all([this.repositories.ingestion.repositoryUrl, this.repositories.dbt.repositoryUrl]).apply(() => `${host}/${namespace}`);
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId: scope.account }, { parent: this });
    this.server = pulumi.output(host);
    this.username = token.userName;
    this.password = pulumi.secret(token.password);
    this.registerOutputs({ url: this.url });
  }
}
