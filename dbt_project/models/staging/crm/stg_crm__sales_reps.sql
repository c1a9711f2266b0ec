-- Sales reps (销售代表), one row per rep_id.
with source as (
    {{ current_raw_rows(source('raw', 'sales_reps')) }}
),

typed as (
    select
        {{ text_col('rep_id') }} as rep_id,
        {{ text_col('rep_name') }} as rep_name,
        {{ text_col('email') }} as email,
        {{ text_col('team_id') }} as team_id,
        {{ text_col('manager_rep_id') }} as manager_rep_id,
        {{ enum_col('role') }} as role,
        {{ text_col('region') }} as region,
        {{ date_col('hire_date') }} as hire_date,
        {{ date_col('termination_date') }} as termination_date,
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
            partition by rep_id
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    rep_id,
    rep_name,
    email,
    team_id,
    manager_rep_id,
    role,
    region,
    hire_date,
    termination_date,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from deduplicated
where _version_rank = 1
