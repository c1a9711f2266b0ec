-- Every open-receivable total the collections marts report equals the sum of fct_orders.open_amount_base
-- over the same orders on the same as-of date, to the cent (receivables money convention, docs
-- receivables_money_convention): per order in int_collections__order_balances, per account and per
-- partner in mart_receivables_aging, and per company / team (with its child teams) / rep / channel in
-- the as-of month of mart_collections (closing receivable, the DSO numerator). One row per difference.
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'mart_receivables_aging'}}}) }}

with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

orders as (
    select orders.*
    from {{ ref('fct_orders') }} as orders
    cross join as_of
    where not orders.is_cancelled
      and orders.order_date <= as_of.as_of_date
),

team_rollup as (
    select rep_id, team_id from {{ ref('int_quota__rep_team_rollup') }}
),

expected as (
    select 'order_balances' as report, 'order' as level, order_id as entity_id, open_amount_base as open_base from orders
    union all
    select
        'mart_receivables_aging' as report, 'account' as level, account_id as entity_id,
        sum(open_amount_base) as open_base
    from orders group by account_id
    union all
    select
        'mart_receivables_aging' as report, 'partner' as level, partner_id as entity_id,
        sum(open_amount_base) as open_base
    from orders where partner_id is not null group by partner_id
    union all
    select 'mart_collections' as report, 'company' as level, '*' as entity_id, sum(open_amount_base) as open_base
    from orders
    union all
    select 'mart_collections' as report, 'rep' as level, rep_id as entity_id, sum(open_amount_base) as open_base
    from orders where rep_id is not null group by rep_id
    union all
    select 'mart_collections' as report, 'channel' as level, channel_id as entity_id, sum(open_amount_base) as open_base
    from orders where channel_id is not null group by channel_id
    union all
    select
        'mart_collections' as report, 'team' as level, team_rollup.team_id as entity_id,
        sum(orders.open_amount_base) as open_base
    from orders
    inner join team_rollup on team_rollup.rep_id = orders.rep_id
    group by team_rollup.team_id
),

reported as (
    select 'order_balances' as report, 'order' as level, order_id as entity_id, open_base
    from {{ ref('int_collections__order_balances') }}
    union all
    select 'mart_receivables_aging' as report, aging_level as level, entity_id, open_receivable_base as open_base
    from {{ ref('mart_receivables_aging') }}
    union all
    select
        'mart_collections' as report,
        collections.group_level as level,
        coalesce(collections.group_id, '*') as entity_id,
        collections.closing_receivable_base as open_base
    from {{ ref('mart_collections') }} as collections
    cross join as_of
    where collections.period_end_date = as_of.as_of_date
),

expected_totals as (
    select report, level, entity_id, sum(open_base) as open_base from expected group by report, level, entity_id
),

reported_totals as (
    select report, level, entity_id, sum(open_base) as open_base, count(*) as report_rows
    from reported group by report, level, entity_id
)

select
    coalesce(e.report, r.report) as report,
    coalesce(e.level, r.level) as level,
    coalesce(e.entity_id, r.entity_id) as entity_id,
    e.open_base as fct_orders_open_base,
    r.open_base as reported_open_base,
    r.report_rows
from expected_totals as e
full outer join reported_totals as r
    on r.report = e.report
    and r.level = e.level
    and r.entity_id = e.entity_id
-- A mart may leave out an entity with nothing open (aging lists open items only), never one with an
-- open balance, nor report one twice.
where (
    abs(coalesce(e.open_base, 0) - coalesce(r.open_base, 0)) >= 0.005
    or coalesce(r.report_rows, 1) > 1
)
-- A mart listed without input (no payments) is empty on purpose and reports no receivable.
and not (coalesce(e.report, r.report) = 'mart_receivables_aging' and {{ mart_inputs_missing('mart_receivables_aging') }})
and not (coalesce(e.report, r.report) = 'mart_collections' and {{ mart_inputs_missing('mart_collections') }})
