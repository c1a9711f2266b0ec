-- Actuals for every quota level × owner × metric × day up to the as-of date, on the same basis as the
-- targets (domain.md §5.4 "actual sales should use the same basis as the target"):
--   revenue        销售额  fct_orders.revenue_base on order_date (cancelled = 0, returns netted)
--   collections    回款额  the applied settlement value of payments on paid_date (receivables money
--                          convention: int_collections__payment_applications.applied_base)
--   new_customers  新客户数 accounts whose first non-cancelled order falls on that day
--   won_deals      赢单    opportunities won (closed_date)
-- Attribution: rep and channel and partner from the order / opportunity; team = the rep's team and
-- every team above it (a subtree total per team); team_direct = the team's own direct reps only, the
-- level whose rows add up across teams; region = the customer's region (else the rep's region).
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

accounts as (
    select account_id, region from {{ ref('dim_account') }}
),

reps as (
    select rep_id, region from {{ ref('dim_rep') }}
),

events as (
    select
        'revenue' as metric,
        orders.order_date as activity_date,
        orders.revenue_base as actual_value,
        orders.rep_id,
        orders.channel_id,
        orders.partner_id,
        coalesce(accounts.region, reps.region) as region
    from {{ ref('fct_orders') }} as orders
    cross join as_of
    left join accounts on accounts.account_id = orders.account_id
    left join reps on reps.rep_id = orders.rep_id
    where not orders.is_cancelled
      and orders.order_date <= as_of.as_of_date

    union all

    select
        'collections' as metric,
        payments.paid_date as activity_date,
        payments.applied_base as actual_value,
        payments.rep_id,
        payments.channel_id,
        payments.partner_id,
        coalesce(accounts.region, reps.region) as region
    from {{ ref('int_collections__payment_applications') }} as payments
    cross join as_of
    left join accounts on accounts.account_id = payments.account_id
    left join reps on reps.rep_id = payments.rep_id
    where payments.paid_date <= as_of.as_of_date

    union all

    select
        'new_customers' as metric,
        orders.order_date as activity_date,
        1.0 as actual_value,
        orders.rep_id,
        orders.channel_id,
        orders.partner_id,
        coalesce(accounts.region, reps.region) as region
    from {{ ref('fct_orders') }} as orders
    cross join as_of
    left join accounts on accounts.account_id = orders.account_id
    left join reps on reps.rep_id = orders.rep_id
    where orders.account_order_sequence = 1
      and orders.order_date <= as_of.as_of_date

    union all

    select
        'won_deals' as metric,
        opportunities.closed_date as activity_date,
        1.0 as actual_value,
        opportunities.rep_id,
        opportunities.channel_id,
        opportunities.partner_id,
        coalesce(accounts.region, reps.region) as region
    from {{ ref('fct_opportunities') }} as opportunities
    cross join as_of
    left join accounts on accounts.account_id = opportunities.account_id
    left join reps on reps.rep_id = opportunities.rep_id
    where opportunities.is_won
      and opportunities.closed_date <= as_of.as_of_date
),

by_level as (
    select 'company' as level, cast(null as {{ dbt.type_string() }}) as owner_id, metric, activity_date, actual_value
    from events
    union all
    select 'region' as level, region as owner_id, metric, activity_date, actual_value
    from events where region is not null
    union all
    select 'channel' as level, channel_id as owner_id, metric, activity_date, actual_value
    from events where channel_id is not null
    union all
    select 'rep' as level, rep_id as owner_id, metric, activity_date, actual_value
    from events where rep_id is not null
    union all
    select 'partner' as level, partner_id as owner_id, metric, activity_date, actual_value
    from events where partner_id is not null
    union all
    select 'team' as level, rollup.team_id as owner_id, events.metric, events.activity_date, events.actual_value
    from events
    inner join {{ ref('int_quota__rep_team_rollup') }} as rollup
        on rollup.rep_id = events.rep_id
    union all
    select 'team_direct' as level, rollup.team_id as owner_id, events.metric, events.activity_date, events.actual_value
    from events
    inner join {{ ref('int_quota__rep_team_rollup') }} as rollup
        on rollup.rep_id = events.rep_id
        and rollup.is_own_team
)

select
    level,
    owner_id,
    coalesce(owner_id, '*') as owner_key,
    metric,
    activity_date,
    sum(actual_value) as actual_value
from by_level
group by level, owner_id, metric, activity_date
