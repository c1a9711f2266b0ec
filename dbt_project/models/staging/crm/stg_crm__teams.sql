-- Sales teams (团队), one row per team_id.
with source as (
    {{ raw_row_versions(source('raw', 'teams')) }}
),

typed as (
    select
        {{ text_col('team_id') }} as team_id,
        {{ text_col('team_name') }} as team_name,
        {{ text_col('parent_team_id') }} as parent_team_id,
        {{ text_col('region') }} as region,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['team_id']) }}

select
    team_id,
    team_name,
    parent_team_id,
    region,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
where _is_in_force
