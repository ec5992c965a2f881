/**
 * One environment on Google Cloud, behind the Cloud interface. Environment-wide resources are declared
 * in the constructor, each group in its own component under `ctx.parent`; `secret()`,
 * `lakeReader.grant()` and `pipeline()` add to them as the platform asks.
 */
import * as pulumi from "@pulumi/pulumi";
import type { BucketRef, CloudContext, CloudEnvironment, LakeReader, PipelineRuntime, PipelineRuntimeArgs, RegistryRef, SecretRef, Workload } from "../cloud";
import { Alerts } from "./alerts";
import { Apis } from "./apis";
import { CiAccess } from "./ci";
import { Egress } from "./egress";
import { Identities } from "./identities";
import { Lake } from "./lake";
import { Logs } from "./logs";
import { Registry } from "./registry";
import { GcpPipelineRuntime, validateRuntime } from "./runtime";
import { ingestionPrefixes, RUN_RECORDS_FOLDER, runsIngestion, SITE_PREFIX } from "../cloud";
import { shortHash } from "./iam";
import type { GcpScope } from "./scope";
import { Secrets } from "./secrets";

export class GcpEnvironment implements CloudEnvironment {
  readonly rawBucket: BucketRef;
  readonly artifactsBucket: BucketRef;
  readonly registry: RegistryRef;
  readonly egressCidrs: pulumi.Output<string>[];

  private readonly scope: GcpScope;
  private readonly identities: Identities;
  private readonly lake: Lake;
  private readonly registryComponent: Registry;
  private readonly secrets: Secrets;
  private readonly alerts: Alerts;
  private readonly ci?: CiAccess;
  private readonly egress?: Egress;
  private readonly runtimes = new Map<string, GcpPipelineRuntime>();

  constructor(private readonly ctx: CloudContext) {
    const gcpConfig = ctx.config.gcp;
    const project = gcpConfig?.project;
    if (ctx.config.cloud !== "gcp" || !gcpConfig || !project) throw new Error(`gcp: stack ${ctx.config.stack} needs cloud: gcp and a gcp: { project } section`);
    const opts = { parent: ctx.parent };
    const staticEgress = gcpConfig.staticEgress;
    const apis = new Apis("gcp-apis", { project, onDemand: staticEgress ? ["compute"] : [] }, opts);
    this.scope = { ctx, project, region: ctx.config.region, apis };

    this.identities = new Identities("identities", this.scope, opts);
    this.lake = new Lake("lake", this.scope, opts);
    this.registryComponent = new Registry("registry", this.scope, opts);
    this.secrets = new Secrets("secrets", this.scope, this.identities, opts);
    this.alerts = new Alerts("alerts", this.scope, opts);
    new Logs("logs", this.scope, opts);
    if (staticEgress) this.egress = new Egress("egress", this.scope, opts);
    this.egressCidrs = this.egress ? [this.egress.cidr] : [];
    if (ctx.config.ci) this.ci = new CiAccess("ci", { scope: this.scope, identities: this.identities, ci: ctx.config.ci }, opts);
    this.grantLake();
    this.grantRegistry();

    this.rawBucket = this.lake.ref(this.lake.raw);
    this.artifactsBucket = this.lake.ref(this.lake.artifacts);
    this.registry = this.registryComponent.ref;
  }

  secret(key: string, value: pulumi.Input<string> | undefined, readers: Workload[], pipeline?: string): SecretRef {
    return this.secrets.create(key, value, readers, pipeline);
  }

  /** Snowflake reads GCS as a service account of its own, which the raw bucket then admits. */
  readonly lakeReader: LakeReader = {
    integration: { storageProvider: "GCS" },
    grant: (integration) => this.lake.grantReader(integration.storageGcpServiceAccount),
  };

  pipeline(args: PipelineRuntimeArgs): PipelineRuntime {
    const name = args.pipeline.name;
    if (this.runtimes.has(name)) throw new pulumi.ResourceError(`gcp: pipeline ${name} declared twice`, args.parent);
    validateRuntime(args, this.identities, this.secrets);
    const runtime = new GcpPipelineRuntime(
      name,
      args,
      { scope: this.scope, identities: this.identities, secrets: this.secrets, alerts: this.alerts, egress: this.egress },
      { parent: args.parent },
    );
    this.runtimes.set(name, runtime);
    return runtime;
  }

