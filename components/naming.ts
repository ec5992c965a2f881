/**
 * The one place physical resource names are built: `<prefix>-<env>[-<pipeline>]-<kind>`.
 *
 * Each cloud lists every name it will create in NAME_PLAN, with the naming rule of the resource type
 * that carries it. Config validation checks the whole plan for every pipeline before any resource is
 * declared, and `Namer` refuses a kind the plan does not list, so the two cannot drift apart.
 */
import type { CloudKind } from "./types";

export interface NameRule {
  /** What carries the name, for messages ("GCP service account id"). */
  what: string;
  min: number;
  max: number;
  pattern: RegExp;
  /** The rule in words, for messages. */
  description: string;
}

const kebab = (what: string, min: number, max: number): NameRule => ({
  what,
  min,
  max,
  pattern: /^[a-z]([a-z0-9-]*[a-z0-9])?$/,
  description: `${min}-${max} lowercase letters, digits and hyphens, starting with a letter`,
});

export const NAME_RULES = {
  gcsBucket: kebab("GCS bucket name", 3, 63),
  gcpServiceAccountId: kebab("GCP service account id", 6, 30),
  gcpSecretId: kebab("Secret Manager secret id", 1, 255),
  artifactRegistryRepo: kebab("Artifact Registry repository id", 1, 63),
  cloudRunJob: kebab("Cloud Run job name", 1, 63),
  gcpWorkflow: kebab("Workflows workflow name", 1, 64),
  cloudSchedulerJob: kebab("Cloud Scheduler job name", 1, 500),
  gcpWorkloadIdentityPool: kebab("Workload Identity pool id", 4, 32),
  gcpCompute: kebab("Compute Engine resource name (network, subnet, address, router, NAT)", 1, 63),
  s3Bucket: kebab("S3 bucket name", 3, 63),
  iamRole: kebab("IAM role name", 1, 64),
  ecrRepository: kebab("ECR repository name", 2, 256),
  ecsCluster: kebab("ECS cluster name", 1, 255),
  ecsTaskFamily: kebab("ECS task definition family", 1, 255),
  awsSecret: kebab("Secrets Manager secret name", 1, 512),
  stepFunction: kebab("Step Functions state machine name", 1, 80),
  eventBridgeSchedule: kebab("EventBridge schedule name", 1, 64),
  snsTopic: kebab("SNS topic name", 1, 256),
  logGroup: kebab("CloudWatch log group name", 1, 512),
  securityGroup: kebab("EC2 security group name", 1, 255),
  eventBridgeRule: kebab("EventBridge rule name", 1, 64),
  eventBridgeConnection: kebab("EventBridge connection name", 1, 64),
  sqsQueue: kebab("SQS queue name", 1, 80),
  cloudWatchAlarm: kebab("CloudWatch alarm name", 1, 255),
  iamPolicy: kebab("IAM managed policy name", 1, 128),
} satisfies Record<string, NameRule>;

export type NameRuleId = keyof typeof NAME_RULES;

/** Every name a cloud creates: per environment, and per pipeline. Kind → rule of the resource carrying it. */
export const NAME_PLAN: Record<CloudKind, { environment: Record<string, NameRuleId>; pipeline: Record<string, NameRuleId> }> = {
  gcp: {
    environment: {
      raw: "gcsBucket",
      artifacts: "gcsBucket",
      images: "artifactRegistryRepo",
      dbt: "gcpServiceAccountId",
      orchestrator: "gcpServiceAccountId",
      "ci-preview": "gcpServiceAccountId",
      "ci-deploy": "gcpServiceAccountId",
      github: "gcpWorkloadIdentityPool",
      "snowflake-loader-key": "gcpSecretId",
      "snowflake-transformer-key": "gcpSecretId",
      "snowflake-reporter-key": "gcpSecretId",
      "fivetran-api": "gcpSecretId",
      // gcp.staticEgress: the jobs' network and subnet, and the NAT's router, gateway and address.
      jobs: "gcpCompute",
      egress: "gcpCompute",
    },
    pipeline: {
      // The pipeline's ingestion service account. Kept short: account ids have 30 characters for
      // prefix, environment, pipeline name and kind together (`acme-prod-jsonplaceholder-ing` is 29).
      ing: "gcpServiceAccountId",
      "ingest-job": "cloudRunJob",
      "dbt-job": "cloudRunJob",
      flow: "gcpWorkflow",
      schedule: "cloudSchedulerJob",
      secret: "gcpSecretId",
    },
  },
  aws: {
    environment: {
      raw: "s3Bucket",
      artifacts: "s3Bucket",
      // Server access logs of raw and artifacts (S3 cannot log a bucket into itself usefully).
      "access-logs": "s3Bucket",
      // Schedules whose start failed land here; the alarm mails the environment's alert topic.
      "schedule-dlq": "sqsQueue",
      "schedule-dlq-alarm": "cloudWatchAlarm",
      // Permissions boundary of every workload role: caps what CI's deploy role may grant.
      "workload-boundary": "iamPolicy",
      // ECR namespace: the repositories are `<name>/ingestion` and `<name>/dbt` (see cloud/aws/README.md).
      images: "ecrRepository",
      cluster: "ecsCluster",
      tasks: "securityGroup",
      dbt: "iamRole",
      "ci-preview": "iamRole",
      "ci-deploy": "iamRole",
      // Assumed by site.readers (only when there are any): reads the artifacts bucket's site/ prefix.
      "site-reader": "iamRole",
      "snowflake-lake": "iamRole",
      "snowflake-loader-key": "awsSecret",
      "snowflake-transformer-key": "awsSecret",
      "snowflake-reporter-key": "awsSecret",
      "fivetran-api": "awsSecret",
      fivetran: "eventBridgeConnection",
      alerts: "snsTopic",
    },
    pipeline: {
      ingest: "iamRole",
      "ingest-exec": "iamRole",
      // Per pipeline, not shared: inline-policy size limits and isolation (see cloud/aws/README.md, "Identities").
      "dbt-exec": "iamRole",
      orchestrator: "iamRole",
      scheduler: "iamRole",
      "ingest-task": "ecsTaskFamily",
      "dbt-task": "ecsTaskFamily",
      flow: "stepFunction",
      schedule: "eventBridgeSchedule",
      failed: "eventBridgeRule",
      // Only for pipelines with notify.onSuccess: the rule on succeeded runs and its topic.
      succeeded: "eventBridgeRule",
      logs: "logGroup",
      secret: "awsSecret",
      alerts: "snsTopic",
      success: "snsTopic",
    },
  },
};

