/**
 * The grant matrix: exactly who may do what, least privilege, and the README table rendered from it.
 * The synthesized component is checked against the same matrix in warehouse.test.ts.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import { GRANT_MATRIX, ROLES, type GrantRow } from "../../components/warehouse/model";
import { grantLogicalName } from "../../components/warehouse/warehouse";
import { describeObject, README, renderGrantTable, renderReadme } from "../../components/warehouse/render-grants";

const asTable = (rows: readonly GrantRow[]) => Object.fromEntries(rows.map((r) => [`${r.role} on ${describeObject(r.object)}`, [...r.privileges].sort().join(", ")]));

test("grant matrix: role × object → privileges is exactly the reviewed set", () => {
  assert.deepEqual(asTable(GRANT_MATRIX), {
    "LOADER on warehouse LOADING": "USAGE",
    "LOADER on database RAW": "CREATE SCHEMA, USAGE",
    "LOADER on schema RAW.LAKE": "USAGE",
    "LOADER on stage RAW.LAKE.RAW_BUCKET": "USAGE",
    "LOADER on schema RAW.PLATFORM": "CREATE TABLE, USAGE",
    "LOADER on future tables in RAW.PLATFORM": "DELETE, INSERT, SELECT",
    "FIVETRAN on warehouse LOADING": "USAGE",
    "FIVETRAN on database RAW": "CREATE SCHEMA, MONITOR, USAGE",
    "TRANSFORMER on warehouse TRANSFORMING": "USAGE",
    "TRANSFORMER on database RAW": "USAGE",
    "TRANSFORMER on all schemas in RAW": "USAGE",
    "TRANSFORMER on future schemas in RAW": "USAGE",
    "TRANSFORMER on all tables in RAW": "SELECT",
    "TRANSFORMER on future tables in RAW": "SELECT",
    "TRANSFORMER on all views in RAW": "SELECT",
    "TRANSFORMER on future views in RAW": "SELECT",
    "TRANSFORMER on schema RAW.LAKE": "USAGE",
    "TRANSFORMER on stage RAW.LAKE.RAW_BUCKET": "USAGE",
    "TRANSFORMER on database ANALYTICS": "CREATE SCHEMA, USAGE",
    "TRANSFORMER on schema RAW.PLATFORM": "CREATE TABLE, USAGE",
    "TRANSFORMER on future tables in RAW.PLATFORM": "DELETE, INSERT, SELECT",
    "REPORTER on warehouse REPORTING": "USAGE",
    "REPORTER on database ANALYTICS": "USAGE",
    "REPORTER on database RAW": "USAGE",
    "REPORTER on schema RAW.PLATFORM": "USAGE",
    "REPORTER on future tables in RAW.PLATFORM": "SELECT",
    "REPORTER on all schemas in ANALYTICS": "USAGE",
    "REPORTER on future schemas in ANALYTICS": "USAGE",
    "REPORTER on all tables in ANALYTICS": "SELECT",
    "REPORTER on future tables in ANALYTICS": "SELECT",
    "REPORTER on all views in ANALYTICS": "SELECT",
    "REPORTER on future views in ANALYTICS": "SELECT",
  });
});

test("grant matrix: one row per role and object, each with a distinct logical name", () => {
  const keys = GRANT_MATRIX.map((r) => `${r.role} on ${describeObject(r.object)}`);
  assert.equal(new Set(keys).size, keys.length, "a role/object pair appears twice");
  const names = GRANT_MATRIX.map(grantLogicalName);
  assert.equal(new Set(names).size, names.length, `duplicate logical names: ${names.join(", ")}`);
  for (const n of names) assert.match(n, /^grant-[a-z0-9-]+$/);
});

test("grant matrix: least privilege", () => {
  const dbOf = (r: GrantRow) => ("database" in r.object ? r.object.database : r.object.on.startsWith("lake") || r.object.on.startsWith("platform") ? "RAW" : undefined);
  const platform = (r: GrantRow) => r.object.on === "platformSchema" || r.object.on === "platformTables";
  for (const r of GRANT_MATRIX) {
    assert.ok(!r.privileges.some((p) => /OWNERSHIP|ALL/.test(p)), `${grantLogicalName(r)} grants ${r.privileges.join(", ")}`);
    // Of RAW, REPORTER (analysts) reaches the pipeline-run records only: the database itself, to get to them.
    if (r.role === "REPORTER" && dbOf(r) === "RAW") {
      assert.ok(platform(r) || (r.object.on === "database" && r.privileges.join() === "USAGE"), `REPORTER must not see RAW beyond PLATFORM: ${grantLogicalName(r)}`);
      assert.ok(
        r.privileges.every((p) => p === "USAGE" || p === "SELECT"),
        `REPORTER reads only: ${grantLogicalName(r)}`,
      );
    }
    // Writing by grant (not ownership) is for the pipeline-run records only, by the two steps that write them.
    if (r.privileges.some((p) => p === "INSERT" || p === "DELETE" || p === "CREATE TABLE")) {
      assert.ok(platform(r) && (r.role === "LOADER" || r.role === "TRANSFORMER"), `${grantLogicalName(r)} writes outside RAW.PLATFORM`);
    }
    if (r.role === "LOADER" || r.role === "FIVETRAN") assert.notEqual(dbOf(r), "ANALYTICS", `${r.role} must not see ANALYTICS: ${grantLogicalName(r)}`);
    // Fivetran writes its own schemas; it has no business with the lake's stage.
    if (r.role === "FIVETRAN") assert.ok(!r.object.on.startsWith("lake"), `FIVETRAN must not use the lake: ${grantLogicalName(r)}`);
    if (r.object.on === "schemas" || r.object.on === "objects") {
      assert.ok(
        r.privileges.every((p) => p === "USAGE" || p === "SELECT"),
        `reads only on ${grantLogicalName(r)}`,
      );
    }
  }
  // Each role uses exactly its own warehouse.
  const warehouseOf = Object.fromEntries(
    ROLES.map((role) => [role, GRANT_MATRIX.filter((r) => r.role === role && r.object.on === "warehouse").map((r) => describeObject(r.object))]),
  );
  assert.deepEqual(warehouseOf, { LOADER: ["warehouse LOADING"], FIVETRAN: ["warehouse LOADING"], TRANSFORMER: ["warehouse TRANSFORMING"], REPORTER: ["warehouse REPORTING"] });
  // Only the writer of a database may create schemas in it.
  const creators = GRANT_MATRIX.filter((r) => r.privileges.includes("CREATE SCHEMA")).map((r) => `${r.role} on ${describeObject(r.object)}`);
  assert.deepEqual(creators.sort(), ["FIVETRAN on database RAW", "LOADER on database RAW", "TRANSFORMER on database ANALYTICS"]);
});

test("grant matrix: every read covers what exists now and what is created later", () => {
  for (const r of GRANT_MATRIX) {
    if (r.object.on !== "schemas" && r.object.on !== "objects") continue;
    const other = { ...r.object, scope: r.object.scope === "all" ? "future" : "all" };
    const twin = GRANT_MATRIX.find((x) => x.role === r.role && describeObject(x.object) === describeObject(other as typeof r.object));
    assert.ok(twin, `${grantLogicalName(r)} has no ${other.scope} counterpart`);
    assert.deepEqual(twin.privileges, r.privileges);
  }
});

test("README.md grant table is generated from GRANT_MATRIX and up to date", () => {
  const readme = fs.readFileSync(README, "utf8");
  assert.equal(renderReadme(readme), readme, "README.md is stale: run `npx tsx components/warehouse/render-grants.ts`");
  // The table really comes from the data: dropping a row changes it.
  assert.notEqual(renderGrantTable(GRANT_MATRIX.slice(1)), renderGrantTable());
  assert.match(renderGrantTable(), /^\| database RAW \| USAGE, CREATE SCHEMA \| USAGE, MONITOR, CREATE SCHEMA \| USAGE \| USAGE \|$/m);
});
