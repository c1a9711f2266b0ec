{#- Typed reads of the raw text columns. Ingestion has already quarantined values that do not
    parse, so a NULL here means the source field was empty. -#}
{% macro text_col(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro int_col(column) -%}
    {{ dbt.safe_cast(text_col(column), dbt.type_bigint()) }}
{%- endmacro %}

{% macro decimal_col(column) -%}
    {{ dbt.safe_cast(text_col(column), contract_decimal_type()) }}
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

{#- A value of a closed vocabulary (status, type, tier...). The loader accepts it trimmed and in any
    case (exports write 'Won', ' WON '), so staging gives the contract's spelling: lower case, or upper
    case for vocabularies the contract spells in capitals (credit ratings A-D). -#}
{% macro enum_col(column, upper=false) -%}
    {%- if upper %}upper({{ text_col(column) }}){% else %}lower({{ text_col(column) }}){% endif -%}
{%- endmacro %}
