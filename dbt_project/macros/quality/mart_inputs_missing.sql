{#- SQL condition: marts.mart_coverage says a required input of the mart delivered no rows, so the mart is
    empty on purpose ("no data from this source", data-contract.md). Tests that expect rows add
    `and not {{ mart_inputs_missing(name) }}`. -#}
{% macro mart_inputs_missing(mart_name) -%}
exists (
    select 1
    from {{ ref('mart_coverage') }} as coverage
    where coverage.mart_name = '{{ mart_name }}'
      and not coverage.inputs_have_rows
)
{%- endmacro %}
