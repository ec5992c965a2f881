/**
 * The platform on Google Cloud: `gcpCloud.environment(ctx)` declares the environment-wide resources
 * (APIs, lake, identities, registry, alert channels, CI access), then `pipeline()` one runtime per
 * pipeline. See README.md in this folder for the identity layout and the IAM matrix.
 */
import type { Cloud, CloudContext } from "../cloud";
import { GcpEnvironment } from "./environment";

export const gcpCloud: Cloud = {
  kind: "gcp",
  environment: (ctx: CloudContext) => new GcpEnvironment(ctx),
};

export { PRIMITIVE_ROLES, PROJECT_LEVEL_GRANTS, projectLevelGrants } from "./iam";
