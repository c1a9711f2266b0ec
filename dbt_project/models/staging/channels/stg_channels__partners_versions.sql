{{ config(materialized='view') }}

-- Every received version of the channel partners that history may use (one row per key and version),
-- with when each was known and until when: the source of stg_channels__partners (the version in force on the
-- as-of date) and of the SCD2 history in core. See the docs block as_of_history.
with source as (
    {{ raw_row_versions(source('raw', 'partners')) }}
),

typed as (
    select
        {{ text_col('partner_id') }} as partner_id,
        {{ text_col('partner_name') }} as partner_name,
        {{ text_col('channel_id') }} as channel_id,
        {{ enum_col('tier') }} as tier,
        {{ text_col('parent_partner_id') }} as parent_partner_id,
        {{ text_col('region') }} as region,
        {{ text_col('authorized_regions') }} as authorized_regions,
        {{ date_col('contract_start') }} as contract_start,
        {{ date_col('contract_end') }} as contract_end,
        {{ int_col('staff_count') }} as staff_count,
        {{ int_col('staff_trained') }} as staff_trained,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['partner_id']) }}

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
    _loaded_at,
    _drop_date,
    _is_current_load,
    _known_from as valid_from,
    _valid_to as valid_to,
    _version_sequence as version_sequence,
    _is_in_force as is_in_force
from versions
