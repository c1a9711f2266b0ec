{#- dbt's relationships test, except when the parent model has no rows at all: every contract file is
    optional (data-contract.md), so an order's channel_id cannot be checked against a channels file that
    was never delivered. The loader does the same (ingestion/loader.py: references to a source without
    data are kept and reported), and marts.mart_coverage lists the missing source. Overrides the global
    implementation through dispatch, so every `relationships:` test of the project uses it. -#}
{% macro default__test_relationships(model, column_name, to, field) %}
{#- The whole child row, so a failure shows its landing file and row (orchestration/dbt_failing_rows.py);
    the column (or expression) tested is repeated as from_field. `model` may be a subquery (a where config). -#}
with child as (
    select
        *,
        {{ column_name }} as from_field
    from {{ model }}
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select child.*
from child
left join parent
    on child.from_field = parent.to_field
where child.from_field is not null
  and parent.to_field is null
  and exists (select 1 from {{ to }})
{% endmacro %}
