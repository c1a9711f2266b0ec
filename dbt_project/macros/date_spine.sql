{#- One row per day from start_date to end_date inclusive (both SQL date expressions), without
    generate_series (not portable): numbers 0..999999 (2,700 years) from cross-joined digits. -#}
{% macro date_spine(start_date, end_date) -%}
with digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),
numbers as (
    select a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d as n
    from digits a cross join digits b cross join digits c cross join digits e cross join digits f
    cross join digits g
),
bounds as (
    select cast({{ start_date }} as date) as start_day, cast({{ end_date }} as date) as end_day
)
select cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.start_day') }} as date) as date_day
from numbers
cross join bounds
where numbers.n <= {{ dbt.datediff('bounds.start_day', 'bounds.end_day', 'day') }}
{%- endmacro %}
