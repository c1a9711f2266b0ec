{%- set scope = "incremental_affected_orders_and_accounts()" -%}
{{ config(
    materialized='incremental',
    unique_key='order_id',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    on_schema_change='append_new_columns',
    pre_hook="{{ incremental_delete_scope('order_id', " ~ scope ~ ", ['receivable_settled_tolerance']) }}",
    post_hook=[
        "{{ incremental_log_run('order_id', " ~ scope ~ ", ['receivable_settled_tolerance']) }}",
        "{{ incremental_forget_loads() }}",
        "{{ incremental_remember_loads(['receivable_settled_tolerance']) }}",
    ],
) }}
-- depends_on: {{ incremental_scope_inputs(['stg_orders__order_lines', 'stg_orders__products', 'stg_orders__payments', 'stg_orders__orders', 'raw.orders', 'raw.order_lines', 'raw.products', 'raw.fx_rates', 'raw.payments', 'raw.sales_reps']) }}
-- Incremental (docs incremental_days): an incremental run deletes and rebuilds the orders incremental_affected_orders_and_accounts
-- finds: changed header, line, payment, rep or fx rate versions, and every order of an account a changed
-- header belongs or belonged to (account_order_sequence). With as_of_date unset every payment is on or
-- before the as-of date (int_as_of_date takes the latest payment date), so settled_as_of_base only
-- changes with the order's own payments; with it set, everything is rebuilt.
-- Orders (订单), one row per order, in the base currency. Revenue = net line amounts after
-- discounts, minus returns (negative lines), zero for cancelled orders and for returned orders whose
-- return was never keyed as lines (macros/receivables.sql order_books_revenue); recognised on
-- order_date. Payments follow the receivables money convention (docs receivables_money_convention).
with lines as (
    select
        order_id,
        count(*) as line_count,
        cast(sum(case when quantity > 0 then quantity else 0 end) as {{ dbt.type_bigint() }}) as units_sold,
        cast(sum(case when quantity < 0 then -quantity else 0 end) as {{ dbt.type_bigint() }}) as units_returned,
        sum(case when quantity > 0 then gross_amount_base else 0 end) as gross_amount_base,
        sum(case when quantity > 0 then gross_amount_base - net_amount_base else 0 end) as discount_amount_base,
        sum(case when quantity < 0 then -net_amount_base else 0 end) as return_amount_base,
        sum(case when quantity > 0 then net_amount_base else 0 end) as sold_net_amount_base,
        case when min(quantity) < 0 then true else false end as has_return_lines,
        sum(net_amount_base) as net_amount_base,
        sum(cost_amount_base) as cost_amount_base,
        max(fx_rate_to_base) as fx_rate_to_base
    from {{ ref('fct_order_lines') }}
    group by order_id
),

payments as (
    select
        order_id,
        count(*) as payment_count,
        sum(amount_base) as paid_amount_base,
        sum(settled_amount_base) as settled_amount_base,
        min(paid_at) as first_paid_at,
        max(paid_at) as last_paid_at
    from {{ ref('fct_payments') }}
    group by order_id
),

settled_as_of as (
    -- Only payments received by the reporting date settle the receivable reported on it.
    select
        payments.order_id,
        sum(payments.settled_amount_base) as settled_as_of_base
    from {{ ref('fct_payments') }} as payments
    cross join {{ ref('int_as_of_date') }} as as_of
    where payments.paid_date <= as_of.as_of_date
    group by payments.order_id
),

order_headers as (
    -- Every staged header, with the one definition of a cancelled order: read by the run's scope (orders)
    -- and by account_sequence, which numbers over all of them.
    select
        *,
        case when status = 'cancelled' then true else false end as is_cancelled
    from {{ ref('stg_orders__orders') }}
),

