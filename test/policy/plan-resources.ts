/** Rule inputs from an offline plan: custom resources only, secrets unwrapped (rules look, never print). */
import { maskSecrets, type Plan } from "../../tools/synth/synthesize";
import type { RuleResource } from "../../policy/rules";

export function ruleResources(plan: Plan): RuleResource[] {
  return plan.resources
    .filter((r) => r.custom)
    .map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      parent: r.parent,
      inputs: maskSecrets(r.inputs, true) as Record<string, unknown>,
      protect: r.options.protect,
      stack: plan.stack,
    }));
}
