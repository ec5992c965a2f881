/**
 * The rules of `rules.ts` as @pulumi/policy policies. Kept apart from `index.ts`, which only creates
 * the PolicyPack: constructing a PolicyPack starts the analyzer's gRPC server, so tests import this
 * module instead and call the policies with engine-shaped arguments.
 */
import type { Policy, PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { RULES, stackOfUrn, type Rule, type RuleResource } from "./rules";

/** What the engine passes to a resource validation, as a rule input. */
function fromValidationArgs(args: Pick<ResourceValidationArgs, "type" | "name" | "urn" | "props" | "opts">): RuleResource {
  return {
    type: args.type,
    name: args.name,
    urn: args.urn,
    parent: args.opts?.parent,
    inputs: args.props ?? {},
    protect: !!args.opts?.protect,
    stack: stackOfUrn(args.urn),
  };
}

/** A resource of a stack validation (props are the resource's state: its inputs and outputs). */
function fromPolicyResource(r: Pick<PolicyResource, "type" | "name" | "urn" | "props" | "opts" | "parent">): RuleResource {
  return { ...fromValidationArgs(r), parent: r.parent?.urn ?? r.opts?.parent };
}

/** One resource policy per rule with `check`, one stack policy (`<name>-stack`) per rule with `checkStack`. */
function toPolicies(rules: readonly Rule[]): Policy[] {
  const out: Policy[] = [];
  for (const rule of rules) {
    if (rule.check) {
      const check = rule.check;
      out.push({
        name: rule.name,
        description: rule.description,
        enforcementLevel: "mandatory",
        validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
          for (const message of check(fromValidationArgs(args))) report(message);
        },
      } as Policy);
    }
    if (rule.checkStack) {
      const checkStack = rule.checkStack;
      out.push({
        name: `${rule.name}-stack`,
        description: rule.description,
        enforcementLevel: "mandatory",
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
          for (const f of checkStack(args.resources.map(fromPolicyResource))) report(f.message, f.resource.urn);
        },
      } as Policy);
    }
  }
  return out;
}

export const policies: Policy[] = toPolicies(RULES);
