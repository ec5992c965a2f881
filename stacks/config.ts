/**
 * The stack config schema: everything under the `data-platform:` namespace of `Pulumi.<stack>.yaml`.
 * Stack config says *where* and *how big*; what data moves lives in `pipelines/*.yaml`.
 * Every default lives in STACK_DEFAULTS, so the README, the schema and the code cannot disagree.
 */
import { z } from "zod";
import { FIVETRAN_IPS_DOCS, FIVETRAN_REGIONS, FIVETRAN_TIME_ZONE_OFFSETS } from "../components/fivetran/regions";

export const PROJECT = "data-platform";

/** Every default of the stack config, in one place. Production stacks override sizes and protection. */
export const STACK_DEFAULTS = {
  protect: true,
  gcp: { staticEgress: false, imageConsumers: [] as { environment: string; project: string; projectNumber: string }[], iamPropagationSeconds: 120 },
  allowDataDestroy: false,
  lake: {
    /** Days before raw objects move to colder storage (Nearline / S3 Standard-IA). */
    coldAfterDays: 30,
    /** Days before raw objects expire; 0 keeps them forever. */
    expireAfterDays: 0,
    /** Days a replaced (noncurrent) object version is kept. */
    noncurrentVersionDays: 30,
    /** Days artifacts (dbt manifests, logs, run records) are kept. */
    artifactsExpireAfterDays: 90,
  },
  jobs: {
    ingestion: { cpu: 1, memoryGiB: 2, timeoutMinutes: 60, maxRetries: 1 },
    dbt: { cpu: 1, memoryGiB: 2, timeoutMinutes: 60, maxRetries: 0 },
  },
  orchestration: { stepRetries: 2 },
  warehouse: {
    dataRetentionDays: 1,
    loading: { size: "XSMALL", autoSuspendSeconds: 60, statementTimeoutSeconds: 3600 },
    transforming: { size: "XSMALL", autoSuspendSeconds: 60, statementTimeoutSeconds: 3600 },
    reporting: { size: "XSMALL", autoSuspendSeconds: 60, statementTimeoutSeconds: 900 },
    monthlyCreditQuota: 20,
    notifyAtPercent: [75, 90],
    monitorNotifyUsers: [] as string[],
    allowedIpRanges: [] as string[],
    fivetranIpRanges: [] as string[],
    biIpRanges: [] as string[],
  },
  fivetran: { region: "GCP_EUROPE_WEST3", timeZoneOffset: "0" } as const,
  logRetentionDays: 30,
  ci: { deployBranch: "main", reuseOidcProvider: false },
  images: { ingestionContext: "ingestion", dbtContext: "dbt", build: true },
} as const;

const D = STACK_DEFAULTS;

const lowerName = (what: string, max: number) =>
  z.string({ error: `${what} as a string` }).regex(new RegExp(`^[a-z][a-z0-9]{0,${max - 1}}$`), {
    error: `${what}: lowercase letters and digits, starting with a letter, at most ${max} characters`,
  });

const positiveInt = (what: string) =>
  z
    .number({ error: `${what} as a whole number` })
    .int({ error: `${what} as a whole number` })
    .min(0, { error: `${what} of 0 or more` });

/** An IPv4 address or CIDR block, as Snowflake network policies take them (octets 0-255, prefix 0-32). */
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\/(3[0-2]|[12]?\d))?$/;
const ipRanges = (defaults: readonly string[]) => z.array(z.string().regex(IPV4_CIDR, { error: "IPv4 CIDR like 203.0.113.0/24" })).default([...defaults]);

const WAREHOUSE_SIZES = ["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE"] as const;

const jobSize = (defaults: { cpu: number; memoryGiB: number; timeoutMinutes: number; maxRetries: number }) =>
  z
    .strictObject({
      cpu: z
        .union([z.literal(0.25), z.literal(0.5), z.literal(1), z.literal(2), z.literal(4)], { error: "cpu of 0.25, 0.5, 1, 2 or 4 vCPU" })
        .default(defaults.cpu as 1)
        .describe("vCPUs per run: 0.25, 0.5, 1, 2 or 4."),
      memoryGiB: z
        .number({ error: "memoryGiB as a number" })
        .min(0.5, { error: "memoryGiB of at least 0.5" })
        .max(30, { error: "memoryGiB of at most 30" })
        .default(defaults.memoryGiB)
        .describe("Memory per run in GiB, 0.5 to 30."),
      timeoutMinutes: z
        .number()
        .int()
        .min(1)
        .max(1440, { error: "timeoutMinutes between 1 and 1440 (24 h)" })
        .default(defaults.timeoutMinutes)
        .describe("Minutes before a run is stopped, 1 to 1440."),
      maxRetries: z.number().int().min(0).max(10, { error: "maxRetries between 0 and 10" }).default(defaults.maxRetries).describe("Retries of a failed run, 0 to 10."),
    })
    .prefault({})
    .describe("Size and retries of one kind of job; pipelines may override them (jobs: in the pipeline file).");

