/**
 * Secrets Manager secrets. The store remembers who may read each secret, so the runtime grants a
 * task's execution role exactly the secrets that task injects, and refuses one it may not read.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudContext, SecretRef, Workload } from "../cloud";

export interface SecretEntry {
  ref: SecretRef;
  secret: aws.secretsmanager.Secret;
  value?: pulumi.Input<string>;
  readers: Workload[];
  pipeline?: string;
}

export class SecretStore extends pulumi.ComponentResource {
  private readonly entries: SecretEntry[] = [];

  constructor(
    name: string,
    private readonly ctx: CloudContext,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("data-platform:aws:Secrets", name, {}, opts);
    this.registerOutputs({});
  }

  create(key: string, value: pulumi.Input<string> | undefined, readers: Workload[], pipeline?: string): SecretEntry {
    if (this.entries.some((e) => e.ref.key === key && e.pipeline === pipeline)) {
      throw new Error(`secret "${key}"${pipeline ? ` of pipeline ${pipeline}` : ""} is declared twice`);
    }
    const ctx = this.ctx;
    const secretName = pipeline ? ctx.names.pipeline(pipeline, "secret", key) : ctx.names.env(key);
    const logical = pipeline ? `${pipeline}-${key}` : key;
    const secret = new aws.secretsmanager.Secret(
      logical,
      {
        name: secretName,
        description: `${key}${pipeline ? ` for pipeline ${pipeline}` : ""}; readers: ${readers.join(", ") || "none"}`,
        // Destroyable stacks free the name at once; others keep a deleted secret recoverable for 30 days.
        recoveryWindowInDays: ctx.config.destroyableData ? 0 : 30,
        tags: ctx.labels(pipeline),
      },
      { parent: this },
    );
    if (value !== undefined) {
      new aws.secretsmanager.SecretVersion(logical, { secretId: secret.id, secretString: pulumi.secret(value) }, { parent: secret });
    } else {
      pulumi.log.info(`secret ${secretName} has no value yet; add one with: aws secretsmanager put-secret-value --secret-id ${secretName} --secret-string <value>`, this);
    }
    const entry: SecretEntry = { ref: { key, id: secret.arn }, secret, value, readers: [...readers], pipeline };
    this.entries.push(entry);
    return entry;
  }

  /** The entry behind a SecretRef this store handed out. */
  entry(ref: SecretRef): SecretEntry | undefined {
    return this.entries.find((e) => e.ref === ref) ?? this.entries.find((e) => e.ref.key === ref.key && e.ref.id === ref.id);
  }

  /**
   * The secrets `workload` of `pipeline` injects, checked: each must come from this store, list the
   * workload as a reader, and belong to no other pipeline.
   */
  readable(refs: Record<string, SecretRef>, workload: Workload, pipeline: string): SecretEntry[] {
    return Object.entries(refs).map(([envName, ref]) => {
      const e = this.entry(ref);
      const where = `pipeline ${pipeline}: ${workload} env ${envName} (secret "${ref.key}")`;
      if (!e) throw new Error(`${where}: not a secret of this environment; create it with env.secret(...)`);
      if (!e.readers.includes(workload)) throw new Error(`${where}: ${workload} is not one of its readers (${e.readers.join(", ") || "none"})`);
      if (e.pipeline && e.pipeline !== pipeline) throw new Error(`${where}: it belongs to pipeline ${e.pipeline}`);
      return e;
    });
  }
}
