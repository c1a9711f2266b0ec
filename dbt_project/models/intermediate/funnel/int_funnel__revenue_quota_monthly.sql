-- Monthly revenue quota (销售目标 metric revenue) per company / team / rep. The month grain is used
-- where the quota file has it; otherwise a quarter quota ÷ 3 or a year quota ÷ 12 (an even split:
-- the file gives no monthly phasing).
with quotas as (
    select
        period_start,
        period_grain,
        level,
        case when level = 'company' then 'all' else owner_id end as slice_value,
        target_value
    from {{ ref('stg_targets__quotas') }}
    where metric = 'revenue'
      and level in ('company', 'team', 'rep')
      and period_start is not null
      and target_value is not null
),

months as (
    select date_day as month_start
    from {{ ref('dim_date') }}
    where day_of_month = 1
),

expanded as (
    select
        months.month_start,
        quotas.level as slice_type,
        quotas.slice_value,
        quotas.period_grain,
        quotas.period_start,
        case quotas.period_grain
            when 'month' then 1
            when 'quarter' then 2
            else 3
        end as grain_priority,
        case quotas.period_grain
            when 'month' then {{ as_double('quotas.target_value') }}
            when 'quarter' then {{ as_double('quotas.target_value') }} / 3
            else {{ as_double('quotas.target_value') }} / 12
        end as quota_revenue_base
    from quotas
    inner join months
        on months.month_start >= quotas.period_start
        and months.month_start < cast(
            case quotas.period_grain
                when 'month' then {{ dbt.dateadd('month', 1, 'quotas.period_start') }}
                when 'quarter' then {{ dbt.dateadd('month', 3, 'quotas.period_start') }}
                else {{ dbt.dateadd('month', 12, 'quotas.period_start') }}
            end as date
        )
    where quotas.slice_value is not null
),

ranked as (
    select
        expanded.*,
        row_number() over (
            partition by month_start, slice_type, slice_value
            order by grain_priority asc nulls last, period_start desc nulls last, quota_revenue_base desc nulls last
        ) as grain_rank
    from expanded
)

select
    month_start,
    slice_type,
    slice_value,
    period_grain as quota_source_grain,
    quota_revenue_base
from ranked
where grain_rank = 1
