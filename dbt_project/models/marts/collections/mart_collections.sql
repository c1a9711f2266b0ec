-- Collections (回款) by month for the company, each team (a parent team includes its child teams),
-- each rep and each channel: billed, collected, 回款率, DSO and the sales-versus-collection balance
-- ([002] "检阅销售、收款是否平衡,有无逾期未收货款"). Months run from the first order month to the
-- as-of month; the as-of month is counted up to the as-of date. Money follows the receivables
-- convention (docs receivables_money_convention): collected = applied settlement value, so a closed
-- month's collections never change and payments on cancelled orders are unapplied money, not 回款.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

balances as (
    select * from {{ ref('int_collections__order_balances') }}
),

payments as (
    select payments.*
    from {{ ref('int_collections__payment_applications') }} as payments
    cross join as_of
    where payments.paid_date <= as_of.as_of_date
),

bounds as (
    select
        min(first_month) as first_month,
        max(as_of.as_of_date) as as_of_date
    from (
        select cast({{ dbt.date_trunc('month', 'min(order_date)') }} as date) as first_month from balances
        union all
        select cast({{ dbt.date_trunc('month', 'min(paid_date)') }} as date) as first_month from payments
    ) as starts
    cross join as_of
),

months as (
    select
        dim_date.month_start,
        case when max(dim_date.month_end) < max(bounds.as_of_date) then max(dim_date.month_end) else max(bounds.as_of_date) end as period_end,
        case when max(dim_date.month_end) > max(bounds.as_of_date) then true else false end as is_open_period
    from {{ ref('dim_date') }} as dim_date
    cross join bounds
    where dim_date.month_start >= bounds.first_month
      and dim_date.month_start <= bounds.as_of_date
    group by dim_date.month_start
),

team_rollup as (
    select rep_id, team_id from {{ ref('int_quota__rep_team_rollup') }}
),

order_groups as (
    select order_id, 'company' as group_level, '*' as group_key from balances
    union all
    select order_id, 'rep' as group_level, rep_id as group_key from balances where rep_id is not null
    union all
    select balances.order_id, 'team' as group_level, team_rollup.team_id as group_key
    from balances
    inner join team_rollup on team_rollup.rep_id = balances.rep_id
    union all
    select order_id, 'channel' as group_level, channel_id as group_key from balances where channel_id is not null
),

payment_groups as (
    select payment_id, paid_month, applied_base, unapplied_base, 'company' as group_level, '*' as group_key from payments
    union all
    select payment_id, paid_month, applied_base, unapplied_base, 'rep' as group_level, rep_id as group_key
    from payments where rep_id is not null
    union all
    select
        payments.payment_id, payments.paid_month, payments.applied_base, payments.unapplied_base,
        'team' as group_level, team_rollup.team_id as group_key
    from payments
    inner join team_rollup on team_rollup.rep_id = payments.rep_id
    union all
    select payment_id, paid_month, applied_base, unapplied_base, 'channel' as group_level, channel_id as group_key
    from payments where channel_id is not null
),

billed as (
    select
        order_groups.group_level,
        order_groups.group_key,
        cast({{ dbt.date_trunc('month', 'balances.order_date') }} as date) as month_start,
        sum(balances.revenue_base) as billed_base,
        count(*) as billed_orders
    from balances
    inner join order_groups on order_groups.order_id = balances.order_id
    group by order_groups.group_level, order_groups.group_key, cast({{ dbt.date_trunc('month', 'balances.order_date') }} as date)
),

due as (
    -- 回款率 denominator: what fell due in the month (up to the as-of date); the due-month cohort view
    -- adds how much of it is collected by the as-of date (restates as later payments arrive).
    select
        order_groups.group_level,
        order_groups.group_key,
        balances.due_month as month_start,
        sum(balances.receivable_base) as due_base,
        sum(balances.collected_base) as due_collected_to_date_base,
        sum(balances.collected_on_time_base) as collected_on_time_base
    from balances
    inner join order_groups on order_groups.order_id = balances.order_id
    where balances.due_date <= balances.as_of_date
    group by order_groups.group_level, order_groups.group_key, balances.due_month
),

