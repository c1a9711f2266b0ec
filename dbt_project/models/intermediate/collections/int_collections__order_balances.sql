-- Receivable (应收账款) per order on the as-of date: one row per non-cancelled order dated on or before
-- it, under the receivables money convention (docs receivables_money_convention, macros/receivables.sql):
-- payments count at their settlement value, open = receivable − settled payments up to the as-of date,
-- never below 0 and 0 once the residual is rounding; the same numbers as fct_orders.open_amount_base.
-- days past due = as-of date − fct_orders.due_date.
{%- set edges = var('aging_bucket_edges') %}
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

paid as (
    select
        payments.order_id,
        sum(payments.settled_amount_base) as paid_to_date_base,
        sum(case when payments.paid_date <= payments.due_date then payments.settled_amount_base else 0 end) as paid_by_due_date_base,
        max(payments.paid_date) as last_paid_date
    from {{ ref('fct_payments') }} as payments
    cross join as_of
    where payments.paid_date <= as_of.as_of_date
    group by payments.order_id
),

balances as (
    select
        orders.order_id,
        orders.account_id,
        orders.rep_id,
        orders.team_id,
        orders.channel_id,
        orders.partner_id,
        orders.order_date,
        orders.due_date,
        cast({{ dbt.date_trunc('month', 'orders.due_date') }} as date) as due_month,
        orders.revenue_base,
        -- What the customer can owe: a pure return order (negative revenue) is a credit, not a receivable.
        {{ receivable_amount('orders.revenue_base') }} as receivable_base,
        coalesce(paid.paid_to_date_base, 0) as paid_to_date_base,
        coalesce(paid.paid_by_due_date_base, 0) as paid_by_due_date_base,
        paid.last_paid_date,
        as_of.as_of_date,
        {{ dbt.datediff('orders.due_date', 'as_of.as_of_date', 'day') }} as days_past_due
    from orders
    cross join as_of
    left join paid
        on paid.order_id = orders.order_id
)

select
    balances.order_id,
    balances.account_id,
    balances.rep_id,
    balances.team_id,
    balances.channel_id,
    channels.channel_type,
    balances.partner_id,
    balances.order_date,
    balances.due_date,
    balances.due_month,
    balances.revenue_base,
    balances.receivable_base,
    balances.paid_to_date_base,
    -- Collected against this order's receivable (capped: an overpayment does not collect other orders).
    {{ receivable_collected('balances.receivable_base', 'balances.paid_to_date_base') }} as collected_base,
    {{ receivable_collected('balances.receivable_base', 'balances.paid_by_due_date_base') }} as collected_on_time_base,
    {{ receivable_open('balances.receivable_base', 'balances.paid_to_date_base') }} as open_base,
    balances.last_paid_date,
    balances.as_of_date,
    balances.days_past_due,
    case
        when not {{ receivable_is_settled('balances.receivable_base', 'balances.paid_to_date_base') }}
            and balances.days_past_due > 0 then true
        else false
    end as is_overdue,
    -- Aging bucket from var aging_bucket_edges ([30, 60, 90] → 1: ≤30 incl. not yet due, 2: 31-60,
    -- 3: 61-90, 4: >90 days past due).
    case
        {%- for edge in edges %}
        when balances.days_past_due <= {{ edge }} then {{ loop.index }}
        {%- endfor %}
        else {{ edges | length + 1 }}
    end as aging_bucket_number
from balances
left join {{ ref('dim_channel') }} as channels
    on channels.channel_id = balances.channel_id
