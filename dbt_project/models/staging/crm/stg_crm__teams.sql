-- Sales teams (团队), one row per team_id.
with source as (
    {{ current_raw_rows(source('raw', 'teams')) }}
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
        _drop_date
    from source
),

deduplicated as (
    select
        typed.*,
        row_number() over (
            partition by team_id
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    team_id,
    team_name,
    parent_team_id,
    region,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from deduplicated
where _version_rank = 1
