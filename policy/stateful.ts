/**
 * Which resource types hold data, shared by the policy pack (protected in production) and the PR
 * preview guard (no replace/delete without an explicit label). One list each, by type token.
 */

/**
 * Types whose deletion loses data: buckets, databases, image registries. Production stacks must
 * declare them with `protect: true` (the policy `stateful-protected-in-prod`).
 */
export const STATEFUL_TYPES: readonly string[] = [
  "gcp:storage/bucket:Bucket",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "snowflake:index/database:Database",
  "gcp:artifactregistry/repository:Repository",
  "aws:ecr/repository:Repository",
];

/**
 * Types the preview guard refuses to see replaced or deleted unless the pull request carries the
 * `allow-data-replacement` label: the stateful types, plus Snowflake schemas (dropping one drops its
 * tables) and warehouses (a replacement drops the warehouse, its grants and its running queries),
 * Fivetran connections (a new connection re-syncs the source's whole history, billed as such) and
 * secrets (a deleted secret loses the value the stack may not hold: one set in the console).
 */
export const GUARDED_TYPES: readonly string[] = [
  ...STATEFUL_TYPES,
  "snowflake:index/schema:Schema",
  "snowflake:index/warehouse:Warehouse",
  "pulumi-nodejs:dynamic/fivetran:Connection",
  "gcp:secretmanager/secret:Secret",
  "aws:secretsmanager/secret:Secret",
];
