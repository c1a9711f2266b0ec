-- Rep scorecard (销售绩效考核体系, [000], domain.md §5.5): one row per rep (role 'rep') × month and ×
-- quarter while employed, from the first month with orders or activities to the as-of date.
--   result      销售额 revenue, 回款额 collections, 新客户数 new customers
--   process     拜访次数 visits, 方案数 proposals, 报价数 quotes
--   capability  no skill assessments in the contract: proxies win_rate (won ÷ closed deals, 销售技能)
--               and product_line_breadth (product lines sold, 产品知识)
-- Indicator score = 100 × min(actual ÷ reference, score_cap). Reference = the rep's target for the
-- period (pro-rated to date in the open period, mart_quota_attainment.pacing_target_value) for the
-- result indicators when one exists, else the average of the reps in the period. Category and total
-- scores are weighted means (seed rep_scorecard_weights: 65/25/10 by default) over the indicators
-- and categories that have a score.
-- Ranks: rank_overall among all reps; rank_in_team among the reps attached to the rep's own team;
-- rank_in_top_team among every rep of the rep's top-level team tree (dim_team.top_team_id, domain.md
-- §5.2), so a rep of a child team is also ranked against the whole organisation above it. A team id
-- unknown to dim_team is its own top-level team.
{%- set indicators = ['revenue', 'collections', 'new_customers', 'visits', 'proposals', 'quotes', 'win_rate', 'product_line_breadth'] %}
{#- The files each counted indicator comes from: without rows in one of them the actual is null (unknown), not
    0, and the indicator drops out of the weighted means like one without a reference. A win rate without
    closed deals is null already. -#}
{%- set indicator_inputs = quota_metric_inputs() %}
{%- do indicator_inputs.update({
    'visits': ['activities'], 'proposals': ['activities'], 'quotes': ['activities'],
    'product_line_breadth': ['orders', 'order_lines'],
}) %}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

weights as (
    select * from {{ ref('rep_scorecard_weights') }}
),

activity_months as (
    select * from {{ ref('mart_rep_activity') }} where period_grain = 'month'
),

first_month as (
    select min(month_start) as month_start
    from (
        select cast({{ dbt.date_trunc('month', 'min(order_date)') }} as date) as month_start from {{ ref('fct_orders') }}
        union all
        select min(period_start) as month_start from activity_months
    ) as starts
),

months as (
    select
        dim_date.month_start,
        max(dim_date.month_end) as month_end,
        min(dim_date.quarter_start) as quarter_start
    from {{ ref('dim_date') }} as dim_date
    cross join as_of
    cross join first_month
    where dim_date.month_start >= first_month.month_start
      and dim_date.month_start <= as_of.as_of_date
    group by dim_date.month_start
),

periods as (
    select distinct
        'month' as period_grain,
        months.month_start as period_start,
        months.month_end as period_end
    from months
    union all
    select distinct
        'quarter' as period_grain,
        months.quarter_start as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'months.quarter_start')) }} as date) as period_end
    from months
),

period_windows as (
    select
        periods.*,
        case when periods.period_end < as_of.as_of_date then periods.period_end else as_of.as_of_date end as to_date_end,
        case when periods.period_end > as_of.as_of_date then true else false end as is_open_period
    from periods
    cross join as_of
),

roster as (
    select
        reps.rep_id,
        reps.rep_name,
        reps.team_id,
        period_windows.period_grain,
        period_windows.period_start,
        period_windows.period_end,
        period_windows.to_date_end,
        period_windows.is_open_period
    from {{ ref('dim_rep') }} as reps
    cross join period_windows
    where coalesce(reps.role, 'rep') = 'rep'
      and (reps.hire_date is null or reps.hire_date <= period_windows.to_date_end)
      and (reps.termination_date is null or reps.termination_date >= period_windows.period_start)
),

result_actuals as (
    select
        roster.rep_id,
        roster.period_grain,
        roster.period_start,
        actuals.metric as indicator,
        sum(actuals.actual_value) as actual_value
    from roster
    inner join {{ ref('int_quota__actuals_daily') }} as actuals
        on actuals.level = 'rep'
        and actuals.owner_id = roster.rep_id
        and actuals.metric in ('revenue', 'collections', 'new_customers')
        and actuals.activity_date >= roster.period_start
        and actuals.activity_date <= roster.to_date_end
    group by roster.rep_id, roster.period_grain, roster.period_start, actuals.metric
),

process_actuals as (
    select
        roster.rep_id,
        roster.period_grain,
        roster.period_start,
        sum(activity_months.visits) as visits,
        sum(activity_months.proposals) as proposals,
        sum(activity_months.quotes) as quotes
    from roster
    inner join activity_months
        on activity_months.rep_id = roster.rep_id
        and activity_months.period_start >= roster.period_start
        and activity_months.period_start <= roster.period_end
    group by roster.rep_id, roster.period_grain, roster.period_start
),