collected as (
    -- 回款 in the month: the applied part of the payments received in it, whatever month they settle.
    select
        group_level,
        group_key,
        paid_month as month_start,
        sum(applied_base) as collected_base,
        sum(unapplied_base) as unapplied_base,
        count(*) as payments_received
    from payment_groups
    group by group_level, group_key, paid_month
),

order_months as (
    -- Each order at each month end while it is still (partly) unpaid: the month ends from its order date
    -- to the last one before it was fully paid, both bounds in the join (DuckDB then joins by the two ranges
    -- instead of pairing every order with every later month end and filtering afterwards).
    select
        balances.order_id,
        balances.receivable_base,
        balances.due_date,
        months.month_start,
        months.period_end
    from balances
    left join {{ ref('fct_orders') }} as orders
        on orders.order_id = balances.order_id
    inner join months
        on balances.order_date <= months.period_end
        and months.period_end < coalesce(cast(orders.fully_paid_at as date), cast('9999-12-31' as date))
    where balances.receivable_base > 0
),

order_month_open as (
    select
        order_months.order_id,
        order_months.month_start,
        order_months.due_date,
        order_months.period_end,
        -- Same open rule as fct_orders.open_amount_base, at each month end.
        {{ receivable_open('order_months.receivable_base', 'coalesce(sum(payments.settled_amount_base), 0)') }} as open_base
    from order_months
    left join payments
        on payments.order_id = order_months.order_id
        and payments.paid_date <= order_months.period_end
    group by order_months.order_id, order_months.month_start, order_months.due_date, order_months.period_end, order_months.receivable_base
),

receivables as (
    select
        order_groups.group_level,
        order_groups.group_key,
        order_month_open.month_start,
        sum(order_month_open.open_base) as closing_receivable_base,
        sum(case when order_month_open.due_date < order_month_open.period_end then order_month_open.open_base else 0 end) as closing_overdue_base
    from order_month_open
    inner join order_groups on order_groups.order_id = order_month_open.order_id
    group by order_groups.group_level, order_groups.group_key, order_month_open.month_start
),

groups as (
    select distinct group_level, group_key from order_groups
    union
    select distinct group_level, group_key from payment_groups
),

spine as (
    select
        groups.group_level,
        groups.group_key,
        months.month_start,
        months.period_end,
        months.is_open_period
    from groups
    cross join months
),

joined as (
    select
        spine.*,
        coalesce(billed.billed_base, 0) as billed_base,
        coalesce(billed.billed_orders, 0) as billed_orders,
        coalesce(collected.collected_base, 0) as collected_base,
        coalesce(collected.payments_received, 0) as payments_received,
        coalesce(due.due_base, 0) as due_base,
        coalesce(due.due_collected_to_date_base, 0) as due_collected_to_date_base,
        coalesce(collected.unapplied_base, 0) as unapplied_base,
        coalesce(due.collected_on_time_base, 0) as collected_on_time_base,
        coalesce(receivables.closing_receivable_base, 0) as closing_receivable_base,
        coalesce(receivables.closing_overdue_base, 0) as closing_overdue_base
    from spine
    left join billed
        on billed.group_level = spine.group_level and billed.group_key = spine.group_key and billed.month_start = spine.month_start
    left join collected
        on collected.group_level = spine.group_level and collected.group_key = spine.group_key and collected.month_start = spine.month_start
    left join due
        on due.group_level = spine.group_level and due.group_key = spine.group_key and due.month_start = spine.month_start
    left join receivables
        on receivables.group_level = spine.group_level and receivables.group_key = spine.group_key and receivables.month_start = spine.month_start
),

