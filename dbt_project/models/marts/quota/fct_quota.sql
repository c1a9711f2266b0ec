-- Targets (销售目标 / 定额) normalized to month grain: one row per level × owner × metric × month.
-- Spreading rule (documented in the YAML): a month keeps its own month target when one was given;
-- otherwise it gets a share of what its quarter target leaves after the quarter's own month targets;
-- otherwise a share of what the year target leaves after the year's quarter targets and the month
-- targets of quarters without one. The share is the month's workdays (Mon-Fri, dim_date) over the
-- workdays of the months sharing that residual (var quota_spread_method = workdays), or equal
-- (= even). A negative residual (children already exceed the parent) spreads as 0.
{%- set even = var('quota_spread_method') == 'even' %}
with quotas as (
    select * from {{ ref('int_quota__native_targets') }}
),

months as (
    select
        month_start,
        min(quarter_start) as quarter_start,
        min(year_start) as year_start,
        sum(case when is_workday then 1 else 0 end) as workdays
    from {{ ref('dim_date') }}
    group by month_start
),

native_month as (
    select level, owner_key, metric, period_start as month_start, target_value
    from quotas where period_grain = 'month'
),

native_quarter as (
    select level, owner_key, metric, period_start as quarter_start, target_value
    from quotas where period_grain = 'quarter'
),

native_year as (
    select level, owner_key, metric, period_start as year_start, target_value
    from quotas where period_grain = 'year'
),

entity_years as (
    select distinct
        level,
        owner_id,
        owner_key,
        metric,
        cast({{ dbt.date_trunc('year', 'period_start') }} as date) as year_start
    from quotas
),

candidates as (
    select
        entity_years.level,
        entity_years.owner_id,
        entity_years.owner_key,
        entity_years.metric,
        months.month_start,
        months.quarter_start,
        months.year_start,
        months.workdays,
        native_month.target_value as month_target,
        native_quarter.target_value as quarter_target,
        native_year.target_value as year_target,
        case
            when native_month.target_value is not null then 'month'
            when native_quarter.target_value is not null then 'quarter'
            when native_year.target_value is not null then 'year'
        end as source_grain
    from entity_years
    inner join months
        on months.year_start = entity_years.year_start
    left join native_month
        on native_month.level = entity_years.level
        and native_month.owner_key = entity_years.owner_key
        and native_month.metric = entity_years.metric
        and native_month.month_start = months.month_start
    left join native_quarter
        on native_quarter.level = entity_years.level
        and native_quarter.owner_key = entity_years.owner_key
        and native_quarter.metric = entity_years.metric
        and native_quarter.quarter_start = months.quarter_start
    left join native_year
        on native_year.level = entity_years.level
        and native_year.owner_key = entity_years.owner_key
        and native_year.metric = entity_years.metric
        and native_year.year_start = months.year_start
),

quarter_residuals as (
    select
        level,
        owner_key,
        metric,
        quarter_start,
        max(quarter_target) - sum(case when source_grain = 'month' then month_target else 0 end) as residual_value,
        sum(case when source_grain = 'quarter' then workdays else 0 end) as spread_workdays,
        sum(case when source_grain = 'quarter' then 1 else 0 end) as spread_months
    from candidates
    where quarter_target is not null
    group by level, owner_key, metric, quarter_start
),

year_quarter_totals as (
    select
        level,
        owner_key,
        metric,
        cast({{ dbt.date_trunc('year', 'quarter_start') }} as date) as year_start,
        sum(target_value) as quarter_target_total
    from native_quarter
    group by level, owner_key, metric, cast({{ dbt.date_trunc('year', 'quarter_start') }} as date)
),

year_residuals as (
    select
        candidates.level,
        candidates.owner_key,
        candidates.metric,
        candidates.year_start,
        max(candidates.year_target)
            - coalesce(max(year_quarter_totals.quarter_target_total), 0)
            - sum(
                case
                    when candidates.source_grain = 'month' and candidates.quarter_target is null
                        then candidates.month_target
                    else 0
                end
            ) as residual_value,
        sum(case when candidates.source_grain = 'year' then candidates.workdays else 0 end) as spread_workdays,
        sum(case when candidates.source_grain = 'year' then 1 else 0 end) as spread_months
    from candidates
    left join year_quarter_totals
        on year_quarter_totals.level = candidates.level
        and year_quarter_totals.owner_key = candidates.owner_key
        and year_quarter_totals.metric = candidates.metric
        and year_quarter_totals.year_start = candidates.year_start
    where candidates.year_target is not null
    group by candidates.level, candidates.owner_key, candidates.metric, candidates.year_start
),

