-- Quota rows as given, keyed for matching: period_start snapped to the first day of its grain and
-- owner_key = '*' for the company level (whose owner_id the contract leaves empty).
select
    level,
    case when level = 'company' then cast(null as {{ dbt.type_string() }}) else owner_id end as owner_id,
    case when level = 'company' then '*' else owner_id end as owner_key,
    metric,
    period_grain,
    case period_grain
        when 'year' then cast({{ dbt.date_trunc('year', 'period_start') }} as date)
        when 'quarter' then cast({{ dbt.date_trunc('quarter', 'period_start') }} as date)
        else cast({{ dbt.date_trunc('month', 'period_start') }} as date)
    end as period_start,
    target_value
from {{ ref('stg_targets__quotas') }}
where period_start is not null
  and target_value is not null
  and (level = 'company' or owner_id is not null)
