/**
 * The data-platform policy pack: `pulumi preview --policy-pack policy` (CI runs it on every preview).
 * The rules are pure functions in `rules.ts`; the tests run the same rules over the offline plan of
 * every shipped stack, so a rule that passes here passes there. See README.md.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("data-platform", { policies, enforcementLevel: "mandatory" });