rolling as (
    select
        joined.*,
        sum(billed_base) over (
            partition by group_level, group_key
            order by month_start asc nulls last
            rows between {{ var('dso_trailing_months') - 1 }} preceding and current row
        ) as trailing_billed_base,
        {{ dbt.datediff(
            'cast(' ~ dbt.dateadd('month', 1 - var('dso_trailing_months'), 'month_start') ~ ' as date)',
            'period_end', 'day') }} + 1 as trailing_days
    from joined
),

names as (
    select 'team' as group_level, team_id as group_key, team_name as group_name from {{ ref('dim_team') }}
    union all
    select 'rep' as group_level, rep_id as group_key, rep_name as group_name from {{ ref('dim_rep') }}
    union all
    select 'channel' as group_level, channel_id as group_key, channel_name as group_name from {{ ref('dim_channel') }}
)

select
    {{ surrogate_key(['rolling.group_level', 'rolling.group_key', 'rolling.month_start']) }} as collections_key,
    cast(rolling.month_start as date) as month_start,
    cast(rolling.period_end as date) as period_end_date,
    cast(rolling.is_open_period as {{ dbt.type_boolean() }}) as is_open_period,
    cast(rolling.group_level as {{ dbt.type_string() }}) as group_level,
    cast(case when rolling.group_level = 'company' then null else rolling.group_key end as {{ dbt.type_string() }}) as group_id,
    cast(case when rolling.group_level = 'company' then 'Company' else names.group_name end as {{ dbt.type_string() }}) as group_name,
    cast(rolling.billed_base as {{ dbt.type_numeric() }}) as billed_base,
    cast(rolling.billed_orders as {{ dbt.type_bigint() }}) as billed_orders,
    cast(rolling.collected_base as {{ dbt.type_numeric() }}) as collected_base,
    cast(rolling.payments_received as {{ dbt.type_bigint() }}) as payments_received,
    cast(rolling.unapplied_base as {{ dbt.type_numeric() }}) as unapplied_base,
    cast(rolling.due_base as {{ dbt.type_numeric() }}) as due_base,
    -- 回款率 (domain.md §4.3): collected in the month ÷ due in the month; above 1 when arrears are caught up.
    cast(
        case when rolling.due_base > 0 then rolling.collected_base / rolling.due_base end as {{ dbt.type_numeric() }}
    ) as collection_rate,
    cast(rolling.due_collected_to_date_base as {{ dbt.type_numeric() }}) as due_collected_to_date_base,
    cast(
        case when rolling.due_base > 0 then rolling.due_collected_to_date_base / rolling.due_base end
        as {{ dbt.type_numeric() }}
    ) as due_cohort_collection_rate,
    cast(rolling.collected_on_time_base as {{ dbt.type_numeric() }}) as collected_on_time_base,
    cast(
        case when rolling.due_base > 0 then rolling.collected_on_time_base / rolling.due_base end as {{ dbt.type_numeric() }}
    ) as on_time_collection_rate,
    cast(rolling.closing_receivable_base as {{ dbt.type_numeric() }}) as closing_receivable_base,
    cast(rolling.closing_overdue_base as {{ dbt.type_numeric() }}) as closing_overdue_base,
    cast(rolling.trailing_billed_base as {{ dbt.type_numeric() }}) as trailing_billed_base,
    cast(rolling.trailing_days as integer) as trailing_days,
    cast(
        case
            when rolling.trailing_billed_base > 0
                then rolling.closing_receivable_base * rolling.trailing_days / rolling.trailing_billed_base
        end as {{ dbt.type_numeric() }}
    ) as dso_days,
    cast(
        case when rolling.billed_base > 0 then rolling.collected_base / rolling.billed_base end as {{ dbt.type_numeric() }}
    ) as sales_collection_ratio,
    cast(rolling.billed_base - rolling.collected_base as {{ dbt.type_numeric() }}) as sales_collection_gap_base
from rolling
left join names
    on names.group_level = rolling.group_level
    and names.group_key = rolling.group_key
