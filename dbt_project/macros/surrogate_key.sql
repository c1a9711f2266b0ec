{#- md5 of the fields joined with a separator; NULL becomes a marker so (a, NULL) != (NULL, a). -#}
{% macro surrogate_key(fields) -%}
    {%- set parts = [] -%}
    {%- for f in fields -%}
        {%- do parts.append("coalesce(cast(" ~ f ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
