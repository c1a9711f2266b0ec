{{ config(materialized='view') }}

-- Every received version of the order headers that history may use (one row per key and version),
-- with when each was known and until when: the source of stg_orders__orders (the version in force on the
-- as-of date) and of the SCD2 history in core. See the docs block as_of_history.
with source as (
    {{ raw_row_versions(source('raw', 'orders')) }}
),

typed as (
    select
        {{ text_col('order_id') }} as order_id,
        {{ text_col('account_id') }} as account_id,
        {{ text_col('rep_id') }} as rep_id,
        {{ text_col('channel_id') }} as channel_id,
        {{ text_col('partner_id') }} as partner_id,
        {{ text_col('opportunity_id') }} as opportunity_id,
        {{ date_col('order_date') }} as order_date,
        {{ enum_col('status') }} as status,
        upper({{ text_col('currency') }}) as currency,
        {{ int_col('payment_terms_days') }} as payment_terms_days,
        {{ date_col('due_date') }} as due_date,
        {{ timestamp_col('shipped_at') }} as shipped_at,
        {{ timestamp_col('delivered_at') }} as delivered_at,
        {{ timestamp_col('updated_at') }} as updated_at,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['order_id'], 'updated_at') }}

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
    _loaded_at,
    _drop_date,
    _is_current_load,
    _known_from as valid_from,
    _valid_to as valid_to,
    _version_sequence as version_sequence,
    _is_in_force as is_in_force
from versions
