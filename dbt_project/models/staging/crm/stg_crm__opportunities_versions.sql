{{ config(materialized='view') }}

-- Every received version of the opportunities that history may use (one row per key and version),
-- with when each was known and until when: the source of stg_crm__opportunities (the version in force on the
-- as-of date) and of the SCD2 history in core. See the docs block as_of_history.
with source as (
    {{ raw_row_versions(source('raw', 'opportunities')) }}
),

typed as (
    select
        {{ text_col('opportunity_id') }} as opportunity_id,
        {{ text_col('account_id') }} as account_id,
        {{ text_col('lead_id') }} as lead_id,
        {{ text_col('rep_id') }} as rep_id,
        {{ text_col('channel_id') }} as channel_id,
        {{ text_col('partner_id') }} as partner_id,
        {{ text_col('product_id') }} as product_id,
        {{ timestamp_col('created_at') }} as created_at,
        {{ text_col('stage') }} as stage,
        {{ enum_col('status') }} as status,
        {{ decimal_col('amount') }} as amount,
        upper({{ text_col('currency') }}) as currency,
        {{ date_col('expected_close_date') }} as expected_close_date,
        {{ timestamp_col('closed_at') }} as closed_at,
        {{ text_col('lost_reason') }} as lost_reason,
        {{ int_col('checklist_c') }} as checklist_c,
        {{ int_col('checklist_f') }} as checklist_f,
        {{ int_col('checklist_w') }} as checklist_w,
        {{ timestamp_col('updated_at') }} as updated_at,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['opportunity_id'], 'updated_at') }}

select
    opportunity_id,
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
    currency,
    expected_close_date,
    closed_at,
    lost_reason,
    checklist_c,
    checklist_f,
    checklist_w,
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
