{#- dbt.safe_cast is a plain cast on DuckDB and PostgreSQL and fails on dirty text. Raw keeps text
    verbatim, so staging casts must return NULL instead of failing (stack-notes.md). -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{% macro postgres__safe_cast(field, type) -%}
    {%- set t = type | lower -%}
    {%- if 'date' in t or 'timestamp' in t -%}
        case when {{ field }} ~ '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}' then cast({{ field }} as {{ type }}) end
    {%- elif 'bool' in t -%}
        case when lower({{ field }}) in ('true', 'false', '1', '0', 't', 'f') then cast({{ field }} as {{ type }}) end
    {%- elif 'int' in t or 'numeric' in t or 'decimal' in t or 'double' in t or 'float' in t -%}
        case when {{ field }} ~ '^\s*[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?\s*$' then cast({{ field }} as {{ type }}) end
    {%- else -%}
        cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}
