{#
  A timestamp with time zone (dlt's and Fivetran's raw type) as a UTC timestamp without time zone,
  independent of the session's time zone (DuckDB defaults to the machine's, Snowflake's TIMEZONE
  parameter to America/Los_Angeles).
#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'data_platform')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column) -%}
    timezone('UTC', cast({{ column }} as timestamptz))
{%- endmacro %}

{% macro snowflake__to_utc_timestamp(column) -%}
    convert_timezone('UTC', cast({{ column }} as timestamp_tz))::timestamp_ntz
{%- endmacro %}
