/**
 * Synthesize one GCP environment under mocks, wired the way components/platform.ts wires it, but
 * without the warehouse, Fivetran and image components: stand-ins provide what they would.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { CloudEnvironment, SecretRef } from "../../components/cloud/cloud";
import { gcpCloud } from "../../components/cloud/gcp";
import { secretEnvName } from "../../components/pipeline";
import { cloudContext } from "../../components/platform";
import type { PlatformConfig } from "../../components/types";
import { loadPlatformConfig } from "../../stacks/load";
import { examplesRoot } from "../examples";
import { readStackFile } from "../../tools/synth/stack-file";
import { maskSecrets, synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";

export const STORAGE_INTEGRATION_SA = "snowflake-integration@gcpuseast4-1234.iam.gserviceaccount.com";
export const IMAGES = {
  ingestion: `europe-west1-docker.pkg.dev/acme-data-dev/acme-dev-images/ingestion@sha256:${"a".repeat(64)}`,
  dbt: `europe-west1-docker.pkg.dev/acme-data-dev/acme-dev-images/dbt@sha256:${"b".repeat(64)}`,
};

export interface GcpSynth {
  plan: Plan;
  config: PlatformConfig;
}

export class TestRoot extends pulumi.ComponentResource {
  constructor(name: string) {
    super("data-platform:index:DataPlatform", name, {}, {});
  }
}

class TestPipeline extends pulumi.ComponentResource {
  constructor(name: string, parent: pulumi.Resource) {
    super("data-platform:pipeline:Pipeline", name, {}, { parent });
  }
}

/** Load the real stack file and the shipped example pipelines (test/examples.ts); `edit` may change the config map (e.g. drop `ci`). */
export function loadConfig(
  stack: string,
  edit?: (config: Record<string, string>) => void,
  root = examplesRoot(),
): { config: PlatformConfig; map: Record<string, string>; secretKeys: string[] } {
  const file = readStackFile(root, stack);
  const map = { ...file.config };
  edit?.(map);
  return { config: loadPlatformConfig({ root, stack, config: map }).config, map, secretKeys: file.secretKeys };
}

/** `root`: a project folder other than the shipped examples (e.g. `fixtureRoot` with an edited pipeline file). */
export async function synthGcp(stack: string, edit?: (config: Record<string, string>) => void, root?: string): Promise<GcpSynth> {
  const { config, map, secretKeys } = loadConfig(stack, edit, root);
  const plan = await synthesize({
    stack,
    config: map,
    secretKeys,
    program: async () => {
      const root = new TestRoot(`${config.prefix}-${config.environment}`);
      const env = gcpCloud.environment(cloudContext(config, root));
      declarePipelines(env, config, root);
      return { ...(env.outputs() as Record<string, unknown>), lakeIntegration: env.lakeReader.integration };
    },
  });
  return { plan, config };
}

/** What DataPlatform and Pipeline ask of the cloud, in the same order. */
function declarePipelines(env: CloudEnvironment, config: PlatformConfig, root: pulumi.ComponentResource): void {
  // What Snowflake reports for the storage integration; GCP reads only its service account.
  env.lakeReader.grant({ storageGcpServiceAccount: pulumi.output(STORAGE_INTEGRATION_SA), storageAwsIamUserArn: pulumi.output(""), storageAwsExternalId: pulumi.output("") });
  const keys = {
    loader: env.secret("snowflake-loader-key", pulumi.secret("loader-pem"), ["ingestion"]),
    transformer: env.secret("snowflake-transformer-key", pulumi.secret("transformer-pem"), ["dbt"]),
  };
  const fivetranCredential: SecretRef | undefined = config.pipelines.some((p) => p.source.type === "fivetran")
    ? env.secret("fivetran-api", undefined, ["orchestrator"])
    : undefined;
  for (const p of config.pipelines) {
    const parent = new TestPipeline(p.name, root);
    const sourceSecrets = Object.fromEntries(p.secrets.map((s) => [secretEnvName(s), env.secret(s, undefined, ["ingestion"], p.name)]));
    env.pipeline({
      pipeline: p,
      images: IMAGES,
      env: {
        ingestion: { DP_PIPELINE: p.name, DP_RAW_BUCKET_URI: env.rawBucket.uri },
        dbt: { DP_PIPELINE: p.name, DP_DBT_SELECT: p.dbtSelect, DP_ARTIFACTS_URI: env.artifactsBucket.uri },
      },
      secretEnv: {
        ingestion: { ...sourceSecrets, SNOWFLAKE_PRIVATE_KEY: keys.loader },
        dbt: { SNOWFLAKE_PRIVATE_KEY: keys.transformer },
      },
      fivetran: p.source.type === "fivetran" && fivetranCredential ? { connectionId: pulumi.output(`conn_${p.name}`), apiCredential: fivetranCredential } : undefined,
      parent,
    });
  }
}

// ---- queries over a plan ----

export const T = {
  bucket: "gcp:storage/bucket:Bucket",
  bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
  account: "gcp:serviceaccount/account:Account",
  accountIam: "gcp:serviceaccount/iAMMember:IAMMember",
  projectIam: "gcp:projects/iAMMember:IAMMember",
  service: "gcp:projects/service:Service",
  repo: "gcp:artifactregistry/repository:Repository",
  repoIam: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
  secret: "gcp:secretmanager/secret:Secret",
  secretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
  secretIam: "gcp:secretmanager/secretIamMember:SecretIamMember",
  job: "gcp:cloudrunv2/job:Job",
  jobIam: "gcp:cloudrunv2/jobIamMember:JobIamMember",
  workflow: "gcp:workflows/workflow:Workflow",
  schedule: "gcp:cloudscheduler/job:Job",
  channel: "gcp:monitoring/notificationChannel:NotificationChannel",
  alert: "gcp:monitoring/alertPolicy:AlertPolicy",
  pool: "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
  poolProvider: "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
} as const;

/** Inputs with secrets unwrapped (for assertions on values). */
export function inputs(r: PlannedResource): Record<string, any> {
  return maskSecrets(r.inputs, true) as Record<string, any>;
}

export function ofType(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

export function one(plan: Plan, type: string, name: string): PlannedResource {
  const found = plan.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one ${type} named ${name}, found ${found.length}; names of that type: ${ofType(plan, type)
        .map((r) => r.name)
        .join(", ")}`,
    );
  return found[0];
}

/** E-mail of the service account with this account id. */
export function email(config: PlatformConfig, accountId: string): string {
  return `${accountId}@${config.gcp!.project}.iam.gserviceaccount.com`;
}

/** `serviceAccount:<email>` of the account with this account id. */
export function member(config: PlatformConfig, accountId: string): string {
  return `serviceAccount:${email(config, accountId)}`;
}

/** The fields of `actual` named in `expected`, compared in one assertion (one diff on failure). */
export function assertFields(actual: Record<string, unknown>, expected: Record<string, unknown>, message?: string): void {
  assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]])), expected, message);
}
