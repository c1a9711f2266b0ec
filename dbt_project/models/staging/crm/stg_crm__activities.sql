-- Rep activities (拜访 / 联系记录), one row per activity_id.
with source as (
    {{ raw_row_versions(source('raw', 'activities')) }}
),

typed as (
    select
        {{ text_col('activity_id') }} as activity_id,
        {{ text_col('rep_id') }} as rep_id,
        {{ text_col('account_id') }} as account_id,
        {{ text_col('opportunity_id') }} as opportunity_id,
        {{ enum_col('activity_type') }} as activity_type,
        {{ timestamp_col('occurred_at') }} as occurred_at,
        {{ text_col('outcome') }} as outcome,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['activity_id']) }}

select
    activity_id,
    rep_id,
    account_id,
    opportunity_id,
    activity_type,
    occurred_at,
    outcome,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
where _is_in_force
