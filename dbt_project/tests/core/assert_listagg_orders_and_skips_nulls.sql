-- dbt.listagg joins the non-null values in the order asked for, and gives NULL when a group has none, on
-- every engine (macros/listagg.sql: dbt-spark ignored the order and returned '').
-- Filed under a model that uses the macro (dbt's depends_on comment): a test of no model is no Dagster check,
-- so the check and publish jobs could not run it, and the publish gate, which requires it, never passed.
-- depends_on: {{ ref('mart_coverage') }}
{{ config(severity='error') }}

with input_rows as (
    select 1 as group_id, 'b' as item
    union all
    select 1 as group_id, 'c' as item
    union all
    select 1 as group_id, cast(null as {{ dbt.type_string() }}) as item
    union all
    select 1 as group_id, 'a' as item
    union all
    select 2 as group_id, cast(null as {{ dbt.type_string() }}) as item
),

joined as (
    select
        group_id,
        {{ dbt.listagg('item', "','", "order by item") }} as items
    from input_rows
    group by group_id
)

select group_id, items
from joined
where not (
    (group_id = 1 and items = 'a,b,c')
    or (group_id = 2 and items is null)
)