orders as (
    select
        orders.order_id,
        orders.account_id,
        orders.rep_id,
        reps.team_id,
        orders.channel_id,
        orders.partner_id,
        orders.opportunity_id,
        orders.order_date,
        orders.status,
        orders.is_cancelled,
        case when orders.status = 'returned' or coalesce(lines.units_returned, 0) > 0 then true else false end as has_returns,
        -- A returned order without return lines came back whole: it books no revenue and its whole
        -- sold amount is the return (the lines are not deducted a second time when they exist).
        case
            when orders.status = 'returned' and not coalesce(lines.has_return_lines, false) then true else false
        end as is_returned_whole,
        {{ order_books_revenue('orders.status', 'coalesce(lines.has_return_lines, false)') }} as books_revenue,
        orders.currency,
        coalesce(lines.fx_rate_to_base, 1.0) as fx_rate_to_base,
        orders.payment_terms_days,
        coalesce(
            orders.due_date,
            cast({{ dbt.dateadd('day', 'coalesce(orders.payment_terms_days, 0)', 'orders.order_date') }} as date)
        ) as due_date,
        orders.shipped_at,
        orders.delivered_at,
        coalesce(lines.line_count, 0) as line_count,
        coalesce(lines.units_sold, 0) as units_sold,
        case
            when orders.status = 'returned' and not coalesce(lines.has_return_lines, false)
                then coalesce(lines.units_sold, 0)
            else coalesce(lines.units_returned, 0)
        end as units_returned,
        coalesce(lines.gross_amount_base, 0) as gross_amount_base,
        coalesce(lines.discount_amount_base, 0) as discount_amount_base,
        case
            when orders.status = 'returned' and not coalesce(lines.has_return_lines, false)
                then coalesce(lines.sold_net_amount_base, 0)
            else coalesce(lines.return_amount_base, 0)
        end as return_amount_base,
        coalesce(lines.net_amount_base, 0) as net_amount_base,
        case
            when {{ order_books_revenue('orders.status', 'coalesce(lines.has_return_lines, false)') }}
                then coalesce(lines.net_amount_base, 0)
            else 0
        end as revenue_base,
        case
            when {{ order_books_revenue('orders.status', 'coalesce(lines.has_return_lines, false)') }}
                then coalesce(lines.cost_amount_base, 0)
            else 0
        end as cost_base,
        coalesce(payments.payment_count, 0) as payment_count,
        coalesce(payments.paid_amount_base, 0) as paid_amount_base,
        coalesce(payments.settled_amount_base, 0) as settled_amount_base,
        coalesce(settled_as_of.settled_as_of_base, 0) as settled_as_of_base,
        payments.first_paid_at,
        payments.last_paid_at
    from order_headers as orders
    left join lines
        on lines.order_id = orders.order_id
    left join payments
        on payments.order_id = orders.order_id
    left join settled_as_of
        on settled_as_of.order_id = orders.order_id
    left join {{ ref('stg_crm__sales_reps') }} as reps
        on reps.rep_id = orders.rep_id
    -- No Spark partition scope: a changed header renumbers its account's orders on any date. So
    -- the table is not partitioned there and insert_overwrite replaces all of it (an order a corrected
    -- file removed goes too, which a dynamic overwrite of date partitions would have kept).
    where {{ incremental_scope_filter(
        'orders.order_id', incremental_affected_orders_and_accounts(), ['receivable_settled_tolerance']) }}
),

account_sequence as (
    -- Numbered over every staged order, not only the run's scope: an order rebuilt for its lines or payments
    -- keeps its place among its account's orders. Only headers decide the place, and a changed header
    -- widens the scope to its account (incremental_affected_orders_and_accounts).
    select
        order_id,
        case
            when is_cancelled then null
            else row_number() over (
                partition by account_id, is_cancelled
                order by order_date asc nulls last, order_id asc nulls last
            )
        end as account_order_sequence
    from order_headers
),

fully_paid as (
    -- The payment that brought the running total up to the order's revenue (货款回收 complete).
    select
        fct_payments.order_id,
        min(fct_payments.paid_at) as fully_paid_at
    from {{ ref('fct_payments') }} as fct_payments
    inner join orders
        on orders.order_id = fct_payments.order_id
    where orders.revenue_base > 0
      and {{ receivable_is_settled('orders.revenue_base', 'fct_payments.cumulative_paid_base') }}
    group by fct_payments.order_id
)

select
    orders.*,
    orders.revenue_base - orders.cost_base as gross_margin_base,
    -- Open receivable on the as-of date (docs receivables_money_convention): every collections mart
    -- reconciles to the sum of this column.
    {{ receivable_open(receivable_amount('orders.revenue_base'), 'orders.settled_as_of_base') }} as open_amount_base,
    fully_paid.fully_paid_at,
    account_sequence.account_order_sequence
from orders
left join fully_paid
    on fully_paid.order_id = orders.order_id
left join account_sequence
    on account_sequence.order_id = orders.order_id