win_rates as (
    select
        roster.rep_id,
        roster.period_grain,
        roster.period_start,
        sum(case when opportunities.is_won then 1 else 0 end) * 1.0 / count(*) as win_rate
    from roster
    inner join {{ ref('fct_opportunities') }} as opportunities
        on opportunities.rep_id = roster.rep_id
        and (opportunities.is_won or opportunities.is_lost)
        and opportunities.closed_date >= roster.period_start
        and opportunities.closed_date <= roster.to_date_end
    group by roster.rep_id, roster.period_grain, roster.period_start
),

rep_day_lines as (
    -- Reduced to rep × day × product line first: order lines can run to millions.
    select distinct lines.rep_id, lines.order_date, lines.product_line
    from {{ ref('fct_order_lines') }} as lines
    cross join as_of
    where not lines.is_cancelled_order
      and lines.quantity > 0
      and lines.rep_id is not null
      and lines.order_date <= as_of.as_of_date
),

breadth as (
    select
        roster.rep_id,
        roster.period_grain,
        roster.period_start,
        count(distinct rep_day_lines.product_line) as product_line_breadth
    from roster
    inner join rep_day_lines
        on rep_day_lines.rep_id = roster.rep_id
        and rep_day_lines.order_date >= roster.period_start
        and rep_day_lines.order_date <= roster.to_date_end
    group by roster.rep_id, roster.period_grain, roster.period_start
),

values_long as (
    select
        roster.rep_id,
        roster.period_grain,
        roster.period_start,
        weights.category,
        weights.category_weight,
        weights.indicator,
        weights.indicator_weight,
        weights.score_cap,
        case weights.indicator
            when 'revenue' then {{ when_inputs_have_rows(indicator_inputs['revenue'], 'coalesce(revenue.actual_value, 0)') }}
            when 'collections' then {{ when_inputs_have_rows(indicator_inputs['collections'], 'coalesce(collections.actual_value, 0)') }}
            when 'new_customers' then {{ when_inputs_have_rows(indicator_inputs['new_customers'], 'coalesce(new_customers.actual_value, 0)') }}
            when 'visits' then {{ when_inputs_have_rows(indicator_inputs['visits'], 'coalesce(process_actuals.visits, 0)') }}
            when 'proposals' then {{ when_inputs_have_rows(indicator_inputs['proposals'], 'coalesce(process_actuals.proposals, 0)') }}
            when 'quotes' then {{ when_inputs_have_rows(indicator_inputs['quotes'], 'coalesce(process_actuals.quotes, 0)') }}
            when 'win_rate' then win_rates.win_rate
            when 'product_line_breadth' then {{ when_inputs_have_rows(indicator_inputs['product_line_breadth'], 'coalesce(breadth.product_line_breadth, 0)') }}
        end as actual_value,
        case when targets.pacing_target_value > 0 then targets.pacing_target_value end as target_value
    from roster
    cross join weights
    left join result_actuals as revenue
        on revenue.rep_id = roster.rep_id and revenue.period_grain = roster.period_grain
        and revenue.period_start = roster.period_start and revenue.indicator = 'revenue'
    left join result_actuals as collections
        on collections.rep_id = roster.rep_id and collections.period_grain = roster.period_grain
        and collections.period_start = roster.period_start and collections.indicator = 'collections'
    left join result_actuals as new_customers
        on new_customers.rep_id = roster.rep_id and new_customers.period_grain = roster.period_grain
        and new_customers.period_start = roster.period_start and new_customers.indicator = 'new_customers'
    left join process_actuals
        on process_actuals.rep_id = roster.rep_id and process_actuals.period_grain = roster.period_grain
        and process_actuals.period_start = roster.period_start
    left join win_rates
        on win_rates.rep_id = roster.rep_id and win_rates.period_grain = roster.period_grain
        and win_rates.period_start = roster.period_start
    left join breadth
        on breadth.rep_id = roster.rep_id and breadth.period_grain = roster.period_grain
        and breadth.period_start = roster.period_start
    left join {{ ref('mart_quota_attainment') }} as targets
        on targets.level = 'rep'
        and targets.owner_id = roster.rep_id
        and targets.metric = weights.indicator
        and targets.period_grain = roster.period_grain
        and targets.period_start = roster.period_start
),

referenced as (
    select
        values_long.*,
        avg(values_long.actual_value) over (
            partition by values_long.period_grain, values_long.period_start, values_long.indicator
        ) as peer_average_value
    from values_long
),

scored as (
    select
        referenced.*,
        coalesce(referenced.target_value, case when referenced.peer_average_value > 0 then referenced.peer_average_value end) as reference_value,
        case when referenced.target_value is not null then 'target' else 'peer_average' end as reference_basis
    from referenced
),

indicator_scores as (
    select
        scored.*,
        case
            when scored.actual_value is null or scored.reference_value is null then null
            when scored.actual_value / scored.reference_value > scored.score_cap then 100.0 * scored.score_cap
            when scored.actual_value < 0 then 0.0
            else 100.0 * scored.actual_value / scored.reference_value
        end as indicator_score
    from scored
),

