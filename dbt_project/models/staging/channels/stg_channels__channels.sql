-- Sales channels (渠道), one row per channel_id.
with source as (
    {{ current_raw_rows(source('raw', 'channels')) }}
),

typed as (
    select
        {{ text_col('channel_id') }} as channel_id,
        {{ text_col('channel_name') }} as channel_name,
        {{ enum_col('channel_type') }} as channel_type,
        {{ text_col('channel_subtype') }} as channel_subtype,
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
            partition by channel_id
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    channel_id,
    channel_name,
    channel_type,
    channel_subtype,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from deduplicated
where _version_rank = 1
