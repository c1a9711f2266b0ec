-- Target attainment (目标达成率 / 销售达成率): one row per level × owner × metric × period (month, quarter,
-- year) that has a target and has started by the as-of date. attainment = actual ÷ target; the open
-- period's actual is to date (MTD / QTD / YTD), with linear pacing and a run-rate forecast. A team's
-- actual is its whole subtree (every team below it, any depth, plus its own direct reps).
{%- set edges = var('attainment_band_edges') %}
{#- Band labels from the edges, e.g. [0.8, 1.0, 1.5] → <80%, 80-100%, 100-150%, >=150%. -#}
{%- set labels = [] %}
{%- for edge in edges %}
    {%- if loop.first %}
        {%- do labels.append('<' ~ ((edge * 100) | round | int) ~ '%') %}
    {%- else %}
        {%- do labels.append(((edges[loop.index0 - 1] * 100) | round | int) ~ '-' ~ ((edge * 100) | round | int) ~ '%') %}
    {%- endif %}
{%- endfor %}
{%- do labels.append('>=' ~ ((edges[-1] * 100) | round | int) ~ '%') %}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

targets as (
    select targets.*
    from {{ ref('int_quota__period_targets') }} as targets
    cross join as_of
    where targets.period_start <= as_of.as_of_date
),

actuals as (
    select * from {{ ref('int_quota__actuals_daily') }}
),

windows as (
    select
        targets.*,
        as_of.as_of_date,
        cast({{ dbt.date_trunc('year', 'targets.period_start') }} as date) as year_start,
        case when targets.period_end < as_of.as_of_date then targets.period_end else as_of.as_of_date end as to_date_end,
        case when targets.period_end > as_of.as_of_date then true else false end as is_open_period
    from targets
    cross join as_of
),

period_actuals as (
    select
        windows.level,
        windows.owner_key,
        windows.metric,
        windows.period_grain,
        windows.period_start,
        sum(case when actuals.activity_date >= windows.period_start then actuals.actual_value else 0 end) as actual_value,
        sum(actuals.actual_value) as ytd_actual_value
    from windows
    inner join actuals
        on actuals.level = windows.level
        and actuals.owner_key = windows.owner_key
        and actuals.metric = windows.metric
        and actuals.activity_date >= windows.year_start
        and actuals.activity_date <= windows.to_date_end
    group by windows.level, windows.owner_key, windows.metric, windows.period_grain, windows.period_start
),

ytd_targets as (
    select
        windows.level,
        windows.owner_key,
        windows.metric,
        windows.period_grain,
        windows.period_start,
        sum(months.target_value) as ytd_target_value
    from windows
    inner join {{ ref('fct_quota') }} as months
        on months.level = windows.level
        and coalesce(months.owner_id, '*') = windows.owner_key
        and months.metric = windows.metric
        and months.month_start >= windows.year_start
        and months.month_start <= windows.period_end
    group by windows.level, windows.owner_key, windows.metric, windows.period_grain, windows.period_start
),

-- Whether each metric's inputs had rows: without them its actual is unknown (null), not 0.
metric_inputs as (
    {%- for metric, inputs in quota_metric_inputs().items() %}
    select
        cast('{{ metric }}' as {{ dbt.type_string() }}) as metric,
        case when {{ inputs_have_rows(inputs) }} then 1 else 0 end as has_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

measured as (
    select
        windows.*,
        -- A metric missing from quota_metric_inputs() has no known inputs either: null, never 0.
        case when metric_inputs.has_rows = 1 then coalesce(period_actuals.actual_value, 0) end as actual_value,
        case when metric_inputs.has_rows = 1 then coalesce(period_actuals.ytd_actual_value, 0) end as ytd_actual_value,
        ytd_targets.ytd_target_value,
        {{ dbt.datediff('windows.period_start', 'windows.period_end', 'day') }} + 1 as period_days,
        {{ dbt.datediff('windows.period_start', 'windows.to_date_end', 'day') }} + 1 as elapsed_days
    from windows
    left join period_actuals
        on period_actuals.level = windows.level
        and period_actuals.owner_key = windows.owner_key
        and period_actuals.metric = windows.metric
        and period_actuals.period_grain = windows.period_grain
        and period_actuals.period_start = windows.period_start
    left join ytd_targets
        on ytd_targets.level = windows.level
        and ytd_targets.owner_key = windows.owner_key
        and ytd_targets.metric = windows.metric
        and ytd_targets.period_grain = windows.period_grain
        and ytd_targets.period_start = windows.period_start
    left join metric_inputs
        on metric_inputs.metric = windows.metric
),

ratios as (
    select
        measured.*,
        measured.elapsed_days * 1.0 / measured.period_days as elapsed_share,
        -- The attainments as published (the numeric type's 6 places) because the bands and flags compare
        -- them: 800.16 of a 1000.20 target is 0.8, but 0.7999999999999999 as a double on DuckDB.
        cast(
            case when measured.target_value > 0 then measured.actual_value * 1.0 / measured.target_value end
            as {{ dbt.type_numeric() }}
        ) as attainment,
        -- Run-rate forecast for the open period: actual so far ÷ share of the period elapsed.
        measured.actual_value * 1.0 * measured.period_days / measured.elapsed_days as run_rate_forecast_value,
        cast(
            case
                when measured.target_value > 0
                    then measured.actual_value * 1.0 * measured.period_days / measured.elapsed_days / measured.target_value
            end as {{ dbt.type_numeric() }}
        ) as forecast_attainment
    from measured
)

select
    {{ surrogate_key(['level', 'owner_key', 'metric', 'period_grain', 'period_start']) }} as attainment_key,
    cast(as_of_date as date) as as_of_date,
    cast(level as {{ dbt.type_string() }}) as level,
    cast(owner_id as {{ dbt.type_string() }}) as owner_id,
    cast(owner_name as {{ dbt.type_string() }}) as owner_name,
    cast(case when level = 'team' then coalesce(teams.hierarchy_level, 1) end as integer) as team_hierarchy_level,
    cast(case when level = 'team' then coalesce(teams.is_leaf_team, true) end as {{ dbt.type_boolean() }}) as is_leaf_team,
    cast(metric as {{ dbt.type_string() }}) as metric,
    cast(period_grain as {{ dbt.type_string() }}) as period_grain,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(is_open_period as {{ dbt.type_boolean() }}) as is_open_period,
    cast(
        case
            when not is_open_period then null
            when period_grain = 'month' then 'MTD'
            when period_grain = 'quarter' then 'QTD'
            else 'YTD'
        end as {{ dbt.type_string() }}
    ) as to_date_label,
    cast(target_source as {{ dbt.type_string() }}) as target_source,
    cast(target_value as {{ dbt.type_numeric() }}) as target_value,
    cast(actual_value as {{ dbt.type_numeric() }}) as actual_value,
    cast(attainment as {{ dbt.type_numeric() }}) as attainment_pct,
    cast(target_value - actual_value as {{ dbt.type_numeric() }}) as gap_value,
    cast(
        case
            when attainment is null then null
            {%- for edge in edges %}
            when attainment < {{ edge }} then '{{ labels[loop.index0] }}'
            {%- endfor %}
            else '{{ labels[-1] }}'
        end as {{ dbt.type_string() }}
    ) as attainment_band,
    cast(
        case
            when attainment is null then null
            {%- for edge in edges %}
            when attainment < {{ edge }} then {{ loop.index }}
            {%- endfor %}
            else {{ edges | length + 1 }}
        end as integer
    ) as attainment_band_number,
    cast(case when actual_value is null then null when attainment >= 1 then true else false end as {{ dbt.type_boolean() }}) as is_met,
    cast(case when actual_value is null then null when attainment > 1 then true else false end as {{ dbt.type_boolean() }}) as is_over,
    cast(case when actual_value is null then null when attainment >= {{ edges[-1] }} then true else false end as {{ dbt.type_boolean() }}) as is_benchmark_150,
    cast(period_days as integer) as period_days,
    cast(elapsed_days as integer) as elapsed_days,
    cast(elapsed_share as {{ dbt.type_numeric() }}) as elapsed_share,
    cast(target_value * elapsed_share as {{ dbt.type_numeric() }}) as pacing_target_value,
    cast(
        case when target_value * elapsed_share > 0 then actual_value / (target_value * elapsed_share) end
        as {{ dbt.type_numeric() }}
    ) as pacing_attainment_pct,
    cast(run_rate_forecast_value as {{ dbt.type_numeric() }}) as run_rate_forecast_value,
    cast(forecast_attainment as {{ dbt.type_numeric() }}) as forecast_attainment_pct,
    cast(
        case
            when forecast_attainment is null then null
            {%- for edge in edges %}
            when forecast_attainment < {{ edge }} then '{{ labels[loop.index0] }}'
            {%- endfor %}
            else '{{ labels[-1] }}'
        end as {{ dbt.type_string() }}
    ) as forecast_band,
    cast(ytd_target_value as {{ dbt.type_numeric() }}) as ytd_target_value,
    cast(ytd_actual_value as {{ dbt.type_numeric() }}) as ytd_actual_value,
    cast(
        case when ytd_target_value > 0 then ytd_actual_value * 1.0 / ytd_target_value end as {{ dbt.type_numeric() }}
    ) as ytd_attainment_pct
from ratios
left join {{ ref('dim_team') }} as teams
    on teams.team_id = ratios.owner_id
    and ratios.level = 'team'
