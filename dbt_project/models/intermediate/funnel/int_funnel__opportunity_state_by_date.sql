-- Where every opportunity stood at the end of each snapshot date, reconstructed from the stage
-- history alone (never from the CRM's current status), so any past date can be rebuilt: the stage
-- entry in effect that day, the status it implies (open = 状态为跟踪, won, lost), when the deal closed
-- if it had, and the furthest stage it had reached by then.
with dates as (
    select snapshot_date from {{ ref('int_funnel__snapshot_dates') }}
),

entries as (
    select * from {{ ref('int_funnel__stage_entries') }}
),

effective as (
    select
        dates.snapshot_date,
        entries.opportunity_id,
        entries.entry_number,
        entries.stage_code,
        entries.stage_order,
        entries.outcome_class,
        entries.entered_at,
        entries.entered_date,
        entries.closed_at
    from dates
    inner join entries
        on entries.entered_date <= dates.snapshot_date
        and (entries.exited_date is null or entries.exited_date > dates.snapshot_date)
),

reach as (
    -- "Reached stage s" = entered s or any later open/won stage by that date: a deal that skipped
    -- a stage passed through it. Entering lost reaches nothing.
    select
        dates.snapshot_date,
        entries.opportunity_id,
        max(case when entries.outcome_class <> 'lost' then entries.stage_order end) as furthest_stage_order,
        min(entries.entered_at) as first_entered_at
    from dates
    inner join entries
        on entries.entered_date <= dates.snapshot_date
    group by dates.snapshot_date, entries.opportunity_id
)

select
    effective.snapshot_date,
    effective.opportunity_id,
    effective.entry_number,
    effective.stage_code,
    effective.stage_order,
    effective.outcome_class as status_at_date,
    effective.entered_at as stage_entered_at,
    effective.entered_date as stage_entered_date,
    effective.closed_at,
    cast(effective.closed_at as date) as closed_date,
    reach.furthest_stage_order,
    reach.first_entered_at
from effective
inner join reach
    on reach.snapshot_date = effective.snapshot_date
    and reach.opportunity_id = effective.opportunity_id
