/**
 * The platform's security rules as pure functions over one resource (`check`) or over all the
 * resources of a stack (`checkStack`, for rules that pair resources, like "every S3 bucket has an
 * encryption configuration"). The same functions run in two places:
 *   - the policy pack (`policy/index.ts`), which `pulumi preview --policy-pack policy` loads;
 *   - the tests, over the offline plan of every shipped stack (test/policy/).
 * Nothing here imports a cloud SDK or a component that declares resources (only the lists of labels and
 * primitive roles the program itself uses); values the engine does not know yet (preview of a
 * create) arrive as `undefined` and are treated as absent, so rules check only what is declared.
 */
import { PRIMITIVE_ROLES } from "../components/cloud/gcp/iam";
import { LABEL_KEYS } from "../components/labels";
import { STATEFUL_TYPES } from "./stateful";
import { labelProperty } from "./taggable";

export interface RuleResource {
  type: string;
  /** Logical name. */
  name: string;
  urn?: string;
  /** URN of the parent resource, when known. */
  parent?: string;
  /** Inputs with secrets unwrapped (the rules look at values, never print them). */
  inputs: Record<string, unknown>;
  protect: boolean;
  /** Stack name (`dev`, `prod`, `dev-aws`). */
  stack: string;
}

export interface StackFinding {
  resource: RuleResource;
  message: string;
}

export interface Rule {
  name: string;
  description: string;
  /** Violations of one resource, as messages; [] when it complies or the rule does not apply. */
  check?: (r: RuleResource) => string[];
  /** Violations that need the whole stack (pairing resources). */
  checkStack?: (rs: RuleResource[]) => StackFinding[];
}

export interface Violation {
  rule: string;
  resource: string;
  urn?: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const S3_BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
/** The platform labels every taggable resource carries; `pipeline` only on a pipeline's resources. */
const REQUIRED_LABELS = LABEL_KEYS.filter((k) => k !== "pipeline");

/** Visit every value inside `v` with its dotted path, depth first; `visit` returns false to not descend. */
function walk(v: unknown, visit: (at: string, v: unknown) => boolean, at = ""): void {
  if (!visit(at, v)) return;
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, visit, `${at}[${i}]`));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, visit, at ? `${at}.${k}` : k);
}

/** Every string inside `v`, with a dotted path. */
function strings(v: unknown): [string, string][] {
  const out: [string, string][] = [];
  walk(v, (at, x) => {
    if (typeof x === "string") out.push([at, x]);
    return true;
  });
  return out;
}

/** A JSON document given as a string or an object; undefined when it is neither. */
function jsonDoc(v: unknown): Record<string, unknown> | undefined {
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v !== "string" || !v.trim().startsWith("{")) return undefined;
  try {
    return JSON.parse(v) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** `prod` when the resource's environment label/tag says so, or the stack is a production stack. */
export function isProduction(r: RuleResource): boolean {
  const tags = (r.inputs.labels ?? r.inputs.tags) as Record<string, unknown> | undefined;
  const env = tags && typeof tags === "object" ? tags.environment : undefined;
  return env === "prod" || /(^|[-_.])prod(uction)?($|[-_.])/.test(r.stack);
}

/** Whether an S3 configuration resource belongs to `bucket` (by bucket name or parent). */
function pointsAt(config: RuleResource, bucket: RuleResource): boolean {
  const name = bucket.inputs.bucket ?? bucket.name;
  return config.inputs.bucket === name || (!!bucket.urn && config.parent === bucket.urn);
}

// ---------------------------------------------------------------------------------------------
// Rules

const noPublicBuckets: Rule = {
  name: "no-public-buckets",
  description: "No bucket is public: GCS public access prevention enforced and no allUsers/allAuthenticatedUsers members; S3 buckets fully block public access.",
  check(r) {
    const out: string[] = [];
    if (r.type === "gcp:storage/bucket:Bucket" && r.inputs.publicAccessPrevention !== "enforced") {
      out.push(`GCS bucket must set publicAccessPrevention: "enforced" (found ${JSON.stringify(r.inputs.publicAccessPrevention ?? null)})`);
    }
    if (r.type.startsWith("gcp:")) {
      for (const [at, s] of strings({ member: r.inputs.member, members: r.inputs.members, policyData: r.inputs.policyData })) {
        const hit = PUBLIC_MEMBERS.find((m) => s === m || s.includes(`"${m}"`));
        if (hit) out.push(`${at} grants access to ${hit}`);
      }
    }
    if (r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
      const off = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].filter((k) => r.inputs[k] !== true);
      if (off.length) out.push(`public access block must set ${off.join(", ")} to true`);
    }
    if (r.type.startsWith("aws:s3/") && typeof r.inputs.acl === "string" && /public|authenticated-read/.test(r.inputs.acl)) {
      out.push(`canned ACL ${r.inputs.acl} makes the bucket public`);
    }
    if (r.type === "aws:s3/bucketPolicy:BucketPolicy") {
      for (const s of list(jsonDoc(r.inputs.policy)?.Statement) as Record<string, unknown>[]) {
        const p = s.Principal as unknown;
        const everyone = p === "*" || (p && typeof p === "object" && list((p as Record<string, unknown>).AWS).includes("*"));
        if (s.Effect === "Allow" && everyone && !s.Condition)
          out.push(`bucket policy statement ${s.Sid ?? ""} allows everyone (Principal "*") without a condition`.replace("  ", " "));
      }
    }
    return out;
  },
  checkStack(rs) {
    const blocks = rs.filter((r) => r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    return rs
      .filter((b) => S3_BUCKET_TYPES.has(b.type) && !blocks.some((c) => pointsAt(c, b)))
      .map((resource) => ({ resource, message: "S3 bucket has no BucketPublicAccessBlock" }));
  },
};

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];
const SSE_TYPES = new Set([
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]);

