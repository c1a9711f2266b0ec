-- Targets / quotas (销售目标 / 定额), one row per period_start + period_grain + level + owner_id + metric.
with source as (
    {{ current_raw_rows(source('raw', 'quotas')) }}
),

typed as (
    select
        {{ date_col('period_start') }} as period_start,
        {{ enum_col('period_grain') }} as period_grain,
        {{ enum_col('level') }} as level,
        {{ text_col('owner_id') }} as owner_id,
        {{ enum_col('metric') }} as metric,
        {{ decimal_col('target_value') }} as target_value,
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
            partition by period_start, period_grain, level, owner_id, metric
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    period_start,
    period_grain,
    level,
    owner_id,
    metric,
    target_value,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from deduplicated
where _version_rank = 1
