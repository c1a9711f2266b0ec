-- Orders as the customer marts count them, one row per non-cancelled order. A cancelled order is
-- not a purchase and carries no money (fct_orders.revenue_base is already 0 for it), so it is left
-- out here. Returns are netted inside revenue_base (negative lines), so they reduce monetary on the
-- date of the order they belong to. An order made only of return lines is not a purchase (it does
-- not count for frequency or recency) but its negative amount still reduces monetary.
select
    orders.order_id,
    orders.account_id,
    orders.order_date,
    orders.status,
    case when orders.units_sold > 0 then true else false end as is_purchase,
    orders.revenue_base,
    orders.return_amount_base,
    orders.cost_base,
    orders.gross_margin_base,
    orders.currency,
    orders.fx_rate_to_base,
    orders.due_date
from {{ ref('fct_orders') }} as orders
where not orders.is_cancelled
