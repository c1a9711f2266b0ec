-- Every opportunity known on the as-of date with the state the stage history gives it on that date
-- (status, current stage, furthest stage, close date) beside its CRM attributes and funnel slices.
-- The marts read status from here, not fct_opportunities.status, so a past as-of date shows deals
-- that were still open then as open.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

state as (
    select state.*
    from {{ ref('int_funnel__opportunity_state_by_date') }} as state
    inner join as_of
        on state.snapshot_date = as_of.as_of_date
),

leads as (
    select lead_id, source, created_at from {{ ref('stg_crm__leads') }}
)

select
    opportunities.opportunity_id,
    opportunities.account_id,
    opportunities.lead_id,
    leads.source as lead_source,
    leads.created_at as lead_created_at,
    opportunities.rep_id,
    opportunities.team_id,
    opportunities.channel_id,
    opportunities.partner_id,
    opportunities.product_id,
    opportunities.product_line,
    opportunities.created_at,
    opportunities.created_date,
    opportunities.amount_base,
    opportunities.expected_close_date,
    opportunities.is_8c1f0w,
    -- A deal created before the as-of date whose history starts later is still being tracked.
    coalesce(state.status_at_date, 'open') as status_as_of,
    state.stage_code as current_stage_code,
    state.stage_order as current_stage_order,
    state.stage_entered_at as current_stage_entered_at,
    state.stage_entered_date as current_stage_entered_date,
    state.furthest_stage_order,
    state.closed_at,
    state.closed_date,
    as_of.as_of_date
from opportunities
cross join as_of
left join state
    on state.opportunity_id = opportunities.opportunity_id
left join leads
    on leads.lead_id = opportunities.lead_id
where opportunities.created_date <= as_of.as_of_date
   or state.opportunity_id is not null
