{#- A rate numerator / denominator as a decimal, null when the denominator is 0 (nothing to rate).
    The * 1.0 keeps PostgreSQL from dividing integers. -#}
{% macro quality_share(numerator, denominator) -%}
    cast(case when {{ denominator }} > 0 then ({{ numerator }}) * 1.0 / ({{ denominator }}) end as {{ dbt.type_numeric() }})
{%- endmacro %}
