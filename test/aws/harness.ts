/**
 * Synthesizes the AWS environment of a stack under mocks, the way DataPlatform drives it (a parent
 * component, platform.ts's own `cloudContext`, the warehouse keys, the Fivetran
 * credential, one runtime per pipeline), without the warehouse and Fivetran components. Helpers to
 * find resources and read their policies.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CloudEnvironment, PipelineRuntime, PipelineRuntimeArgs, SecretRef, StorageIntegrationIdentity } from "../../components/cloud/cloud";
import type { AwsEnvironment } from "../../components/cloud/aws/environment";
import { awsCloud } from "../../components/cloud/aws";
import { secretEnvName } from "../../components/pipeline";
import { cloudContext } from "../../components/platform";
import type { PlatformConfig } from "../../components/types";
import { loadPlatformConfig } from "../../stacks/load";
import { examplesRoot } from "../examples";
import { readStackFile } from "../../tools/synth/stack-file";
import { isSecretValue, synthesize, type Plan, type PlannedResource } from "../../tools/synth/synthesize";

export const STACK = "dev-aws";
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";
export const SNOWFLAKE_USER = "arn:aws:iam::999999999999:user/snowflake-integration";
export const SNOWFLAKE_EXTERNAL_ID = "ACME_SFCRole=2_abc";

/** What Snowflake reports for an S3 storage integration (AWS reads the IAM user and the external id). */
export function integrationIdentity(iamUserArn: string, externalId: string): StorageIntegrationIdentity {
  return { storageAwsIamUserArn: pulumi.output(iamUserArn), storageAwsExternalId: pulumi.output(externalId), storageGcpServiceAccount: pulumi.output("") };
}
export const FIVETRAN_CREDENTIAL = "ftkey:ftsecret-value";
export const digest = (kind: string) => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/acmeaws-dev-images/${kind}@sha256:${kind === "dbt" ? "d".repeat(64) : "a".repeat(64)}`;

export class TestPlatform extends pulumi.ComponentResource {
  constructor(name: string) {
    super("data-platform:index:DataPlatform", name, {}, {});
  }
}

/** Stack config of `dev-aws`, with `data-platform:<key>` values replaced (objects as JS values). */
export function stackConfig(overrides: Record<string, unknown> = {}): { config: Record<string, string>; secretKeys: string[] } {
  const file = readStackFile(examplesRoot(), STACK);
  const config = { ...file.config };
  for (const [k, v] of Object.entries(overrides)) {
    const key = `data-platform:${k}`;
    if (v === undefined) delete config[key];
    else config[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { config, secretKeys: file.secretKeys };
}

export interface AwsSynth {
  plan: Plan;
  /** What the environment refused (only collected when a test customizes or mutates). */
  errors: string[];
  config: PlatformConfig;
  runtimes: Record<string, Record<string, unknown>>;
}

export type Customize = (env: CloudEnvironment, keys: { loader: SecretRef; transformer: SecretRef }) => void;

/** Changes the runtime args of one pipeline before env.pipeline (to test refusals). */
export type MutateArgs = (args: PipelineRuntimeArgs, keys: { loader: SecretRef; transformer: SecretRef }) => PipelineRuntimeArgs;

export async function synthAws(overrides: Record<string, unknown> = {}, customize?: Customize, mutate?: MutateArgs): Promise<AwsSynth> {
  const { config: map, secretKeys } = stackConfig(overrides);
  let config!: PlatformConfig;
  const plan = await synthesize({
    stack: STACK,
    config: map,
    secretKeys,
    program: async () => {
      config = loadPlatformConfig({ root: examplesRoot(), stack: STACK, config: pulumi.runtime.allConfig() }).config;
      const parent = new TestPlatform(`${config.prefix}-${config.environment}`);
      const env = awsCloud.environment(cloudContext(config, parent));
      env.lakeReader.grant(integrationIdentity(SNOWFLAKE_USER, SNOWFLAKE_EXTERNAL_ID));
      const keys = {
        loader: env.secret("snowflake-loader-key", pulumi.secret("-----BEGIN PRIVATE KEY-----\nLOADER\n-----END PRIVATE KEY-----"), ["ingestion"]),
        transformer: env.secret("snowflake-transformer-key", pulumi.secret("-----BEGIN PRIVATE KEY-----\nTRANSFORMER\n-----END PRIVATE KEY-----"), ["dbt"]),
      };
      const hasFivetran = config.pipelines.some((p) => p.source.type === "fivetran");
      const apiCredential = hasFivetran ? env.secret("fivetran-api", pulumi.secret(FIVETRAN_CREDENTIAL), ["orchestrator"]) : undefined;
      // Refusals are collected rather than thrown: a throw inside the program also surfaces as an
      // unhandled rejection from the engine's bookkeeping, which node:test reports against the file.
      const errors: string[] = [];
      const attempt = (f: () => void) => {
        try {
          f();
        } catch (e) {
          if (!customize && !mutate) throw e;
          errors.push((e as Error).message);
        }
      };
      attempt(() => customize?.(env, keys));
      const runtimes: Record<string, PipelineRuntime> = {};
      for (const p of config.pipelines) {
        const sourceSecrets = Object.fromEntries(p.secrets.map((s) => [secretEnvName(s), env.secret(s, undefined, ["ingestion"], p.name)]));
        const args: PipelineRuntimeArgs = {
          pipeline: p,
          images: { ingestion: digest("ingestion"), dbt: digest("dbt") },
          env: {
            ingestion: { DP_PIPELINE: p.name, DP_RAW_BUCKET_URI: env.rawBucket.uri },
            dbt: { DP_PIPELINE: p.name, DP_DBT_SELECT: p.dbtSelect, DP_ARTIFACTS_URI: env.artifactsBucket.uri },
          },
          secretEnv: { ingestion: { ...sourceSecrets, SNOWFLAKE_PRIVATE_KEY: keys.loader }, dbt: { SNOWFLAKE_PRIVATE_KEY: keys.transformer } },
          fivetran: p.source.type === "fivetran" && apiCredential ? { connectionId: pulumi.output(`conn_${p.name}`), apiCredential } : undefined,
          parent,
        };
        attempt(() => (runtimes[p.name] = env.pipeline(mutate ? mutate(args, keys) : args)));
      }
      return {
        errors,
        env: env.outputs(),
        registry: { url: env.registry.url, server: env.registry.server, username: env.registry.username, passwordIsSecret: pulumi.isSecret(env.registry.password) },
        lakeReaderRoleArn: (env as AwsEnvironment).lakeReaderRoleArn,
        lakeIntegration: env.lakeReader.integration,
        rawBucket: env.rawBucket.uri,
        artifactsBucket: env.artifactsBucket.uri,
        runtimes: Object.fromEntries(
          Object.entries(runtimes).map(([k, r]) => [k, { ingestionJob: r.ingestionJob, dbtJob: r.dbtJob, orchestration: r.orchestration, schedule: r.schedule }]),
        ),
      };
    },
  });
  return { plan, config, errors: plan.outputs.errors as string[], runtimes: plan.outputs.runtimes as Record<string, Record<string, unknown>> };
}

// ---- reading the plan ----

export const byType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);

export function one(plan: Plan, type: string, pred: (r: PlannedResource) => boolean = () => true): PlannedResource {
  const found = byType(plan, type).filter(pred);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
  return found[0];
}

/** A value with secrets unwrapped. */
export function plain(v: unknown): unknown {
  if (isSecretValue(v)) return plain(v.value);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

export const json = (v: unknown): any => JSON.parse(String(plain(v)));

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every permissions or resource policy in the plan, with the resource that carries it. */
export function policies(plan: Plan): { resource: PlannedResource; statements: PolicyStatement[] }[] {
  const carriers: Record<string, string> = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
  };
  return plan.resources.filter((r) => r.type in carriers).map((r) => ({ resource: r, statements: list(json(r.inputs[carriers[r.type]]).Statement) as PolicyStatement[] }));
}

/** The role (by physical name) a RolePolicy is attached to; `policy <name>` for a managed policy (the workload boundary). */
export const policyRole = (r: PlannedResource) => (r.type === "aws:iam/policy:Policy" ? `policy ${r.inputs.name}` : String(r.inputs.role));

/** Whether `r` is `ancestor` or sits below it. */
export function isUnder(plan: Plan, r: PlannedResource, ancestorUrn: string): boolean {
  const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
  for (let cur: PlannedResource | undefined = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) if (cur.urn === ancestorUrn) return true;
  return false;
}
