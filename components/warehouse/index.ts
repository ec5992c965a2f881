/** Snowflake: databases, warehouses, roles, users, grants, monitor and lake integration of one environment. */
export { Warehouse, type SnowflakeLogin, type WarehouseArgs } from "./warehouse";
