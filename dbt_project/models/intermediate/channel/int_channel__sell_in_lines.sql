-- Sell-in (进货): our order lines sold to channel partners (orders carrying a partner_id, domain.md
-- §1.18), non-cancelled and dated on or before the as-of date, in the base currency. Return lines
-- (negative quantity) stay in, so sums net returns off.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
)

select
    lines.order_line_key,
    lines.order_id,
    lines.line_number,
    lines.partner_id,
    lines.product_id,
    products.product_line,
    coalesce(products.is_new_product, false) as is_new_product,
    lines.account_id,
    lines.rep_id,
    lines.channel_id,
    lines.order_date,
    lines.order_month as month_start,
    cast({{ dbt.date_trunc('quarter', 'lines.order_date') }} as date) as quarter_start,
    lines.quantity,
    lines.is_return_line,
    lines.revenue_base,
    lines.cost_amount_base
from {{ ref('fct_order_lines') }} as lines
cross join as_of
left join {{ ref('dim_product') }} as products
    on products.product_id = lines.product_id
where lines.partner_id is not null
  and not lines.is_cancelled_order
  and lines.order_date <= as_of.as_of_date