const warehouseSize = (d: { size: string; autoSuspendSeconds: number; statementTimeoutSeconds: number }) =>
  z
    .strictObject({
      size: z
        .enum(WAREHOUSE_SIZES, { error: `size, one of ${WAREHOUSE_SIZES.join(", ")}` })
        .default(d.size as "XSMALL")
        .describe(`Snowflake warehouse size: ${WAREHOUSE_SIZES.join(", ")}.`),
      // Cost control: a warehouse that never suspends bills forever, so 0 (never) is not allowed.
      autoSuspendSeconds: z
        .number()
        .int()
        .min(60, { error: "autoSuspendSeconds of at least 60 (a warehouse must suspend when idle)" })
        .max(3600)
        .default(d.autoSuspendSeconds)
        .describe("Idle seconds before the warehouse suspends (and stops billing), 60 to 3600."),
      statementTimeoutSeconds: z.number().int().min(60).max(172800).default(d.statementTimeoutSeconds).describe("Seconds before a statement is cancelled."),
    })
    .prefault({})
    .describe("One Snowflake warehouse.");

export const stackConfigSchema = z
  .strictObject({
    cloud: z.enum(["gcp", "aws"], { error: 'cloud, "gcp" or "aws"' }).describe("Which cloud this stack deploys to."),
    environment: lowerName("environment", 8).describe("Environment name, part of every resource name; prod is the production environment."),
    prefix: lowerName("prefix", 10).describe(
      "Organisation prefix, part of every resource name (bucket names are global, so make it yours). With the environment it sets the pipeline-name budget: 17 characters on GCP for acme-dev.",
    ),
    region: z
      .string()
      .regex(/^[a-z]+(-[a-z0-9]+)+$/, { error: "region like europe-west1 or eu-west-1" })
      .describe("Region for every regional resource, e.g. europe-west1 or eu-west-1."),
    gcp: z
      .strictObject({
        project: z
          .string()
          .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: "GCP project id (6-30 lowercase letters, digits, hyphens)" })
          .describe("GCP project id the stack deploys into."),
        staticEgress: z
          .boolean({ error: "staticEgress as true or false" })
          .default(D.gcp.staticEgress)
          .describe(
            "Send the jobs' outbound traffic through Cloud NAT with one reserved address, which the Snowflake network policy then allows. Needed with warehouse.allowedIpRanges: Cloud Run has no fixed outbound address of its own. Costs a NAT gateway and an address (components/cloud/gcp/README.md).",
          ),
        imageConsumers: z
          .array(
            z.strictObject({
              environment: lowerName("environment", 8).describe("The consuming environment's name, e.g. prod."),
              project: z
                .string()
                .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: "GCP project id (6-30 lowercase letters, digits, hyphens)" })
                .describe("The consuming environment's GCP project id."),
              projectNumber: z
                .string({ error: "the project number as a quoted string" })
                .regex(/^\d{6,20}$/, { error: "the project number (digits, quoted)" })
                .describe("The consuming project's number, quoted (its Cloud Run service agent is named by it)."),
            }),
          )
          .default([...D.gcp.imageConsumers])
          .describe(
            "Environments that run this stack's images (prod runs the digests dev built and tested): their Cloud Run service agent and deployer may read the registry, and its cleanup keeps every tagged image, so no digest they run is deleted (components/cloud/gcp/README.md, Images).",
          ),
        iamPropagationSeconds: z
          .number({ error: "iamPropagationSeconds as a whole number of seconds" })
          .int({ error: "iamPropagationSeconds as a whole number of seconds" })
          .min(0, { error: "iamPropagationSeconds of 0 or more" })
          .max(900, { error: "iamPropagationSeconds of at most 900 (15 min)" })
          .default(D.gcp.iamPropagationSeconds)
          .describe(
            "How long a pipeline's jobs wait, on their first creation only, after the IAM grants they need (Google: allow-policy changes typically propagate in 2 minutes, possibly 7 or more). 0 turns the wait off (components/cloud/gcp/README.md, IAM propagation).",
          ),
      })
      .optional()
      .describe("GCP settings; required when cloud is gcp."),
    aws: z
      .strictObject({
        accountId: z
          .string()
          .regex(/^\d{12}$/, { error: "AWS account id of 12 digits (quote it in YAML)" })
          .describe("AWS account id, 12 digits, quoted."),
        subnetIds: z
          .array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "subnet id like subnet-0abc123" }))
          .default([])
          .describe("Private subnets for the tasks; when empty the stack creates a minimal VPC."),
        vpcId: z
          .string()
          .regex(/^vpc-[0-9a-f]+$/, { error: "VPC id like vpc-0abc123" })
          .optional()
          .describe("VPC of subnetIds."),
        vpcCidr: z
          .string()
          .regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, { error: "CIDR like 10.40.0.0/16" })
          .default("10.40.0.0/16")
          .describe("CIDR of the VPC the stack creates when subnetIds is empty."),
      })
      .optional()
      .describe("AWS settings; required when cloud is aws."),
    protect: z.boolean({ error: "protect as true or false" }).default(D.protect).describe("Protect stateful resources (buckets, databases, registry) from deletion."),
    allowDataDestroy: z
      .boolean({ error: "allowDataDestroy as true or false" })
      .default(D.allowDataDestroy)
      .describe("Second key for destroying data: only honoured on a non-production stack that also has protect: false."),
    lake: z
      .strictObject({
        coldAfterDays: positiveInt("coldAfterDays").default(D.lake.coldAfterDays).describe("Days before raw objects move to colder storage (Nearline / S3 Standard-IA)."),
        expireAfterDays: positiveInt("expireAfterDays").default(D.lake.expireAfterDays).describe("Days before raw objects expire; 0 keeps them forever."),
        noncurrentVersionDays: positiveInt("noncurrentVersionDays")
          .default(D.lake.noncurrentVersionDays)
          .describe("Days a replaced or deleted (noncurrent) object version is kept; 0 keeps them forever."),
        artifactsExpireAfterDays: positiveInt("artifactsExpireAfterDays")
          .default(D.lake.artifactsExpireAfterDays)
          .describe("Days artifacts (dbt manifests, logs, run records) are kept."),
        kmsKey: z.string().min(1).optional().describe("Customer-managed key: a Cloud KMS key name (GCP) or a KMS key ARN (AWS)."),
      })
      .prefault({})
      .describe("The raw and artifacts buckets: lifecycle and encryption."),
    jobs: z
      .strictObject({ ingestion: jobSize(D.jobs.ingestion), dbt: jobSize(D.jobs.dbt) })
      .prefault({})
      .describe("Default job sizes: the ingestion job and the dbt job of every pipeline."),
    orchestration: z
      .strictObject({
        stepRetries: z.number().int().min(0).max(10).default(D.orchestration.stepRetries).describe("Retries of a failed orchestration step (sync, ingestion, dbt), 0 to 10."),
      })
      .prefault({})
      .describe("The per-pipeline orchestration (Workflows / Step Functions)."),
    warehouse: z
      .strictObject({
        account: z
          .string()
          .regex(/^[A-Za-z0-9_]+-[A-Za-z0-9_]+$/, { error: "Snowflake account identifier like MYORG-MYACCOUNT" })
          .describe("Snowflake account identifier <ORGNAME>-<ACCOUNT_NAME> (the same as snowflake:organizationName / accountName)."),
        objectPrefix: z
          .string()
          .regex(/^([A-Z][A-Z0-9_]*)?$/, { error: "objectPrefix in UPPER_SNAKE (or empty)" })
          .optional()
          .describe("Prefix of every Snowflake object name; defaults to <ENVIRONMENT>_ so several environments share one account."),
        dataRetentionDays: z.number().int().min(0).max(90).default(D.warehouse.dataRetentionDays).describe("Time Travel days of the databases, 0 to 90."),
        loading: warehouseSize(D.warehouse.loading).describe("The warehouse ingestion loads with."),
        transforming: warehouseSize(D.warehouse.transforming).describe("The warehouse dbt builds with."),
        reporting: warehouseSize(D.warehouse.reporting).describe("The warehouse readers query with."),
        monthlyCreditQuota: z
          .number()
          .int()
          .min(1, { error: "monthlyCreditQuota of at least 1" })
          .default(D.warehouse.monthlyCreditQuota)
          .describe("Credits per month the resource monitor allows before it suspends the warehouses."),
        notifyAtPercent: z
          .array(z.number().int().min(1).max(99))
          .default([...D.warehouse.notifyAtPercent])
          .describe("Quota percentages that send a notification."),
        monitorNotifyUsers: z
          .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, { error: "a Snowflake user name (letters, digits, _ and $, not starting with a digit)" }))
          .default([...D.warehouse.monitorNotifyUsers])
          .describe("Snowflake users the resource monitor e-mails at notifyAtPercent. They must exist and have verified e-mail addresses (Snowflake sends nothing otherwise)."),
        allowedIpRanges: ipRanges(D.warehouse.allowedIpRanges).describe(
          "IP ranges (CIDR) the jobs' service users (ingestion, dbt) may connect from, besides the cloud's fixed egress. Non-empty switches network policies on: then every service user gets its own; empty means none.",
        ),
        fivetranIpRanges: ipRanges(D.warehouse.fivetranIpRanges).describe(
          `Fivetran's published IP ranges for fivetran.region (${FIVETRAN_IPS_DOCS}): the only addresses the Fivetran user's network policy admits. Required with allowedIpRanges when a pipeline uses Fivetran.`,
        ),
        biIpRanges: ipRanges(D.warehouse.biIpRanges).describe(
          "IP ranges (CIDR) the BI tool connects from: the only addresses the BI user's network policy admits. With allowedIpRanges and no biIpRanges the BI user is disabled.",
        ),
      })
      .describe("The Snowflake warehouse: account, object names, sizes, quota."),
    fivetran: z
      .strictObject({
        groupName: z
          .string()
          .regex(/^[a-z][a-z0-9_]{0,59}$/, { error: "groupName in lower_snake" })
          .optional()
          .describe("Fivetran group (one destination) for this environment; defaults to <prefix>_<environment>."),
        region: z
          .enum(FIVETRAN_REGIONS, { error: "a Fivetran region like GCP_EUROPE_WEST3 or AWS_EU_WEST_1" })
          .default(D.fivetran.region)
          .describe("Fivetran processing region of the destination, e.g. GCP_EUROPE_WEST3 or AWS_EU_WEST_1."),
        timeZoneOffset: z
          .enum(FIVETRAN_TIME_ZONE_OFFSETS, { error: 'timeZoneOffset from "-11" to "+12", like "0" or "+1"' })
          .default(D.fivetran.timeZoneOffset)
          .describe("Time zone offset (hours) the destination uses for daily sync times."),
      })
      .prefault({})
      .describe("The Fivetran group and destination of this environment."),
    images: z
      .strictObject({
        ingestion: z
          .string()
          .regex(/@sha256:[0-9a-f]{64}$/, { error: "image reference pinned by digest (…@sha256:<64 hex>)" })
          .optional()
          .describe("Prebuilt ingestion image pinned by digest (repo@sha256:...): promote what CI built instead of building."),
        dbt: z
          .string()
          .regex(/@sha256:[0-9a-f]{64}$/, { error: "image reference pinned by digest (…@sha256:<64 hex>)" })
          .optional()
          .describe("Prebuilt dbt image pinned by digest (repo@sha256:...)."),
        ingestionContext: z.string().min(1).default(D.images.ingestionContext).describe("Build context of the ingestion image, relative to the project root."),
        dbtContext: z.string().min(1).default(D.images.dbtContext).describe("Build context of the dbt image, relative to the project root; point it at your own dbt project."),
        build: z.boolean().default(D.images.build).describe("false: this stack never builds images; pulumi up needs both digests pinned (promoted from CI)."),
      })
      .prefault({})
      .describe("The two images: built from their contexts (tagged by content hash), or pinned digests."),
    alerts: z
      .strictObject({
        emails: z
          .array(z.email({ error: "e-mail address" }))
          .default([])
          .describe("Recipients of every pipeline's failure alerts, besides each pipeline's owner."),
      })
      .prefault({})
      .describe("Failure alerts."),
    site: z
      .strictObject({
        readers: z
          .array(z.string().min(1))
          .default([])
          .describe(
            "Who may read the docs and data-quality site the dbt job publishes under the artifacts bucket's site/ prefix. GCP: IAM members (group:, user:, serviceAccount:, domain:); AWS: IAM role or user ARNs, who may assume the site-reader role.",
          ),
      })
      .prefault({})
      .describe("The docs and data-quality site (site/<pipeline>/<run id>/ in the artifacts bucket)."),
    logRetentionDays: z.number().int().min(1).max(3653).default(D.logRetentionDays).describe("Days the jobs' logs are kept."),
    ci: z
      .strictObject({
        githubRepository: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { error: "GitHub repository as owner/name" })
          .describe("GitHub repository (owner/name) whose workflows may preview and deploy this stack."),
        githubRepositoryId: z
          .string({ error: "the repository id as a quoted string" })
          .regex(/^\d{1,20}$/, { error: "the numeric GitHub repository id, quoted" })
          .optional()
          .describe(
            "The repository's immutable numeric id (gh api repos/<owner>/<name> --jq .id), quoted. GCP trusts tokens by it as well as by name, so a repository renamed, deleted and re-created under the same name by someone else is not trusted. Required on GCP stacks.",
          ),
        deployBranch: z.string().min(1).default(D.ci.deployBranch).describe("The branch whose workflows may deploy."),
        reuseOidcProvider: z
          .boolean()
          .default(D.ci.reuseOidcProvider)
          .describe("AWS: the account already has GitHub's OIDC provider (IAM allows one per account): use it instead of creating it."),
      })
      .optional()
      .describe("CI access through OIDC: a read-only preview identity and a deploy identity."),
    fivetranApiKey: z.string().min(1).optional().describe("Fivetran API key (pulumi config set --secret); FIVETRAN_API_KEY also works."),
    fivetranApiSecret: z.string().min(1).optional().describe("Fivetran API secret (pulumi config set --secret); FIVETRAN_API_SECRET also works."),
    pipelineSecrets: z
      .record(z.string(), z.record(z.string(), z.string()))
      .default({})
      .describe("Values of the pipelines' source secrets, pipelineSecrets.<pipeline>.<secret>, set with pulumi config set --secret --path."),
  })
  .superRefine((c, ctx) => {
    if (c.cloud === "gcp" && !c.gcp) ctx.addIssue({ code: "custom", path: ["gcp"], message: "a gcp: { project } section because cloud is gcp", input: undefined });
    if (c.cloud === "aws" && !c.aws) ctx.addIssue({ code: "custom", path: ["aws"], message: "an aws: { accountId } section because cloud is aws", input: undefined });
    // A network policy admits only the listed addresses, so the jobs must leave from a known one.
    if (c.warehouse.allowedIpRanges.length > 0 && c.cloud === "gcp" && c.gcp && !c.gcp.staticEgress) {
      ctx.addIssue({
        code: "custom",
        path: ["gcp", "staticEgress"],
        message: "gcp.staticEgress: true with warehouse.allowedIpRanges (Cloud Run jobs have no fixed outbound address, so the network policy would lock them out of Snowflake)",
        input: false,
      });
    }
    if (c.warehouse.allowedIpRanges.length > 0 && c.cloud === "aws" && c.aws && c.aws.subnetIds.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["aws", "subnetIds"],
        message:
          "aws.subnetIds of subnets behind a NAT whose public addresses are in warehouse.allowedIpRanges (without them tasks get a new public IP per run, which the network policy would lock out of Snowflake)",
        input: [],
      });
    }
    // Ranges for the other users only mean something once policies are on; silently ignoring them would
    // leave those users open where the stack file says they are fenced in.
    for (const key of ["fivetranIpRanges", "biIpRanges"] as const) {
      if (c.warehouse[key].length > 0 && c.warehouse.allowedIpRanges.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["warehouse", "allowedIpRanges"],
          message: `warehouse.allowedIpRanges (the jobs' ranges) with warehouse.${key}: network policies are on only when allowedIpRanges is non-empty`,
          input: [],
        });
      }
    }
    if (c.cloud === "gcp" && c.ci && !c.ci.githubRepositoryId) {
      ctx.addIssue({
        code: "custom",
        path: ["ci", "githubRepositoryId"],
        message: "ci.githubRepositoryId (the repository's numeric id, quoted) on a GCP stack: CI trust is bound to it",
        input: undefined,
      });
    }
    c.site.readers.forEach((r, i) => {
      const ok = c.cloud === "gcp" ? /^(group|user|serviceAccount|domain):[^\s:]+$/.test(r) : /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(r);
      const expected = c.cloud === "gcp" ? "an IAM member like group:data-readers@example.com" : "an IAM role or user ARN like arn:aws:iam::123456789012:role/analysts";
      if (!ok) ctx.addIssue({ code: "custom", path: ["site", "readers", i], message: expected, input: r });
    });
    if (c.allowDataDestroy && c.environment === "prod") {
      ctx.addIssue({ code: "custom", path: ["allowDataDestroy"], message: "allowDataDestroy: false on the prod environment (data is never destroyable there)", input: true });
    }
  });

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** Keys of the stack config whose values must be Pulumi secrets (`pulumi config set --secret`). */
export const SECRET_STACK_KEYS = ["fivetranApiKey", "fivetranApiSecret", "pipelineSecrets"] as const;
