{#- The same aggregates at several slice levels, stacked: one select per (slice_type, slice_expr),
    grouped by period_month and the slice expression (the company slice is a single constant). -#}
{% macro totals_by_slice(relation, slices, measures) -%}
    {%- for slice_type, slice_expr in slices %}
    select
        period_month,
        '{{ slice_type }}' as slice_type,
        {{ slice_expr }} as slice_value,
        {{ measures }}
    from {{ relation }}
    group by period_month{% if slice_type != 'company' %}, {{ slice_expr }}{% endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