const encryptionAtRest: Rule = {
  name: "encryption-at-rest",
  description:
    "Data is encrypted at rest: every S3 bucket has a server-side encryption configuration; a GCS bucket that names a KMS key names a real one, and when one lake bucket uses a customer-managed key, all do.",
  check(r) {
    const out: string[] = [];
    if (SSE_TYPES.has(r.type)) {
      const rules = list(r.inputs.rules) as ({ applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } } | null)[];
      if (!rules.length) out.push("encryption configuration has no rules");
      for (const rule of rules) {
        const alg = rule?.applyServerSideEncryptionByDefault?.sseAlgorithm;
        if (alg !== undefined && !SSE_ALGORITHMS.includes(alg)) out.push(`unknown sseAlgorithm ${JSON.stringify(alg)}`);
        if (rule && !rule.applyServerSideEncryptionByDefault) out.push("encryption rule without applyServerSideEncryptionByDefault");
      }
    }
    if (r.type === "gcp:storage/bucket:Bucket" && r.inputs.encryption !== undefined) {
      const key = (r.inputs.encryption as Record<string, unknown> | null)?.defaultKmsKeyName;
      if (typeof key !== "string" || !/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/.test(key)) {
        out.push(`encryption.defaultKmsKeyName must be a KMS key name (projects/…/cryptoKeys/…), found ${JSON.stringify(key ?? null)}`);
      }
    }
    return out;
  },
  checkStack(rs) {
    const out: StackFinding[] = [];
    const sse = rs.filter((r) => SSE_TYPES.has(r.type));
    for (const b of rs.filter((r) => S3_BUCKET_TYPES.has(r.type))) {
      if (b.inputs.serverSideEncryptionConfiguration) continue;
      if (!sse.some((c) => pointsAt(c, b))) out.push({ resource: b, message: "S3 bucket has no server-side encryption configuration" });
    }
    const gcs = rs.filter((r) => r.type === "gcp:storage/bucket:Bucket");
    const cmek = gcs.filter((b) => (b.inputs.encryption as Record<string, unknown> | undefined)?.defaultKmsKeyName);
    if (cmek.length) {
      for (const b of gcs.filter((x) => !cmek.includes(x))) {
        out.push({ resource: b, message: `GCS bucket has no customer-managed key while ${cmek[0].name} has one: all lake buckets use the configured key` });
      }
    }
    return out;
  },
};

const noPrimitiveRoles: Rule = {
  name: "no-primitive-roles",
  description: `No IAM grant uses a primitive role (${PRIMITIVE_ROLES.join(", ")}).`,
  check(r) {
    if (!r.type.startsWith("gcp:")) return [];
    const candidates: [string, string][] = [];
    if (typeof r.inputs.role === "string") candidates.push(["role", r.inputs.role]);
    list(r.inputs.roles).forEach((x, i) => typeof x === "string" && candidates.push([`roles[${i}]`, x]));
    const policy = jsonDoc(r.inputs.policyData);
    (list(policy?.bindings) as Record<string, unknown>[]).forEach((b, i) => typeof b?.role === "string" && candidates.push([`policyData.bindings[${i}].role`, b.role]));
    return candidates
      .filter(([, role]) => (PRIMITIVE_ROLES as readonly string[]).includes(role))
      .map(([at, role]) => `${at} is the primitive role ${role}; grant a predefined role on the resource instead`);
  },
};

