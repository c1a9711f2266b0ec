-- Order headers (订单), one row per order_id.
-- The version of each key in force on the as-of date (the latest when no as_of_date is set).
with versions as (
    select * from {{ ref('stg_orders__orders_versions') }}
    where is_in_force
)

select
    order_id,
    account_id,
    rep_id,
    channel_id,
    partner_id,
    opportunity_id,
    order_date,
    status,
    currency,
    payment_terms_days,
    due_date,
    shipped_at,
    delivered_at,
    updated_at,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
