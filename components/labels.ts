/**
 * The one place labels (GCP) and tags (AWS) are built. Every taggable resource carries these keys, so
 * cost reports and audits can slice by platform, environment and pipeline.
 */

export const LABEL_KEYS = ["platform", "environment", "pipeline", "managed-by"] as const;

export interface LabelContext {
  prefix: string;
  environment: string;
}

/**
 * Labels for one resource. Values are valid both as GCP label values (lowercase, digits, `_`, `-`,
 * at most 63 characters) and as AWS tag values, because prefix, environment and pipeline names are.
 */
export function labels(ctx: LabelContext, pipeline?: string): Record<string, string> {
  return {
    platform: ctx.prefix,
    environment: ctx.environment,
    ...(pipeline ? { pipeline } : {}),
    "managed-by": "pulumi",
  };
}
