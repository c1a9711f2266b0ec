{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'mart_pipeline_snapshot'}}}) }}
-- "Incremental equals full recompute": for every kept date up to the as-of date, the open deals and
-- their stages in the incremental mart_pipeline_snapshot are exactly those the stage history gives.
-- A warning (not an error) because a corrected history for a past date legitimately differs from the
-- month-end captured before the correction.
with expected as (
    select state.snapshot_date, state.opportunity_id, state.stage_code
    from {{ ref('int_funnel__opportunity_state_by_date') }} as state
    inner join {{ ref('int_funnel__snapshot_dates') }} as dates
        on dates.snapshot_date = state.snapshot_date
    inner join {{ ref('fct_opportunities') }} as opportunities
        on opportunities.opportunity_id = state.opportunity_id
    where state.status_at_date = 'open'
),

actual as (
    select snapshot.snapshot_date, snapshot.opportunity_id, snapshot.stage_code
    from {{ ref('mart_pipeline_snapshot') }} as snapshot
    inner join {{ ref('int_funnel__snapshot_dates') }} as dates
        on dates.snapshot_date = snapshot.snapshot_date
)

select 'missing' as problem, expected.*
from expected
left join actual
    on actual.snapshot_date = expected.snapshot_date
    and actual.opportunity_id = expected.opportunity_id
    and actual.stage_code = expected.stage_code
where actual.opportunity_id is null

union all

select 'unexpected' as problem, actual.*
from actual
left join expected
    on expected.snapshot_date = actual.snapshot_date
    and expected.opportunity_id = actual.opportunity_id
    and expected.stage_code = actual.stage_code
where expected.opportunity_id is null
