-- Targets / quotas (销售目标 / 定额), one row per period_start + period_grain + level + owner_id + metric.
with source as (
    {{ raw_row_versions(source('raw', 'quotas')) }}
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
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['period_start', 'period_grain', 'level', 'owner_id', 'metric']) }}

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
from versions
where _is_in_force
