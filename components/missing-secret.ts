/**
 * How the program reports a secret the stack refers to but gives no value (a source secret, the
 * Fivetran API key): a warning only where something would break by itself, an info line otherwise.
 *
 * Where a pipeline's schedule runs (prod), a missing value means the next scheduled run fails: that
 * is worth a warning on every plan until it is fixed. Where its schedule is paused (dev, and every
 * offline plan of the committed example stacks), an empty secret is the usual first state of a
 * stack; a warning there would fire on every normal plan and teach people to ignore warnings. The
 * same sentence is still said, as info, so `pulumi preview` shows what to set before the first run.
 * The cloud secret stores' own "has no value yet" lines (components/cloud/<cloud>/secrets.ts) stay
 * info on both clouds: they name the secret, this names the consequence.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PipelineConfig } from "./types";

/** A pipeline that starts by itself on this stack: enabled here (it is in the config) and not paused. */
export const runsOnSchedule = (p: PipelineConfig): boolean => !p.schedule.paused;

/** `message` as a warning when `matters` (something scheduled depends on the value), else as info. */
export function reportMissingValue(message: string, matters: boolean, resource: pulumi.Resource): void {
  if (matters) void pulumi.log.warn(message, resource);
  else void pulumi.log.info(message, resource);
}
