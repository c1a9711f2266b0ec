-- Products (产品), one row per product_id, prices converted to the base currency.
-- The version of each key in force on the as-of date (the latest when no as_of_date is set).
with versions as (
    select * from {{ ref('stg_orders__products_versions') }}
    where is_in_force
)

select
    versions.product_id,
    versions.product_name,
    versions.product_line,
    versions.category,
    versions.list_price,
    versions.unit_cost,
    versions.currency,
    {{ to_base_currency('versions.list_price', 'versions.currency', 'fx') }} as list_price_base,
    {{ to_base_currency('versions.unit_cost', 'versions.currency', 'fx') }} as unit_cost_base,
    versions.launched_at,
    versions.is_new_product,
    versions._load_id,
    versions._source_file,
    versions._row_number,
    versions._loaded_at
from versions
{%- if var('as_of_date', none) %}
-- A past as-of date prices at the rate in force then, not at a rate received later.
{{ fx_rate_interval_join('fx', 'versions.currency', "cast('" ~ var('as_of_date') ~ "' as date)") }}
{%- else %}
left join {{ ref('stg_orders__fx_rates') }} as fx
    on fx.currency = versions.currency
    and fx.valid_to is null
{%- endif %}
