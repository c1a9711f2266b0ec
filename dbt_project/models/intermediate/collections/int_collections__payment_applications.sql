-- Each payment split into the part that collects (回款) its order's receivable and the part that does
-- not (docs receivables_money_convention). A payment's applied share only depends on the payments
-- before it, so it never changes once received: collections by payment month are stable for closed
-- months, and the applied shares of an order up to any date add up to its collected amount then.
with payments as (
    select
        payments.*,
        orders.status as order_status,
        orders.is_cancelled as order_is_cancelled,
        orders.books_revenue as order_books_revenue,
        {{ receivable_amount('orders.revenue_base') }} as receivable_base,
        payments.cumulative_paid_base - payments.settled_amount_base as settled_before_base
    from {{ ref('fct_payments') }} as payments
    inner join {{ ref('fct_orders') }} as orders
        on orders.order_id = payments.order_id
),

applied as (
    select
        payments.*,
        {{ receivable_collected('receivable_base', 'cumulative_paid_base') }}
            - {{ receivable_collected('receivable_base', 'settled_before_base') }} as applied_base
    from payments
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
    cast({{ dbt.date_trunc('month', 'paid_date') }} as date) as paid_month,
    order_date,
    due_date,
    order_status,
    order_is_cancelled,
    amount_base,
    settled_amount_base,
    receivable_base,
    applied_base,
    settled_amount_base - applied_base as unapplied_base,
    case
        when order_is_cancelled then 'cancelled_order'
        when not order_books_revenue then 'returned_order'
        when settled_amount_base - applied_base >= {{ var('receivable_settled_tolerance') }} then 'overpayment'
    end as unapplied_reason
from applied
