/**
 * The BI user can log in: its generated private key is stored in the cloud's secret manager (as a
 * secret, readable by no workload of ours) and the stack outputs say where, with the login's names.
 * Declaration under mocks: that the secret version holds the key, not that a BI tool connects.
 */
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { isSecretValue, synthesize, type Plan } from "../../tools/synth/synthesize";

let dev: Plan;
let devAws: Plan;
before(async () => {
  dev = await synthesize({ stack: "dev" });
  devAws = await synthesize({ stack: "dev-aws" });
});

test("BI login: key stored as a secret in the secret manager, login and secret id exported", () => {
  for (const [plan, versionType, secretField] of [
    [dev, "gcp:secretmanager/secretVersion:SecretVersion", "secretDataWo"], // write-only: never in state (components/cloud/gcp/secrets.ts)
    [devAws, "aws:secretsmanager/secretVersion:SecretVersion", "secretString"],
  ] as const) {
    const bi = plan.outputs.biLogin as Record<string, unknown>;
    assert.equal(bi.user, plan === dev ? "DEV_BI_USER" : "DEVAWS_BI_USER");
    assert.equal(bi.role, plan === dev ? "DEV_REPORTER" : "DEVAWS_REPORTER");
    assert.ok(String(bi.privateKeySecret).includes("snowflake-reporter-key"), String(bi.privateKeySecret));
    const versions = plan.resources.filter((r) => r.type === versionType && r.name.includes("snowflake-reporter-key"));
    assert.equal(versions.length, 1, `one secret version for the BI key (${plan.stack})`);
    const data = versions[0].inputs[secretField];
    assert.ok(isSecretValue(data), "the key is a Pulumi secret in state");
    assert.match(String((data as { value: unknown }).value), /BEGIN PRIVATE KEY|MOCK/);
    assert.ok(!JSON.stringify(plan.outputs).includes("PRIVATE KEY"), "no key in the outputs");
  }
});
