-- Customer accounts (客户), one row per account_id.
-- The version of each key in force on the as-of date (the latest when no as_of_date is set).
with versions as (
    select * from {{ ref('stg_crm__accounts_versions') }}
    where is_in_force
)

select
    account_id,
    account_name,
    industry,
    region,
    city,
    city_tier,
    account_type,
    owner_rep_id,
    acquisition_channel_id,
    partner_id,
    credit_rating,
    strategic_flag,
    demand_intensity,
    cooperation_potential,
    strategic_fit,
    contact_name,
    contact_phone,
    contact_email,
    created_at,
    updated_at,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
