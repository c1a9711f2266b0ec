-- Stage entries of opportunities, one row per opportunity_id + entered_at, mapped to canonical stages.
with source as (
    {{ raw_row_versions(source('raw', 'opportunity_stage_history')) }}
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
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['opportunity_id', 'entered_at']) }}

select
    opportunity_id,
    stage,
    entered_at,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
where _is_in_force
