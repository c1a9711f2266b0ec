{{ config(materialized='view') }}

-- Every received version of the customer accounts that history may use (one row per key and version),
-- with when each was known and until when: the source of stg_crm__accounts (the version in force on the
-- as-of date) and of the SCD2 history in core. See the docs block as_of_history.
with source as (
    {{ raw_row_versions(source('raw', 'accounts')) }}
),

typed as (
    select
        {{ text_col('account_id') }} as account_id,
        {{ text_col('account_name') }} as account_name,
        {{ text_col('industry') }} as industry,
        {{ text_col('region') }} as region,
        {{ text_col('city') }} as city,
        {{ int_col('city_tier') }} as city_tier,
        {{ enum_col('account_type') }} as account_type,
        {{ text_col('owner_rep_id') }} as owner_rep_id,
        {{ text_col('acquisition_channel_id') }} as acquisition_channel_id,
        {{ text_col('partner_id') }} as partner_id,
        {{ enum_col('credit_rating', upper=true) }} as credit_rating,
        {{ bool_col('strategic_flag') }} as strategic_flag,
        {{ int_col('demand_intensity') }} as demand_intensity,
        {{ int_col('cooperation_potential') }} as cooperation_potential,
        {{ int_col('strategic_fit') }} as strategic_fit,
        {{ text_col('contact_name') }} as contact_name,
        {{ text_col('contact_phone') }} as contact_phone,
        {{ text_col('contact_email') }} as contact_email,
        {{ timestamp_col('created_at') }} as created_at,
        {{ timestamp_col('updated_at') }} as updated_at,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['account_id'], 'updated_at') }}

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
    _loaded_at,
    _drop_date,
    _is_current_load,
    _known_from as valid_from,
    _valid_to as valid_to,
    _version_sequence as version_sequence,
    _is_in_force as is_in_force
from versions
