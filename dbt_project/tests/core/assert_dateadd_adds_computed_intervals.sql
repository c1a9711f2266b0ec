-- dbt.dateadd with an interval that is an expression adds the whole expression, in every date part, on
-- every engine (macros/dateadd.sql: dbt-spark multiplied only the last term by 12, 3 or 7).
-- Filed under a model that uses the macro (dbt's depends_on comment): a test of no model is no Dagster check,
-- so the check and publish jobs could not run it, and the publish gate, which requires it, never passed.
-- depends_on: {{ ref('int_calendar_bounds') }}
{{ config(severity='error') }}

with cases as (
    select
        'year' as date_part,
        cast({{ dbt.dateadd('year', '3 - 1', "cast('2023-04-24' as date)") }} as date) as got,
        cast('2025-04-24' as date) as expected
    union all
    select
        'quarter' as date_part,
        cast({{ dbt.dateadd('quarter', '1 + 1', "cast('2023-04-24' as date)") }} as date) as got,
        cast('2023-10-24' as date) as expected
    union all
    select
        'month' as date_part,
        cast({{ dbt.dateadd('month', '1 + 1', "cast('2023-04-24' as date)") }} as date) as got,
        cast('2023-06-24' as date) as expected
    union all
    select
        'week' as date_part,
        cast({{ dbt.dateadd('week', '1 + 1', "cast('2023-04-24' as date)") }} as date) as got,
        cast('2023-05-08' as date) as expected
    union all
    select
        'day' as date_part,
        cast({{ dbt.dateadd('day', '10 - 3', "cast('2023-04-24' as date)") }} as date) as got,
        cast('2023-05-01' as date) as expected
)

select date_part, got, expected
from cases
where got is null or got <> expected
