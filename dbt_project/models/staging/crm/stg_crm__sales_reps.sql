-- Sales reps (销售代表), one row per rep_id.
-- The version of each key in force on the as-of date (the latest when no as_of_date is set).
with versions as (
    select * from {{ ref('stg_crm__sales_reps_versions') }}
    where is_in_force
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
from versions
