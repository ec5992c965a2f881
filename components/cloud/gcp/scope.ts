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

/** Pipelines that run the ingestion image (Fivetran loads its sources itself). */
export function runsIngestion(p: { source: { type: string } }): boolean {
  return p.source.type !== "fivetran";
}
