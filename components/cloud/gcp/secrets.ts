/**
 * Secret Manager secrets: the Snowflake key pairs, the Fivetran API credential and each pipeline's
 * source credentials. Each secret is readable only by the identities named for it, granted on the
 * secret itself. A secret declared without a value is created empty; an operator adds a version:
 *   gcloud secrets versions add <secret id> --data-file=-
 */
import * as crypto from "crypto";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { SecretRef, Workload } from "../cloud";
import type { Identities, Identity } from "./identities";
import type { GcpScope } from "./scope";

/** The roles granted on a secret, by the slug their grants are named with. */
const SECRET_ROLES = { accessor: "roles/secretmanager.secretAccessor", viewer: "roles/secretmanager.viewer" } as const;

interface StoredSecret {
  secret: gcp.secretmanager.Secret;
  /** The version holding the value, when the stack sets one. */
  version?: gcp.secretmanager.SecretVersion;
  /** identity key → its accessor grant on this secret. */
  grants: Map<string, gcp.secretmanager.SecretIamMember>;
  /** Logical key of the secret for resource names (`snowflake-loader-key`, `orders_files-api-token`). */
  key: string;
  /** Identity keys that may read the value. */
  readers: Set<string>;
}

export class Secrets extends pulumi.ComponentResource {
  private readonly stored = new Map<SecretRef, StoredSecret>();

  constructor(
    name: string,
    private readonly scope: GcpScope,
    private readonly identities: Identities,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:gcp:Secrets", name, {}, opts);
    this.registerOutputs({});
  }

  create(key: string, value: pulumi.Input<string> | undefined, readers: Workload[], pipeline?: string): SecretRef {
    const { ctx, project, region, apis } = this.scope;
    const secretId = pipeline ? ctx.names.pipeline(pipeline, "secret", key) : ctx.names.env(key);
    const logical = pipeline ? `${pipeline}-${key}` : key;
    const secret = new gcp.secretmanager.Secret(
      logical,
      {
        project,
        secretId,
        // Kept in the stack's region (data residency), not replicated worldwide.
        replication: { userManaged: { replicas: [{ location: region }] } },
        labels: ctx.labels(pipeline),
      },
      { parent: this, dependsOn: apis.on("secretmanager") },
    );
    // Write-only payload (`secretDataWo`): never stored in state and never read back, so refreshing the
    // version (previews, drift) reads only its metadata (`versions.get`, in secretmanager.viewer), not its
    // value (`versions.access`). `secretDataWoVersion` tells the provider when to write a new version.
    const version =
      value === undefined
        ? undefined
        : new gcp.secretmanager.SecretVersion(
            logical,
            { secret: secret.id, secretDataWo: pulumi.secret(value), secretDataWoVersion: pulumi.output(value).apply(writeOnlyVersion) },
            { parent: this },
          );
    // Said at plan time, as on AWS: a job reading a secret without a version fails at its first run.
    if (value === undefined)
      pulumi.log.info(`secret ${secretId} has no value yet; add one with: printf %s '<value>' | gcloud secrets versions add ${secretId} --project ${project} --data-file=-`, this);
    const ref: SecretRef = { key, id: secret.name };
    const stored: StoredSecret = { secret, version, key: logical, readers: new Set(), grants: new Map() };
    this.stored.set(ref, stored);
    for (const workload of readers) for (const identity of this.identities.resolve(workload, pipeline)) this.grantAccess(stored, identity);
    // CI preview sees that the secret exists and how it is configured, never its value.
    if (this.identities.ciPreview) this.grant(stored, "viewer", this.identities.ciPreview);
    return ref;
  }

  /** Whether `identity` may read the secret behind `ref`. */
  canRead(ref: SecretRef, identity: Identity): boolean {
    return this.stored.get(ref)?.readers.has(identity.key) ?? false;
  }

  /**
   * What a job reading `ref` as `identity` must be created after: the version it reads and the grant
   * that lets it. Cloud Run checks both when it creates or updates the job.
   */
  readDependencies(ref: SecretRef, identity: Identity): pulumi.Resource[] {
    const stored = this.stored.get(ref);
    const grant = stored?.grants.get(identity.key);
    if (!stored || !grant) throw new pulumi.ResourceError(`gcp: ${identity.key} may not read secret "${ref.key}"`, this);
    return [...(stored.version ? [stored.version] : []), grant];
  }

  /** Is this ref one of ours? */
  has(ref: SecretRef): boolean {
    return this.stored.has(ref);
  }

  private grantAccess(stored: StoredSecret, identity: Identity): void {
    if (stored.readers.has(identity.key)) return;
    stored.readers.add(identity.key);
    stored.grants.set(identity.key, this.grant(stored, "accessor", identity));
  }

  private grant(stored: StoredSecret, slug: keyof typeof SECRET_ROLES, identity: Identity): gcp.secretmanager.SecretIamMember {
    return new gcp.secretmanager.SecretIamMember(
      `${stored.key}-${slug}-${identity.key}`,
      { project: this.scope.project, secretId: stored.secret.secretId, role: SECRET_ROLES[slug], member: identity.member },
      { parent: this },
    );
  }
}

/**
 * The write-only version number of a value: a new number exactly when the value changes, so the
 * provider writes a new secret version then and only then. 31 bits of a SHA-256 of the value: enough
 * to tell versions apart, far too little to recover a key or a random credential from.
 */
export function writeOnlyVersion(value: string): number {
  return parseInt(crypto.createHash("sha256").update(value).digest("hex").slice(0, 8), 16) & 0x7fffffff;
}
