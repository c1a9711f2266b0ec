-- Opportunities (销售机会 / 商机), one row per opportunity_id, amount converted to the base currency.
-- The version of each key in force on the as-of date (the latest when no as_of_date is set).
with versions as (
    select * from {{ ref('stg_crm__opportunities_versions') }}
    where is_in_force
)

select
    versions.opportunity_id,
    account_id,
    lead_id,
    rep_id,
    channel_id,
    partner_id,
    product_id,
    created_at,
    stage,
    status,
    amount,
    versions.currency,
    {{ to_base_currency('amount', 'versions.currency', 'fx') }} as amount_base,
    expected_close_date,
    closed_at,
    lost_reason,
    checklist_c,
    checklist_f,
    checklist_w,
    updated_at,
    versions._load_id,
    versions._source_file,
    versions._row_number,
    versions._loaded_at
from versions
{{ fx_rate_join('fx', 'versions.currency', 'cast(coalesce(versions.closed_at, versions.created_at) as date)') }}