export interface NameProblem {
  name: string;
  rule: NameRule;
  kind: string;
  pipeline?: string;
}

function checkName(name: string, rule: NameRule): boolean {
  return name.length >= rule.min && name.length <= rule.max && rule.pattern.test(name) && !name.includes("--");
}

/** Builds the physical names of one environment on one cloud. */
export class Namer {
  constructor(
    readonly cloud: CloudKind,
    readonly prefix: string,
    readonly environment: string,
  ) {}

  /**
   * `<prefix>-<env>`, the stem every name of this environment starts with: for display names, and for
   * the wildcard patterns (`acme-dev-*`) that scope policies to this environment's resources.
   */
  get base(): string {
    return this.join([]);
  }

  /** A wildcard over one per-pipeline kind across all pipelines, e.g. `acme-dev-*-failed`. */
  anyPipeline(kind: string): string {
    this.rule("pipeline", kind);
    return this.join(["*", kind]);
  }

  /** An environment-wide name, e.g. `acme-dev-raw`. */
  env(kind: string): string {
    return this.build([kind], this.rule("environment", kind));
  }

  /**
   * A per-pipeline name, e.g. `acme-dev-orders-flow`; `detail` tells apart several of one kind
   * (`acme-dev-orders-secret-api-token`). Pipeline and secret names are lower_snake; cloud names use hyphens.
   */
  pipeline(pipeline: string, kind: string, detail?: string): string {
    return this.build(this.pipelineParts(pipeline, kind, detail), this.rule("pipeline", kind));
  }

  /** Every planned name that breaks its rule, for config validation. */
  problems(pipelines: { name: string; secrets: string[] }[]): NameProblem[] {
    const out: NameProblem[] = [];
    const plan = NAME_PLAN[this.cloud];
    for (const [kind, id] of Object.entries(plan.environment)) {
      const name = this.join([kind]);
      if (!checkName(name, NAME_RULES[id])) out.push({ name, rule: NAME_RULES[id], kind });
    }
    for (const p of pipelines) {
      for (const [kind, id] of Object.entries(plan.pipeline)) {
        const details = kind === "secret" ? p.secrets : [undefined];
        for (const detail of details) {
          const name = this.join(this.pipelineParts(p.name, kind, detail));
          if (!checkName(name, NAME_RULES[id])) out.push({ name, rule: NAME_RULES[id], kind, pipeline: p.name });
        }
      }
    }
    return out;
  }

  /**
   * The longest pipeline name this environment's per-pipeline names leave room for, and the name that
   * sets it: on GCP with `acme-dev`, 17, because the ingestion service account id
   * `acme-dev-<pipeline>-ing` has at most 30 characters. (Secret names add the secret's name, and have
   * hundreds of characters to spare.)
   */
  pipelineNameBudget(): { max: number; kind: string; rule: NameRule; pattern: string } {
    let best: { max: number; kind: string; rule: NameRule; pattern: string } | undefined;
    for (const [kind, id] of Object.entries(NAME_PLAN[this.cloud].pipeline)) {
      const rule = NAME_RULES[id];
      const max = rule.max - this.join(["", kind]).length;
      if (!best || max < best.max) best = { max, kind, rule, pattern: this.join(["<pipeline>", kind]) };
    }
    return best!;
  }

  private pipelineParts(pipeline: string, kind: string, detail?: string): string[] {
    return [pipeline, kind, ...(detail ? [detail] : [])].map((s) => s.replace(/_/g, "-"));
  }

  private rule(scope: "environment" | "pipeline", kind: string): NameRule {
    const id = NAME_PLAN[this.cloud][scope][kind];
    if (!id) throw new Error(`naming: "${kind}" is not a planned ${scope} name on ${this.cloud}; add it to NAME_PLAN in components/naming.ts`);
    return NAME_RULES[id];
  }

  private join(parts: string[]): string {
    return [this.prefix, this.environment, ...parts].join("-");
  }

  private build(parts: string[], rule: NameRule): string {
    const name = this.join(parts);
    if (!checkName(name, rule)) throw new Error(`naming: "${name}" is not a valid ${rule.what} (${rule.description})`);
    return name;
  }
}

/** Upper-case Snowflake identifier (unquoted form). */
export const SNOWFLAKE_IDENTIFIER = /^[A-Z][A-Z0-9_]{0,254}$/;

/** Snowflake object names: explicit, UPPER_SNAKE, prefixed per environment when one account holds several. */
export function snowflakeName(objectPrefix: string, ...parts: string[]): string {
  return (objectPrefix + parts.join("_")).toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}
