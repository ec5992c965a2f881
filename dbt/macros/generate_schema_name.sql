{#
  Models land in fixed schemas (staging, intermediate, marts) of the target database instead of
  dbt's default "<target schema>_<custom schema>": each environment has its own warehouse database
  (ANALYTICS in Snowflake, the DuckDB file locally), so no prefix is needed to keep them apart.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
