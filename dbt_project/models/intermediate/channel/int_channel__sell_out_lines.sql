-- Sell-out (动销): partner sales to end customers, one row per received line, sold on or before the
-- as-of date. partner_sell_out has no currency column: unit prices are taken to be in the base
-- currency (documented assumption, data-contract v1). The line key is the raw row identity (load +
-- row number) because the contract gives sell-out no primary key.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
)

select
    {{ surrogate_key(['sell_out._load_id', 'sell_out._row_number']) }} as sell_out_line_key,
    sell_out.partner_id,
    sell_out.product_id,
    sell_out.sold_on,
    cast({{ dbt.date_trunc('month', 'sell_out.sold_on') }} as date) as month_start,
    cast({{ dbt.date_trunc('quarter', 'sell_out.sold_on') }} as date) as quarter_start,
    sell_out.quantity,
    sell_out.unit_price as unit_price_base,
    sell_out.quantity * sell_out.unit_price as amount_base,
    sell_out.end_customer_region,
    sell_out.serial_no,
    sell_out._source_file,
    sell_out._row_number
from {{ ref('stg_channels__partner_sell_out') }} as sell_out
cross join as_of
where sell_out.sold_on <= as_of.as_of_date
  and sell_out.partner_id is not null
  and sell_out.product_id is not null
  and sell_out.quantity is not null
