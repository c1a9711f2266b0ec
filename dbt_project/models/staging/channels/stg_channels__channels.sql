-- Sales channels (渠道), one row per channel_id.
with source as (
    {{ raw_row_versions(source('raw', 'channels')) }}
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
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['channel_id']) }}

select
    channel_id,
    channel_name,
    channel_type,
    channel_subtype,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
where _is_in_force