/** The IAM policy documents an AWS resource declares: any JSON input with a Statement. */
function policyDocuments(r: RuleResource): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  walk(r.inputs, (at, v) => {
    const doc = jsonDoc(v);
    if (!doc || !("Statement" in doc)) return true;
    out.push([at, doc]);
    return false;
  });
  return out;
}

const noWildcardActions: Rule = {
  name: "no-wildcard-actions",
  description: 'No IAM policy document allows "*" or "<service>:*" actions, or uses NotAction in an Allow (Deny statements may use wildcards).',
  check(r) {
    if (!r.type.startsWith("aws:")) return [];
    const out: string[] = [];
    for (const [at, doc] of policyDocuments(r)) {
      (list(doc.Statement) as Record<string, unknown>[]).forEach((s, i) => {
        if (s?.Effect !== "Allow") return;
        const where = `${at}.Statement[${i}]${s.Sid ? ` (${s.Sid})` : ""}`;
        for (const a of list(s.Action)) if (typeof a === "string" && (a === "*" || /^[\w-]+:\*$/.test(a))) out.push(`${where} allows the wildcard action ${a}`);
        if (s.NotAction !== undefined) out.push(`${where} allows NotAction (everything but a list)`);
      });
    }
    return out;
  },
};

const SNOWFLAKE_USER = /^snowflake:index\/(user|serviceUser|legacyServiceUser):/;

const snowflakeKeyPairOnly: Rule = {
  name: "snowflake-key-pair-only",
  description: "Snowflake users authenticate with key pairs: no password, and an rsaPublicKey on every user the platform creates.",
  check(r) {
    if (!SNOWFLAKE_USER.test(r.type)) return [];
    const out: string[] = [];
    if (r.inputs.password !== undefined && r.inputs.password !== null && r.inputs.password !== "")
      out.push("Snowflake user has a password; use key-pair authentication (rsaPublicKey)");
    if (!r.inputs.rsaPublicKey) out.push("Snowflake user has no rsaPublicKey");
    return out;
  },
};

const statefulProtectedInProd: Rule = {
  name: "stateful-protected-in-prod",
  description: `Stateful resources (${STATEFUL_TYPES.join(", ")}) are declared with protect: true in production.`,
  check(r) {
    if (!STATEFUL_TYPES.includes(r.type) || !isProduction(r) || r.protect) return [];
    return [`stateful ${r.type} in production stack ${r.stack} must be protected (protect: true)`];
  },
};

const platformLabels: Rule = {
  name: "platform-labels",
  description: `Every resource that supports labels (GCP) or tags (AWS) carries ${REQUIRED_LABELS.join(", ")} (managed-by: pulumi).`,
  check(r) {
    const prop = labelProperty(r.type);
    if (!prop) return [];
    const tags = (r.inputs[prop] ?? {}) as Record<string, unknown>;
    const missing = REQUIRED_LABELS.filter((k) => typeof tags[k] !== "string" || tags[k] === "");
    const out = missing.length ? [`${prop} lack ${missing.join(", ")}`] : [];
    if (!missing.includes("managed-by") && tags["managed-by"] !== "pulumi") out.push(`${prop}.managed-by is ${JSON.stringify(tags["managed-by"])}, expected "pulumi"`);
    return out;
  },
};

export const RULES: readonly Rule[] = [noPublicBuckets, encryptionAtRest, noPrimitiveRoles, noWildcardActions, snowflakeKeyPairOnly, statefulProtectedInProd, platformLabels];

/** Run rules over a stack's resources; one Violation per message. */
export function evaluate(resources: RuleResource[]): Violation[] {
  const out: Violation[] = [];
  const id = (r: RuleResource) => `${r.type}::${r.name}`;
  for (const rule of RULES) {
    if (rule.check) for (const r of resources) for (const message of rule.check(r)) out.push({ rule: rule.name, resource: id(r), urn: r.urn, message });
    if (rule.checkStack) for (const f of rule.checkStack(resources)) out.push({ rule: rule.name, resource: id(f.resource), urn: f.resource.urn, message: f.message });
  }
  return out;
}

/** The stack name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
  return urn.split("::")[0].split(":").slice(2).join(":");
}
