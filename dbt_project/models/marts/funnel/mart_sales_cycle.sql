-- Sales cycle of won deals, one row per opportunity won by the as-of date (domain.md §2.4):
--   签单周期 signing cycle = created → won (signed);
--   collection = won → fully collected (货款回收);
--   销售周期 total cycle = created → fully collected ("销售机会转变成销售订单并收回款项所经历的时间").
-- Fully collected = every non-cancelled order linked to the deal is paid in full by the as-of date
-- (the day the last of them was); a deal with no linked order falls back to its 6_collected stage
-- entry. Touches (接触点) = activities logged on the deal up to the moment it was won, beside the
-- 3-5 touchpoints before a close the source cites ([000]).
with opportunities as (
    select *
    from {{ ref('int_funnel__opportunities') }}
    where status_as_of = 'won'
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

order_amounts as (
    select order_id, sum(net_amount) as net_amount
    from {{ ref('fct_order_lines') }}
    group by order_id
),

linked as (
    select
        orders.order_id,
        orders.opportunity_id,
        orders.currency,
        orders.fx_rate_to_base,
        order_amounts.net_amount
    from {{ ref('fct_orders') }} as orders
    inner join order_amounts
        on order_amounts.order_id = orders.order_id
    cross join as_of
    where orders.opportunity_id is not null
      and not orders.is_cancelled
      and order_amounts.net_amount > 0
      and orders.order_date <= as_of.as_of_date
),

payments_running as (
    -- Paid in full is decided in the order's own currency: comparing base-currency amounts converted
    -- at different dates' rates would leave foreign-currency orders never quite paid. Each payment is a
    -- decimal before the sum: DuckDB's decimal division gives a double, which would make the whole sum
    -- doubles and put a payment exactly on the tolerance on either side of it.
    select
        payments.order_id,
        cast(payments.paid_at as date) as paid_date,
        sum(
            cast(
                case
                    when payments.currency = linked.currency then payments.amount
                    else payments.amount_base / linked.fx_rate_to_base
                end as {{ dbt.type_numeric() }}
            )
        ) over (
            partition by payments.order_id
            order by payments.paid_at asc nulls last, payments.payment_id asc nulls last
            rows between unbounded preceding and current row
        ) as cumulative_paid
    from {{ ref('stg_orders__payments') }} as payments
    inner join linked
        on linked.order_id = payments.order_id
),

order_paid as (
    select
        linked.order_id,
        linked.opportunity_id,
        min(payments_running.paid_date) as fully_paid_date
    from linked
    cross join as_of
    left join payments_running
        on payments_running.order_id = linked.order_id
        -- Less than var receivable_settled_tolerance (a cent) short is rounding: the receivables
        -- convention's own test (macros/receivables.sql), here in the order's own currency.
        and {{ receivable_is_settled('linked.net_amount', 'payments_running.cumulative_paid') }}
        and payments_running.paid_date <= as_of.as_of_date
    group by linked.order_id, linked.opportunity_id
),

linked_orders as (
    select
        opportunity_id,
        count(*) as linked_order_count,
        sum(case when fully_paid_date is null then 1 else 0 end) as unpaid_order_count,
        max(fully_paid_date) as last_fully_paid_date
    from order_paid
    group by opportunity_id
),

collected_stage as (
    select opportunity_id, min(entered_date) as collected_stage_date
    from {{ ref('int_funnel__stage_entries') }}
    where stage_code = '6_collected'
    group by opportunity_id
),

touches as (
    select
        opportunities.opportunity_id,
        count(activities.activity_id) as touches_before_close
    from opportunities
    left join {{ ref('stg_crm__activities') }} as activities
        on activities.opportunity_id = opportunities.opportunity_id
        and activities.occurred_at <= opportunities.closed_at
    group by opportunities.opportunity_id
),

cycle as (
    select
        opportunities.*,
        case
            when linked_orders.opportunity_id is not null then 'payments'
            when collected_stage.opportunity_id is not null then 'stage_history'
        end as collected_source,
        case
            when linked_orders.opportunity_id is not null and linked_orders.unpaid_order_count = 0
                then linked_orders.last_fully_paid_date
            when linked_orders.opportunity_id is null
                then collected_stage.collected_stage_date
        end as collected_date,
        -- Null (unknown, not 0) when the order files had no rows (macros/quality/mart_inputs.sql).
        {{ when_inputs_have_rows(['orders', 'order_lines'], 'coalesce(linked_orders.linked_order_count, 0)') }} as linked_order_count,
        {{ when_inputs_have_rows(['activities'], 'touches.touches_before_close') }} as touches_before_close
    from opportunities
    left join linked_orders
        on linked_orders.opportunity_id = opportunities.opportunity_id
    left join collected_stage
        on collected_stage.opportunity_id = opportunities.opportunity_id
    left join touches
        on touches.opportunity_id = opportunities.opportunity_id
)

select
    cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(rep_id as {{ dbt.type_string() }}) as rep_id,
    cast(team_id as {{ dbt.type_string() }}) as team_id,
    cast(channel_id as {{ dbt.type_string() }}) as channel_id,
    cast(product_line as {{ dbt.type_string() }}) as product_line,
    cast(lead_id as {{ dbt.type_string() }}) as lead_id,
    cast(cast(lead_created_at as date) as date) as lead_created_date,
    cast(created_date as date) as created_date,
    cast(closed_date as date) as won_date,
    cast(collected_date as date) as collected_date,
    cast(collected_source as {{ dbt.type_string() }}) as collected_source,
    cast(linked_order_count as {{ dbt.type_bigint() }}) as linked_order_count,
    cast(amount_base as {{ dbt.type_numeric() }}) as amount_base,
    cast(
        case when lead_created_at is not null then {{ dbt.datediff('cast(lead_created_at as date)', 'closed_date', 'day') }} end
        as {{ dbt.type_bigint() }}
    ) as lead_to_won_days,
    cast({{ dbt.datediff('created_date', 'closed_date', 'day') }} as {{ dbt.type_bigint() }}) as signing_cycle_days,
    cast(
        case when collected_date is not null then {{ dbt.datediff('closed_date', 'collected_date', 'day') }} end
        as {{ dbt.type_bigint() }}
    ) as collection_days,
    cast(
        case when collected_date is not null then {{ dbt.datediff('created_date', 'collected_date', 'day') }} end
        as {{ dbt.type_bigint() }}
    ) as sales_cycle_days,
    cast(touches_before_close as {{ dbt.type_bigint() }}) as touches_before_close,
    cast({{ var('touchpoints_benchmark_min') }} as integer) as touches_benchmark_min,
    cast({{ var('touchpoints_benchmark_max') }} as integer) as touches_benchmark_max,
    cast(
        case
            when touches_before_close is null then null
            when touches_before_close < {{ var('touchpoints_benchmark_min') }} then 'below'
            when touches_before_close > {{ var('touchpoints_benchmark_max') }} then 'above'
            else 'within'
        end as {{ dbt.type_string() }}
    ) as touches_band,
    cast(as_of_date as date) as as_of_date
from cycle
