-- Channel partners (经销商 / 代理商), one row per partner_id.
with source as (
    {{ current_raw_rows(source('raw', 'partners')) }}
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
        _drop_date
    from source
),

deduplicated as (
    select
        typed.*,
        row_number() over (
            partition by partner_id
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
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
from deduplicated
where _version_rank = 1
