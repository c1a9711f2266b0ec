-- Products (产品) and product lines, one row per product, prices in the base currency.
select
    product_id,
    product_name,
    product_line,
    category,
    list_price_base,
    unit_cost_base,
    case
        when list_price_base > 0 and unit_cost_base is not null
            then {{ as_double('list_price_base - unit_cost_base') }} / list_price_base
    end as list_margin_pct,
    launched_at,
    coalesce(is_new_product, false) as is_new_product
from {{ ref('stg_orders__products') }}
