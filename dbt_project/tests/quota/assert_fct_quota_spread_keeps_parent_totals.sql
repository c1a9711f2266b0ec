{{ config(meta={'dagster': {'ref': {'name': 'fct_quota'}}}) }}
-- Spreading a quarter or year target to months must neither lose nor invent target: for every given
-- quarter (year) target, its months in fct_quota add up to it. The one allowed exception is a parent
-- whose own finer targets already exceed it (the residual spreads as 0, domain.md §5.2 rollup DQ).
with given as (
    select
        level,
        case when level = 'company' then '*' else owner_id end as owner_key,
        metric,
        period_grain,
        case period_grain
            when 'year' then cast({{ dbt.date_trunc('year', 'period_start') }} as date)
            else cast({{ dbt.date_trunc('quarter', 'period_start') }} as date)
        end as period_start,
        target_value
    from {{ ref('stg_targets__quotas') }}
    where period_grain in ('quarter', 'year')
      and period_start is not null
      and target_value is not null
      and (level = 'company' or owner_id is not null)
),

months as (
    select
        level,
        coalesce(owner_id, '*') as owner_key,
        metric,
        quarter_start,
        year_start,
        source_grain,
        target_value
    from {{ ref('fct_quota') }}
),

compared as (
    select
        given.level,
        given.owner_key,
        given.metric,
        given.period_grain,
        given.period_start,
        given.target_value,
        sum(months.target_value) as months_total,
        -- Targets given at a finer grain inside the period (months, or quarters within a year).
        sum(
            case
                when given.period_grain = 'quarter' and months.source_grain = 'month' then months.target_value
                when given.period_grain = 'year' and months.source_grain in ('month', 'quarter') then months.target_value
                else 0
            end
        ) as finer_total,
        sum(case when months.source_grain = given.period_grain then 1 else 0 end) as spread_months
    from given
    inner join months
        on months.level = given.level
        and months.owner_key = given.owner_key
        and months.metric = given.metric
        and (
            (given.period_grain = 'quarter' and months.quarter_start = given.period_start)
            or (given.period_grain = 'year' and months.year_start = given.period_start)
        )
    group by given.level, given.owner_key, given.metric, given.period_grain, given.period_start, given.target_value
)

select *
from compared
where spread_months > 0
  and finer_total <= target_value
  and abs(months_total - target_value) > 0.01
