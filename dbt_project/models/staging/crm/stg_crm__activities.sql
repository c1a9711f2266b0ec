-- Rep activities (拜访 / 联系记录), one row per activity_id.
with source as (
    {{ current_raw_rows(source('raw', 'activities')) }}
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
        _drop_date
    from source
),

deduplicated as (
    select
        typed.*,
        row_number() over (
            partition by activity_id
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

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
from deduplicated
where _version_rank = 1
