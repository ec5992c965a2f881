/** Snowflake: databases, warehouses, roles, users, grants, monitor and lake integration of one environment. */
export { Warehouse, warehouseArgsProblems, SUSPEND_AT_PERCENT, SUSPEND_IMMEDIATELY_AT_PERCENT, grantLogicalName, type SnowflakeLogin, type WarehouseArgs } from "./warehouse";
export {
  checkSnowflakeNames,
  snowflakeNames,
  snowflakeLocation,
  pemBody,
  GRANT_MATRIX,
  SERVICE_USERS,
  DATABASES,
  WAREHOUSES,
  ROLES,
  ROLE_PARENT,
  type GrantRow,
  type GrantObject,
  type SnowflakeNames,
  type SnowflakeNameProblem,
} from "./model";
