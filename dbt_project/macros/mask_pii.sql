{#-
    Personal data of customers (contact names, phones, e-mails, the names of consumer accounts) leaves
    the warehouse only masked (domain.md DQ36). Masking happens in the core models, after staging, so
    deduplication and joins upstream still see the raw values.

    Rule: the lowercase hex SHA-256 (64 characters) of the UTF-8 value, trimmed, and lowercased for
    e-mails. The same person gets the same token in every table and every run, so BI can still count
    distinct contacts and join on the column; NULL stays NULL so fill rates stay countable. Unsalted:
    it hides the value from readers of the serving file, but whoever already knows a value can compute
    its token (pseudonymisation, not anonymisation).

    dbt var mask_pii (default true; settings: SALESOPS_MASK_PII) turns it off; only an explicit false
    does, so a typo cannot publish raw data.
-#}

{% macro pii_masking_enabled() -%}
    {%- set value = var('mask_pii', true) -%}
    {%- if value is string -%}
        {%- set text = value | trim | lower -%}
        {%- if text in ('true', '1', 'yes', 'on') -%}
            {%- set value = true -%}
        {%- elif text in ('false', '0', 'no', 'off') -%}
            {%- set value = false -%}
        {%- endif -%}
    {%- endif -%}
    {%- if value is sameas true or value is sameas false -%}
        {{- return(value) -}}
    {%- endif -%}
    {{- exceptions.raise_compiler_error("var mask_pii must be true or false, got " ~ value) -}}
{%- endmacro %}


{#- The column masked, or as it is when masking is off. kind='email' lowercases before hashing. -#}
{% macro mask_pii(column, kind='text') -%}
    {%- if not pii_masking_enabled() -%}
        {{ column }}
    {%- else -%}
        {%- set normalized = "trim(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "))" -%}
        {%- if kind == 'email' -%}
            {%- set normalized = "lower(" ~ normalized ~ ")" -%}
        {%- elif kind != 'text' -%}
            {{- exceptions.raise_compiler_error("mask_pii: unknown kind " ~ kind ~ " (text or email)") -}}
        {%- endif -%}
        {{ sha256_hex(normalized) }}
    {%- endif -%}
{%- endmacro %}


{#- Lowercase hex SHA-256 of a string expression; every engine spells it differently. -#}
{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex', 'salesops')(expression)) }}
{%- endmacro %}

{% macro default__sha256_hex(expression) -%}
    {{ exceptions.raise_compiler_error("sha256_hex: no SHA-256 expression for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro postgres__sha256_hex(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}
