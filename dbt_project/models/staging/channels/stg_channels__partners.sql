-- Channel partners (经销商 / 代理商), one row per partner_id.
-- The version of each key in force on the as-of date (the latest when no as_of_date is set).
with versions as (
    select * from {{ ref('stg_channels__partners_versions') }}
    where is_in_force
)

select
    partner_id,
    partner_name,
    channel_id,
    tier,
    parent_partner_id,
    region,
    authorized_regions,
    contract_start,
    contract_end,
    staff_count,
    staff_trained,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
