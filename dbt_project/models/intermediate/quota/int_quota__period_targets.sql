-- The target of every level × owner × metric at month, quarter and year grain. A quarter or year
-- keeps its own (native) target when one was given; otherwise it is the sum of its month targets from
-- fct_quota, but only when every month of the period has one (a partial sum would understate it).
with months as (
    select * from {{ ref('fct_quota') }}
),

native as (
    select level, owner_key, metric, period_grain, period_start, target_value
    from {{ ref('int_quota__native_targets') }}
),

month_rows as (
    select
        level,
        owner_id,
        coalesce(owner_id, '*') as owner_key,
        owner_name,
        metric,
        'month' as period_grain,
        month_start as period_start,
        target_value,
        case when source_grain = 'month' then 'native' else {{ dbt.concat(["'spread_from_'", 'source_grain']) }} end as target_source,
        1 as months_with_target
    from months
),

quarter_sums as (
    select
        level,
        owner_id,
        coalesce(owner_id, '*') as owner_key,
        max(owner_name) as owner_name,
        metric,
        quarter_start as period_start,
        sum(target_value) as target_value,
        count(*) as months_with_target
    from months
    group by level, owner_id, metric, quarter_start
),

year_sums as (
    select
        level,
        owner_id,
        coalesce(owner_id, '*') as owner_key,
        max(owner_name) as owner_name,
        metric,
        year_start as period_start,
        sum(target_value) as target_value,
        count(*) as months_with_target
    from months
    group by level, owner_id, metric, year_start
),

coarse as (
    select 'quarter' as period_grain, quarter_sums.*, 3 as months_in_period from quarter_sums
    union all
    select 'year' as period_grain, year_sums.*, 12 as months_in_period from year_sums
),

coarse_rows as (
    select
        coarse.level,
        coarse.owner_id,
        coarse.owner_key,
        coarse.owner_name,
        coarse.metric,
        coarse.period_grain,
        coarse.period_start,
        coalesce(native.target_value, coarse.target_value) as target_value,
        case when native.target_value is not null then 'native' else 'sum_of_months' end as target_source,
        coarse.months_with_target
    from coarse
    left join native
        on native.level = coarse.level
        and native.owner_key = coarse.owner_key
        and native.metric = coarse.metric
        and native.period_grain = coarse.period_grain
        and native.period_start = coarse.period_start
    where native.target_value is not null
       or coarse.months_with_target = coarse.months_in_period
),

all_rows as (
    select * from month_rows
    union all
    select * from coarse_rows
)

select
    level,
    owner_id,
    owner_key,
    owner_name,
    metric,
    period_grain,
    period_start,
    case period_grain
        when 'month' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'period_start')) }} as date)
        when 'quarter' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'period_start')) }} as date)
        else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 12, 'period_start')) }} as date)
    end as period_end,
    target_value,
    target_source,
    months_with_target
from all_rows
