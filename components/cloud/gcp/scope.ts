/** What every GCP component of one environment shares. */
import type { CloudContext } from "../cloud";
import type { Apis } from "./apis";

export interface GcpScope {
  ctx: CloudContext;
  /** GCP project id (`data-platform:gcp.project`). */
  project: string;
  region: string;
  apis: Apis;
}
