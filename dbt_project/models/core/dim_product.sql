-- Products (产品) and product lines, one row per product, prices in the base currency.
select
    product_id,
    product_name,
    product_line,
    category,
    list_price_base,
    unit_cost_base,
    -- From the prices in their own currency: the same ratio as in the base currency, known without a rate,
    -- and not through a converted amount whose decimals differ by engine.
    case
        when list_price > 0 and unit_cost is not null
            then {{ as_double('list_price - unit_cost') }} / list_price
    end as list_margin_pct,
    launched_at,
    coalesce(is_new_product, false) as is_new_product
from {{ ref('stg_orders__products') }}
