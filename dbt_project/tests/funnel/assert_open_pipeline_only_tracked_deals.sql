{{ config(meta={'dagster': {'ref': {'name': 'mart_pipeline_snapshot'}}}) }}
-- DQ12: open-pipeline marts count only deals whose status is tracking ("仅统计'状态为跟踪'的销售机会",
-- [002]). On the as-of date the snapshot must hold exactly the deals open on that date.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

snapshot as (
    select snapshot.opportunity_id
    from {{ ref('mart_pipeline_snapshot') }} as snapshot
    inner join as_of
        on snapshot.snapshot_date = as_of.as_of_date
),

tracked as (
    select opportunity_id
    from {{ ref('int_funnel__opportunities') }}
    where status_as_of = 'open'
      and current_stage_code is not null
)

select 'not tracked' as problem, snapshot.opportunity_id
from snapshot
left join tracked
    on tracked.opportunity_id = snapshot.opportunity_id
where tracked.opportunity_id is null

union all

select 'missing' as problem, tracked.opportunity_id
from tracked
left join snapshot
    on snapshot.opportunity_id = tracked.opportunity_id
where snapshot.opportunity_id is null
