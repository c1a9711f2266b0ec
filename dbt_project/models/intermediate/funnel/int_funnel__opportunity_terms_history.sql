-- The terms of every opportunity (amount in the base currency, expected close date, owner rep) in each
-- period of its history (core.fct_opportunity_history), so a snapshot of a past day shows the deal as it
-- was known that day, not as it is now. Converted like staging converts the current amount: at the rate
-- in force on the close date, else the creation date.
with history as (
    select * from {{ ref('fct_opportunity_history') }}
),

opportunities as (
    select opportunity_id, created_at from {{ ref('fct_opportunities') }}
)

select
    history.opportunity_id,
    history.period_number,
    history.valid_from,
    history.valid_to,
    history.rep_id,
    reps.team_id,
    history.expected_close_date,
    history.amount,
    history.currency,
    {{ to_base_currency('history.amount', 'history.currency', 'fx') }} as amount_base
from history
inner join opportunities
    on opportunities.opportunity_id = history.opportunity_id
left join {{ ref('dim_rep') }} as reps
    on reps.rep_id = history.rep_id
{{ fx_rate_join('fx', 'history.currency', 'cast(coalesce(history.closed_at, opportunities.created_at) as date)') }}
