/**
 * Values Fivetran's API accepts for a destination's `region` and `time_zone_offset`, and for a
 * connection schedule's `sync_frequency` (OpenAPI enums).
 */

export const FIVETRAN_REGIONS = [
  "GCP_US_EAST4",
  "GCP_US_WEST1",
  "GCP_US_CENTRAL1",
  "GCP_EUROPE_WEST3",
  "GCP_AUSTRALIA_SOUTHEAST1",
  "GCP_NORTHAMERICA_NORTHEAST1",
  "GCP_EUROPE_WEST2",
  "GCP_ASIA_SOUTHEAST1",
  "GCP_ASIA_SOUTHEAST2",
  "GCP_ASIA_SOUTH1",
  "GCP_ASIA_NORTHEAST1",
  "AWS_US_EAST_1",
  "AWS_US_EAST_2",
  "AWS_US_WEST_2",
  "AWS_AP_NORTHEAST_1",
  "AWS_AP_SOUTHEAST_1",
  "AWS_AP_SOUTHEAST_2",
  "AWS_EU_CENTRAL_1",
  "AWS_EU_WEST_1",
  "AWS_EU_WEST_2",
  "AWS_AP_SOUTH_1",
  "AWS_CA_CENTRAL_1",
  "AWS_US_GOV_WEST_1",
  "AZURE_EASTUS2",
  "AZURE_AUSTRALIAEAST",
  "AZURE_UKSOUTH",
  "AZURE_WESTEUROPE",
  "AZURE_CENTRALUS",
  "AZURE_CANADACENTRAL",
  "AZURE_UAENORTH",
  "AZURE_SOUTHEASTASIA",
  "AZURE_EASTUS",
  "AZURE_JAPANEAST",
  "AZURE_CENTRALINDIA",
] as const;

export type FivetranRegion = (typeof FIVETRAN_REGIONS)[number];

export const FIVETRAN_TIME_ZONE_OFFSETS = [
  "-11",
  "-10",
  "-9",
  "-8",
  "-7",
  "-6",
  "-5",
  "-4",
  "-3",
  "-2",
  "-1",
  "0",
  "+1",
  "+2",
  "+3",
  "+4",
  "+5",
  "+6",
  "+7",
  "+8",
  "+9",
  "+10",
  "+11",
  "+12",
] as const;

export type FivetranTimeZoneOffset = (typeof FIVETRAN_TIME_ZONE_OFFSETS)[number];

/** Sync frequencies in minutes (1 is accepted by the API although older lists omit it). */
export const FIVETRAN_SYNC_FREQUENCIES = [1, 5, 15, 30, 60, 120, 180, 360, 480, 720, 1440] as const;

/** Fivetran's page listing the IP addresses it connects from, per processing region: what a network policy for Fivetran's user must admit. */
export const FIVETRAN_IPS_DOCS = "https://fivetran.com/docs/using-fivetran/ips";
