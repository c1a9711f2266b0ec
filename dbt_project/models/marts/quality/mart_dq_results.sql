-- Data-quality results (数据质量检查结果), one row per run × layer × asset × check, from every gate:
-- the great-expectations suites on the raw files and every dbt test (quality.check_results).
-- A view: the dbt tests of a run are stored by the on-run-end hook after the models are built, and
-- ops leads must see them; the serving copy freezes it as a table when a run publishes.
{{ config(materialized='view') }}

with results as (
    select * from {{ source('quality', 'check_results') }}
),

per_check as (
    -- A raw table with several current file versions (dated drops) has one evaluation per version;
    -- the check's verdict is the worst of them.
    select
        run_id,
        layer,
        asset,
        check_name,
        max(check_source) as check_source,
        max(dq_rule) as dq_rule,
        max(case when severity = 'error' then 1 else 0 end) as is_error_severity,
        max(
            case status
                when 'error' then 4
                when 'fail' then 3
                when 'skipped' then 2
                else 1
            end
        ) as status_rank,
        sum(failing_rows) as failing_rows,
        max(observed_value) as observed_value,
        count(*) as evaluations,
        max(checked_at) as checked_at
    from results
    group by run_id, layer, asset, check_name
),

runs as (
    select
        run_id,
        min(checked_at) as run_first_checked_at
    from results
    group by run_id
)

select
    cast(per_check.run_id as {{ dbt.type_string() }}) as run_id,
    cast(runs.run_first_checked_at as {{ dbt.type_timestamp() }}) as run_first_checked_at,
    cast(per_check.layer as {{ dbt.type_string() }}) as layer,
    cast(
        case per_check.layer
            when 'raw' then 1
            when 'reference' then 2
            when 'staging' then 3
            when 'intermediate' then 4
            when 'core' then 5
            when 'marts' then 6
            else 9
        end as {{ dbt.type_int() }}
    ) as layer_order,
    cast(per_check.asset as {{ dbt.type_string() }}) as asset,
    cast(per_check.check_name as {{ dbt.type_string() }}) as check_name,
    cast(per_check.check_source as {{ dbt.type_string() }}) as check_source,
    cast(per_check.dq_rule as {{ dbt.type_string() }}) as dq_rule,
    cast(case when per_check.is_error_severity = 1 then 'error' else 'warn' end as {{ dbt.type_string() }}) as severity,
    cast(
        case per_check.status_rank
            when 4 then 'error'
            when 3 then 'fail'
            when 2 then 'skipped'
            else 'pass'
        end as {{ dbt.type_string() }}
    ) as status,
    cast(case when per_check.is_error_severity = 1 then true else false end as {{ dbt.type_boolean() }}) as is_blocking,
    cast(case when per_check.status_rank >= 3 then true else false end as {{ dbt.type_boolean() }}) as is_failing,
    cast(
        case when per_check.is_error_severity = 1 and per_check.status_rank >= 3 then true else false end
        as {{ dbt.type_boolean() }}
    ) as blocks_publish,
    cast(per_check.failing_rows as {{ dbt.type_bigint() }}) as failing_rows,
    cast(per_check.observed_value as {{ dbt.type_string() }}) as observed_value,
    cast(per_check.evaluations as {{ dbt.type_bigint() }}) as evaluations,
    cast(per_check.checked_at as {{ dbt.type_timestamp() }}) as checked_at
from per_check
inner join runs
    on runs.run_id = per_check.run_id
