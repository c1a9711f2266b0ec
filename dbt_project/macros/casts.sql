{#- Typed reads of the raw text columns. Ingestion has already quarantined values that do not
    parse, so a NULL here means the source field was empty. -#}
{% macro text_col(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro int_col(column) -%}
    {{ dbt.safe_cast(text_col(column), dbt.type_bigint()) }}
{%- endmacro %}

{% macro decimal_col(column) -%}
    {{ dbt.safe_cast(text_col(column), dbt.type_numeric()) }}
{%- endmacro %}

{% macro date_col(column) -%}
    {{ dbt.safe_cast(text_col(column), 'date') }}
{%- endmacro %}

{% macro timestamp_col(column) -%}
    {{ dbt.safe_cast(text_col(column), dbt.type_timestamp()) }}
{%- endmacro %}

{% macro bool_col(column) -%}
    {{ dbt.safe_cast('lower(' ~ text_col(column) ~ ')', dbt.type_boolean()) }}
{%- endmacro %}
