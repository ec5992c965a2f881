/**
 * Snowflake's documented privileges per object type, transcribed from the reference of
 * `GRANT <privileges> ... TO ROLE` (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege,
 * sections "Account objects" and "Schema objects") and the access control reference
 * (https://docs.snowflake.com/en/user-guide/security-access-control-privileges). OWNERSHIP and ALL are
 * left out on purpose: the platform never grants them.
 *
 * fakesnow accepts any GRANT, so this table is what the plan's grants are checked against.
 */
export const SNOWFLAKE_PRIVILEGES: Record<string, readonly string[]> = {
  WAREHOUSE: ["APPLYBUDGET", "MODIFY", "MONITOR", "USAGE", "OPERATE"],
  DATABASE: ["APPLYBUDGET", "CREATE DATABASE ROLE", "CREATE SCHEMA", "IMPORTED PRIVILEGES", "MODIFY", "MONITOR", "USAGE", "REFERENCE_USAGE"],
  SCHEMA: [
    "ADD SEARCH OPTIMIZATION",
    "APPLYBUDGET",
    "CREATE ALERT",
    "CREATE DYNAMIC TABLE",
    "CREATE EXTERNAL TABLE",
    "CREATE FILE FORMAT",
    "CREATE FUNCTION",
    "CREATE MATERIALIZED VIEW",
    "CREATE PIPE",
    "CREATE PROCEDURE",
    "CREATE SECRET",
    "CREATE SEQUENCE",
    "CREATE STAGE",
    "CREATE STREAM",
    "CREATE TABLE",
    "CREATE TAG",
    "CREATE TASK",
    "CREATE VIEW",
    "MODIFY",
    "MONITOR",
    "USAGE",
  ],
  /** External stages take USAGE only; READ and WRITE are for internal stages. */
  "EXTERNAL STAGE": ["USAGE"],
  TABLE: ["APPLYBUDGET", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "EVOLVE SCHEMA", "REBUILD"],
  VIEW: ["SELECT", "REFERENCES"],
};

/**
 * What Fivetran's Snowflake setup guide grants its role (https://fivetran.com/docs/destinations/snowflake/setup-guide,
 * step "Create user and role"): `GRANT USAGE ON WAREHOUSE`, `GRANT USAGE, MONITOR, CREATE SCHEMA ON DATABASE`.
 * Its troubleshooting names a missing MONITOR as the cause of "Insufficient privileges".
 */
export const FIVETRAN_REQUIRED: Record<string, readonly string[]> = {
  WAREHOUSE: ["USAGE"],
  DATABASE: ["USAGE", "MONITOR", "CREATE SCHEMA"],
};