  outputs(): Record<string, pulumi.Input<unknown>> {
    return {
      gcpProject: this.scope.project,
      serviceAccounts: Object.fromEntries(this.identities.all().map((i) => [i.key, i.email])),
      ...(this.ci ? { ciWorkloadIdentityProviders: { preview: this.ci.previewProvider.name, deploy: this.ci.deployProvider.name } } : {}),
    };
  }

  /**
   * Lake access, per identity and per prefix where the data is one pipeline's: each ingestion account
   * writes its own dlt dataset in the raw bucket, reads its own landing folder, and reads and rewrites its
   * pipeline's run records in the artifacts bucket; dbt writes artifacts and reads and rewrites every
   * pipeline's run records (objectCreator alone cannot read a part or replace the merged record);
   * CI preview reads bucket metadata only.
   */
  private grantLake(): void {
    const raw = this.lake.rawName;
    for (const p of this.ctx.config.pipelines.filter(runsIngestion)) {
      const identity = this.identities.ingestion.get(p.name)!;
      this.lake.grant("raw", "roles/storage.objectUser", identity, {
        title: `${p.name}-own-prefixes`,
        description: `Pipeline ${p.name}: its dlt dataset and its run records`,
        expression: gcsPrefixExpression(raw, ingestionPrefixes(p).write),
      });
      this.lake.grant("artifacts", "roles/storage.objectUser", identity, {
        title: `${p.name}-run-records`,
        description: `Pipeline ${p.name}: its pipeline-run records`,
        expression: gcsPrefixExpression(this.lake.artifactsName, [ingestionPrefixes(p).runRecords]),
      });
      if (p.source.type === "filesystem") {
        this.lake.grant("raw", "roles/storage.objectViewer", identity, {
          title: `${p.name}-landing`,
          description: `Pipeline ${p.name}: reads its landing folder`,
          expression: gcsPrefixExpression(raw, ingestionPrefixes(p).read, false),
        });
      }
    }
    this.lake.grant("artifacts", "roles/storage.objectCreator", this.identities.dbt);
    this.lake.grant("artifacts", "roles/storage.objectUser", this.identities.dbt, {
      title: "dbt-run-records",
      description: "dbt: reads and rewrites the pipeline-run records",
      expression: gcsPrefixExpression(this.lake.artifactsName, [`${RUN_RECORDS_FOLDER}/`]),
    });
    // The site's readers read its objects by name (the run record lists them), and nothing else of the bucket.
    for (const member of [...new Set(this.ctx.config.site.readers)].sort()) {
      this.lake.grant(
        "artifacts",
        "roles/storage.objectViewer",
        { key: `site-${shortHash(member)}`, member },
        { title: "site-only", description: "Reads the docs and data-quality site", expression: gcsPrefixExpression(this.lake.artifactsName, [SITE_PREFIX], false) },
      );
    }
    if (this.identities.ciPreview) {
      this.lake.grant("raw", "roles/storage.legacyBucketReader", this.identities.ciPreview);
      this.lake.grant("artifacts", "roles/storage.legacyBucketReader", this.identities.ciPreview);
    }
  }

  /** Cloud Run pulls images with its own service agent (same project); CI preview may read the repository. */
  private grantRegistry(): void {
    if (this.identities.ciPreview) this.registryComponent.grant("roles/artifactregistry.reader", this.identities.ciPreview);
  }
}

/** IAM condition expression: objects under `prefixes`, plus (by default) bucket-level calls such as list. */
function gcsPrefixExpression(bucket: string, prefixes: string[], bucketCalls = true): string {
  const objects = prefixes.map((p) => `resource.name.startsWith('projects/_/buckets/${bucket}/objects/${p.replace(/^\/+|\/+$/g, "")}/')`);
  return [...(bucketCalls ? [`resource.type == 'storage.googleapis.com/Bucket'`] : []), ...objects].join(" || ");
}
