/**
 * Setup tests are Fivetran's "Save & Test": create and update ask for them (`run_setup_tests: true`,
 * whose documented default is wrong, so we always send it) and fail the deploy with Fivetran's own
 * messages, so nobody has to click the button in the web UI.
 */

export interface SetupTest {
  title?: string;
  status?: string;
  message?: string;
  details?: unknown;
}

// An array, not a Set: closure serialization turns a captured Set into a plain object.
const FAILING = ["FAILED", "JOB_FAILED"];

function failedSetupTests(tests: SetupTest[] | undefined): SetupTest[] {
  return (tests ?? []).filter((t) => FAILING.includes(String(t.status ?? "").toUpperCase()));
}

function describeTest(t: SetupTest): string {
  const details = typeof t.details === "string" && t.details ? ` (${t.details})` : "";
  return `  - ${t.title ?? "setup test"}: ${t.status}${t.message ? ` — ${t.message}` : ""}${details}`;
}

/**
 * Returns why the object is not usable, or undefined when it is. `state` is the connection's
 * `status.setup_state` or the destination's `setup_status` (the spec spells it upper case, the API
 * lower case, so compare case-insensitively).
 */
export function setupProblem(what: string, tests: SetupTest[] | undefined, state: string | undefined): string | undefined {
  const failed = failedSetupTests(tests);
  const connected = String(state ?? "").toLowerCase() === "connected";
  if (failed.length === 0 && connected) return undefined;
  const lines = [`Fivetran setup tests for ${what} did not pass (setup state "${state ?? "unknown"}"):`];
  if (failed.length > 0) lines.push(...failed.map(describeTest));
  else lines.push("  - no test failed, but Fivetran still reports the setup as incomplete; it usually needs authorization or a setting Fivetran requires for this service.");
  lines.push("Fix the settings named above (credentials, host, grants) and run `pulumi up` again; the tests run on every create and on every config change.");
  return lines.join("\n");
}
