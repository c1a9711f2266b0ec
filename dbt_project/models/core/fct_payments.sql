{%- set scope = "incremental_affected_orders(include_payments=true, include_reps=true)" -%}
{{ config(
    materialized='incremental',
    unique_key='payment_id',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    on_schema_change='append_new_columns',
    pre_hook="{{ incremental_delete_scope('order_id', " ~ scope ~ ", ['alert_late_payment_days']) }}",
    post_hook=[
        "{{ incremental_log_run('order_id', " ~ scope ~ ", ['alert_late_payment_days']) }}",
        "{{ incremental_forget_loads() }}",
        "{{ incremental_remember_loads(['alert_late_payment_days']) }}",
    ],
) }}
-- depends_on: {{ incremental_scope_inputs(['stg_orders__order_lines', 'stg_orders__products', 'stg_orders__payments', 'raw.orders', 'raw.order_lines', 'raw.products', 'raw.fx_rates', 'raw.payments', 'raw.sales_reps']) }}
-- Incremental (docs incremental_days): an incremental run deletes and rebuilds the payments of the orders
-- incremental_affected_orders finds (new or corrected payment, header, rep or fx rate versions).
-- Payments received (回款), one row per payment, in the base currency, with lateness against the
-- order's due date and the running total settled on the order.
with payments as (
    -- No Spark partition scope: cumulative_paid_base runs over all payments of an order, on any date. So
    -- the table is not partitioned there and insert_overwrite replaces all of it.
    select * from {{ ref('stg_orders__payments') }}
    where {{ incremental_scope_filter(
        'order_id', incremental_affected_orders(include_payments=true, include_reps=true), ['alert_late_payment_days']) }}
),

orders as (
    select * from {{ ref('stg_orders__orders') }}

),

joined as (
    select
        payments.payment_id,
        payments.order_id,
        orders.account_id,
        orders.rep_id,
        reps.team_id,
        orders.channel_id,
        orders.partner_id,
        payments.paid_at,
        cast(payments.paid_at as date) as paid_date,
        payments.amount,
        payments.currency,
        payments.amount_base,
        -- Settlement value: a payment in the order's currency settles the receivable at the rate the
        -- revenue was booked at, so exchange-rate moves never leave a fully paid order "open".
        case
            when payments.currency = orders.currency or (payments.currency is null and orders.currency is null)
                then {{ to_base_currency('payments.amount', 'orders.currency', 'order_fx') }}
            else payments.amount_base
        end as settled_amount_base,
        payments.method,
        orders.order_date,
        coalesce(
            orders.due_date,
            cast({{ dbt.dateadd('day', 'coalesce(orders.payment_terms_days, 0)', 'orders.order_date') }} as date)
        ) as due_date
    from payments
    inner join orders
        on orders.order_id = payments.order_id
    left join {{ ref('stg_crm__sales_reps') }} as reps
        on reps.rep_id = orders.rep_id
    {{ fx_rate_join('order_fx', 'orders.currency', 'orders.order_date') }}
)

select
    payment_id,
    order_id,
    account_id,
    rep_id,
    team_id,
    channel_id,
    partner_id,
    paid_at,
    paid_date,
    amount,
    currency,
    amount_base,
    settled_amount_base,
    method,
    order_date,
    due_date,
    {{ dbt.datediff('due_date', 'paid_date', 'day') }} as days_late,
    case when paid_date > due_date then true else false end as is_late,
    -- 付款延迟超15天 (domain.md §3.8): late beyond the customer-health alert threshold (var alert_late_payment_days).
    case
        when {{ dbt.datediff('due_date', 'paid_date', 'day') }} > {{ var('alert_late_payment_days') }} then true
        else false
    end as is_late_over_alert_days,
    sum(settled_amount_base) over (
        partition by order_id
        order by paid_at asc nulls last, payment_id asc nulls last
        rows between unbounded preceding and current row
    ) as cumulative_paid_base
from joined
