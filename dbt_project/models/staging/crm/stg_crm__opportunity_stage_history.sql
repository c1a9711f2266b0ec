-- Stage entries of opportunities, one row per opportunity_id + entered_at, mapped to canonical stages.
with source as (
    {{ current_raw_rows(source('raw', 'opportunity_stage_history')) }}
),

typed as (
    select
        {{ text_col('opportunity_id') }} as opportunity_id,
        {{ text_col('stage') }} as stage,
        {{ timestamp_col('entered_at') }} as entered_at,
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
            partition by opportunity_id, entered_at
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    opportunity_id,
    stage,
    entered_at,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from deduplicated
where _version_rank = 1
