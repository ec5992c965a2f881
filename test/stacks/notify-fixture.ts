/** A project with the shipped example pipelines plus `notified`, a pipeline whose file sets `notify:` (issue #19 point 3). */
import * as fs from "fs";
import * as path from "path";
import { EXAMPLE_PIPELINES, fixtureRoot } from "../examples";

/** The fixture: failure recipients replacing the owner (one of them also in dev's alerts.emails), success recipients, a prod override. */
export const NOTIFIED_PIPELINE = `name: notified
description: Fixture for notification levels
owner: owner@example.com
notify:
  onFailure: [oncall@example.com, Data-Platform-Dev@example.com]
  onSuccess: [analysts@example.com, analysts@example.com]
source:
  type: filesystem
  filesystem:
    bucket_path: landing/notified
    format: csv
    table: notified
schedule:
  cron: "0 3 * * *"
environments:
  prod:
    notify:
      onSuccess: []
  dev:
    notify:
      onSuccess: [analysts@example.com, dev-watch@example.com]
`;

/** Removed at exit, like every fixture root. */
export function notifyRoot(): string {
  const root = fixtureRoot(EXAMPLE_PIPELINES);
  fs.writeFileSync(path.join(root, "pipelines", "notified.yaml"), NOTIFIED_PIPELINE);
  return root;
}
