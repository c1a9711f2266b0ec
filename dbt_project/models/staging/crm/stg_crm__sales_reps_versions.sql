{{ config(materialized='view') }}

-- Every received version of the sales reps that history may use (one row per key and version),
-- with when each was known and until when: the source of stg_crm__sales_reps (the version in force on the
-- as-of date) and of the SCD2 history in core. See the docs block as_of_history.
with source as (
    {{ raw_row_versions(source('raw', 'sales_reps')) }}
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
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['rep_id']) }}

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
    _loaded_at,
    _drop_date,
    _is_current_load,
    _known_from as valid_from,
    _valid_to as valid_to,
    _version_sequence as version_sequence,
    _is_in_force as is_in_force
from versions
