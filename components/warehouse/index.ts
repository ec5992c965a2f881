/** Snowflake: databases, warehouses, roles, users, grants, monitor and lake integration of one environment. */
export { Warehouse, type SnowflakeLogin, type WarehouseArgs } from "./warehouse";
export { dltStagingUri } from "./model";
export { fivetranSchemaEnv, fivetranSchemaEnvName } from "./raw-schemas";
