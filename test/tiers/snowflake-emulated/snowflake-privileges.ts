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
  /** Integrations (storage integrations among them): USAGE, USE_ANY_ROLE (external OAuth only). */
  INTEGRATION: ["USAGE", "USE_ANY_ROLE"],
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

/** Snowflake's system roles, as `snowflake.Provider` roles of the plan. */
export type SystemRole = "ACCOUNTADMIN" | "SECURITYADMIN" | "USERADMIN" | "SYSADMIN";

/**
 * The default system-role hierarchy: each role inherits the roles listed (https://docs.snowflake.com/en/user-guide/security-access-control-overview,
 * "System-defined roles"): ACCOUNTADMIN encapsulates SYSADMIN and SECURITYADMIN; USERADMIN is a child of SECURITYADMIN.
 */
export const SYSTEM_ROLE_CHILDREN: Record<SystemRole, readonly SystemRole[]> = {
  ACCOUNTADMIN: ["SECURITYADMIN", "SYSADMIN"],
  SECURITYADMIN: ["USERADMIN"],
  USERADMIN: [],
  SYSADMIN: [],
};

/**
 * Global privileges each system role holds by default, transcribed from Snowflake's docs:
 *  - SYSADMIN: CREATE WAREHOUSE, CREATE DATABASE (security-access-control-overview, "SYSADMIN");
 *  - USERADMIN: CREATE USER, CREATE ROLE (same page, "USERADMIN");
 *  - SECURITYADMIN: MANAGE GRANTS (same page), CREATE NETWORK POLICY ("Only security administrators
 *    (SECURITYADMIN) or higher ... can create network policies", sql-reference/sql/create-network-policy);
 *  - ACCOUNTADMIN: CREATE INTEGRATION (granted to ACCOUNTADMIN only by default, create-storage-integration),
 *    and what only account administrators may do: CREATE RESOURCE MONITOR ("This command can only be
 *    executed by account administrators", create-resource-monitor) and assigning a monitor to a
 *    warehouse (user-guide/resource-monitors; snowflakedb/terraform-provider-snowflake#3019).
 */
export const SYSTEM_ROLE_PRIVILEGES: Record<SystemRole, readonly string[]> = {
  ACCOUNTADMIN: ["CREATE INTEGRATION", "CREATE RESOURCE MONITOR", "ASSIGN RESOURCE MONITOR"],
  SECURITYADMIN: ["MANAGE GRANTS", "CREATE NETWORK POLICY"],
  USERADMIN: ["CREATE USER", "CREATE ROLE"],
  SYSADMIN: ["CREATE WAREHOUSE", "CREATE DATABASE"],
};
