-- Order headers (订单), one row per order_id.
with source as (
    {{ current_raw_rows(source('raw', 'orders')) }}
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
        _drop_date
    from source
),

deduplicated as (
    select
        typed.*,
        row_number() over (
            partition by order_id
            order by {{ latest_version_order('updated_at') }}
        ) as _version_rank
    from typed
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
from deduplicated
where _version_rank = 1
