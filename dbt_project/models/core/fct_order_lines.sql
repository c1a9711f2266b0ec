-- Order lines in the base currency, one row per order line. Return lines (negative quantity)
-- carry negative amounts, so sums net returns off. Amounts of cancelled orders are kept but
-- excluded from revenue_base.
with lines as (
    select * from {{ ref('stg_orders__order_lines') }}
),

orders as (
    select * from {{ ref('stg_orders__orders') }}
),

converted as (
    select
        lines.order_id,
        lines.line_number,
        lines.product_id,
        orders.order_date,
        orders.account_id,
        orders.rep_id,
        orders.channel_id,
        orders.partner_id,
        orders.status as order_status,
        orders.currency,
        lines.quantity,
        lines.unit_price,
        coalesce(lines.discount_pct, 0) as discount_pct,
        {{ fx_rate_used('orders.currency', 'fx') }} as fx_rate_to_base,
        lines.quantity * lines.unit_price as gross_amount,
        lines.quantity * lines.unit_price * (1 - coalesce(lines.discount_pct, 0)) as net_amount,
        case
            when min(lines.quantity) over (partition by lines.order_id) < 0 then true else false
        end as order_has_return_lines
    from lines
    inner join orders
        on orders.order_id = lines.order_id
    {{ fx_rate_join('fx', 'orders.currency', 'orders.order_date') }}
)

select
    {{ surrogate_key(['converted.order_id', 'converted.line_number']) }} as order_line_key,
    converted.order_id,
    converted.line_number,
    converted.product_id,
    products.product_line,
    products.category,
    converted.order_date,
    converted.account_id,
    converted.rep_id,
    converted.channel_id,
    converted.partner_id,
    converted.order_status,
    converted.currency,
    converted.quantity,
    converted.unit_price,
    converted.discount_pct,
    case when converted.quantity < 0 then true else false end as is_return_line,
    case when converted.order_status = 'cancelled' then true else false end as is_cancelled_order,
    converted.fx_rate_to_base,
    converted.gross_amount,
    converted.net_amount,
    converted.gross_amount * converted.fx_rate_to_base as gross_amount_base,
    converted.net_amount * converted.fx_rate_to_base as net_amount_base,
    converted.quantity * products.unit_cost_base as cost_amount_base,
    -- Same revenue rule as fct_orders (macros/receivables.sql order_books_revenue): a returned order
    -- without return lines came back whole.
    case
        when {{ order_books_revenue('converted.order_status', 'converted.order_has_return_lines') }}
            then converted.net_amount * converted.fx_rate_to_base
        else 0
    end as revenue_base
from converted
left join {{ ref('dim_product') }} as products
    on products.product_id = converted.product_id