category_scores as (
    select
        rep_id,
        period_grain,
        period_start,
        category,
        max(category_weight) as category_weight,
        case
            when sum(case when indicator_score is not null then indicator_weight else 0 end) > 0
                then sum(case when indicator_score is not null then indicator_weight * indicator_score else 0 end)
                    / sum(case when indicator_score is not null then indicator_weight else 0 end)
        end as category_score
    from indicator_scores
    group by rep_id, period_grain, period_start, category
),

totals as (
    select
        rep_id,
        period_grain,
        period_start,
        -- As published (the numeric type's 6 places) because the ranks order by it: reps whose scores are
        -- equal must share a rank, and a weighted mean of doubles differs in its last digits with the order
        -- the sums were added up in (between engines and between DuckDB runs).
        cast(
            case
                when sum(case when category_score is not null then category_weight else 0 end) > 0
                    then sum(case when category_score is not null then category_weight * category_score else 0 end)
                        / sum(case when category_score is not null then category_weight else 0 end)
            end as {{ dbt.type_numeric() }}
        ) as total_score,
        max(case when category = 'result' then category_score end) as result_score,
        max(case when category = 'process' then category_score end) as process_score,
        max(case when category = 'capability' then category_score end) as capability_score,
        max(case when category = 'result' then category_weight end) as result_weight,
        max(case when category = 'process' then category_weight end) as process_weight,
        max(case when category = 'capability' then category_weight end) as capability_weight
    from category_scores
    group by rep_id, period_grain, period_start
),

wide as (
    select
        rep_id,
        period_grain,
        period_start,
        {%- for indicator in indicators %}
        max(case when indicator = '{{ indicator }}' then actual_value end) as {{ indicator }}_actual,
        max(case when indicator = '{{ indicator }}' then indicator_score end) as {{ indicator }}_score,
        {%- endfor %}
        max(case when indicator = 'revenue' then reference_basis end) as revenue_reference_basis
    from indicator_scores
    group by rep_id, period_grain, period_start
)

select
    {{ surrogate_key(['roster.rep_id', 'roster.period_grain', 'roster.period_start']) }} as rep_scorecard_key,
    cast(roster.rep_id as {{ dbt.type_string() }}) as rep_id,
    cast(roster.rep_name as {{ dbt.type_string() }}) as rep_name,
    cast(roster.team_id as {{ dbt.type_string() }}) as team_id,
    cast(teams.top_team_id as {{ dbt.type_string() }}) as top_team_id,
    cast(teams.team_path as {{ dbt.type_string() }}) as team_path,
    cast(roster.period_grain as {{ dbt.type_string() }}) as period_grain,
    cast(roster.period_start as date) as period_start,
    cast(roster.period_end as date) as period_end,
    cast(roster.is_open_period as {{ dbt.type_boolean() }}) as is_open_period,
    {%- for indicator in indicators %}
    cast(wide.{{ indicator }}_actual as {{ dbt.type_numeric() }}) as {{ indicator }}_actual,
    cast(wide.{{ indicator }}_score as {{ dbt.type_numeric() }}) as {{ indicator }}_score,
    {%- endfor %}
    cast(wide.revenue_reference_basis as {{ dbt.type_string() }}) as revenue_reference_basis,
    cast(totals.result_weight as {{ dbt.type_numeric() }}) as result_weight,
    cast(totals.process_weight as {{ dbt.type_numeric() }}) as process_weight,
    cast(totals.capability_weight as {{ dbt.type_numeric() }}) as capability_weight,
    cast(totals.result_score as {{ dbt.type_numeric() }}) as result_score,
    cast(totals.process_score as {{ dbt.type_numeric() }}) as process_score,
    cast(totals.capability_score as {{ dbt.type_numeric() }}) as capability_score,
    cast(totals.total_score as {{ dbt.type_numeric() }}) as total_score,
    cast(
        rank() over (
            partition by roster.period_grain, roster.period_start
            order by totals.total_score desc nulls last
        ) as integer
    ) as rank_overall,
    cast(
        rank() over (
            partition by roster.period_grain, roster.period_start, roster.team_id
            order by totals.total_score desc nulls last
        ) as integer
    ) as rank_in_team,
    cast(
        rank() over (
            partition by roster.period_grain, roster.period_start, coalesce(teams.top_team_id, roster.team_id)
            order by totals.total_score desc nulls last
        ) as integer
    ) as rank_in_top_team
from roster
left join wide
    on wide.rep_id = roster.rep_id
    and wide.period_grain = roster.period_grain
    and wide.period_start = roster.period_start
left join totals
    on totals.rep_id = roster.rep_id
    and totals.period_grain = roster.period_grain
    and totals.period_start = roster.period_start
left join {{ ref('dim_team') }} as teams
    on teams.team_id = roster.team_id