resolved as (
    select
        candidates.level,
        candidates.owner_id,
        candidates.owner_key,
        candidates.metric,
        candidates.month_start,
        candidates.quarter_start,
        candidates.year_start,
        candidates.workdays,
        candidates.source_grain,
        case candidates.source_grain
            when 'month' then candidates.month_start
            when 'quarter' then candidates.quarter_start
            else candidates.year_start
        end as source_period_start,
        case candidates.source_grain
            when 'month' then candidates.month_target
            when 'quarter' then candidates.quarter_target
            else candidates.year_target
        end as source_target_value,
        case candidates.source_grain
            when 'quarter' then greatest(quarter_residuals.residual_value, 0)
            when 'year' then greatest(year_residuals.residual_value, 0)
        end as spread_residual_value,
        case candidates.source_grain
            when 'month' then 1.0
            {%- if even %}
            when 'quarter' then 1.0 / quarter_residuals.spread_months
            when 'year' then 1.0 / year_residuals.spread_months
            {%- else %}
            when 'quarter' then
                case
                    when quarter_residuals.spread_workdays > 0
                        then candidates.workdays * 1.0 / quarter_residuals.spread_workdays
                    else 1.0 / quarter_residuals.spread_months
                end
            when 'year' then
                case
                    when year_residuals.spread_workdays > 0
                        then candidates.workdays * 1.0 / year_residuals.spread_workdays
                    else 1.0 / year_residuals.spread_months
                end
            {%- endif %}
        end as spread_share
    from candidates
    left join quarter_residuals
        on quarter_residuals.level = candidates.level
        and quarter_residuals.owner_key = candidates.owner_key
        and quarter_residuals.metric = candidates.metric
        and quarter_residuals.quarter_start = candidates.quarter_start
    left join year_residuals
        on year_residuals.level = candidates.level
        and year_residuals.owner_key = candidates.owner_key
        and year_residuals.metric = candidates.metric
        and year_residuals.year_start = candidates.year_start
    where candidates.source_grain is not null
),

owners as (
    select 'team' as level, team_id as owner_id, team_name as owner_name from {{ ref('dim_team') }}
    union all
    select 'rep' as level, rep_id as owner_id, rep_name as owner_name from {{ ref('dim_rep') }}
    union all
    select 'channel' as level, channel_id as owner_id, channel_name as owner_name from {{ ref('dim_channel') }}
    union all
    select 'partner' as level, partner_id as owner_id, partner_name as owner_name from {{ ref('dim_partner') }}
)

select
    {{ surrogate_key(['resolved.level', 'resolved.owner_key', 'resolved.metric', 'resolved.month_start']) }} as quota_month_key,
    cast(resolved.level as {{ dbt.type_string() }}) as level,
    cast(resolved.owner_id as {{ dbt.type_string() }}) as owner_id,
    cast(
        case
            when resolved.level = 'company' then 'Company'
            when resolved.level = 'region' then resolved.owner_id
            else owners.owner_name
        end as {{ dbt.type_string() }}
    ) as owner_name,
    cast(resolved.metric as {{ dbt.type_string() }}) as metric,
    cast(resolved.month_start as date) as month_start,
    cast(resolved.quarter_start as date) as quarter_start,
    cast(resolved.year_start as date) as year_start,
    cast(resolved.workdays as {{ dbt.type_bigint() }}) as month_workdays,
    cast(
        case
            when resolved.source_grain = 'month' then resolved.source_target_value
            else resolved.spread_residual_value * resolved.spread_share
        end as {{ dbt.type_numeric() }}
    ) as target_value,
    cast(resolved.source_grain as {{ dbt.type_string() }}) as source_grain,
    cast(resolved.source_period_start as date) as source_period_start,
    cast(resolved.source_target_value as {{ dbt.type_numeric() }}) as source_target_value,
    cast(resolved.spread_residual_value as {{ dbt.type_numeric() }}) as spread_residual_value,
    cast(resolved.spread_share as {{ dbt.type_numeric() }}) as spread_share,
    cast('{{ var("quota_spread_method") }}' as {{ dbt.type_string() }}) as spread_method
from resolved
left join owners
    on owners.level = resolved.level
    and owners.owner_id = resolved.owner_id
