-- Opportunities (销售机会 / 商机), one row per opportunity_id, amount converted to the base currency.
with source as (
    {{ current_raw_rows(source('raw', 'opportunities')) }}
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
        _drop_date
    from source
),

deduplicated as (
    select
        typed.*,
        row_number() over (
            partition by opportunity_id
            order by {{ latest_version_order('updated_at') }}
        ) as _version_rank
    from typed
)

select
    deduplicated.opportunity_id,
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
    deduplicated.currency,
    {{ to_base_currency('amount', 'deduplicated.currency', 'fx') }} as amount_base,
    expected_close_date,
    closed_at,
    lost_reason,
    checklist_c,
    checklist_f,
    checklist_w,
    updated_at,
    deduplicated._load_id,
    deduplicated._source_file,
    deduplicated._row_number,
    deduplicated._loaded_at
from deduplicated
{{ fx_rate_join('fx', 'deduplicated.currency', 'cast(coalesce(deduplicated.closed_at, deduplicated.created_at) as date)') }}
where deduplicated._version_rank = 1
