-- Sales funnel (销售漏斗) by entry cohort: month × stage × slice, with the count funnel and the amount
-- funnel, stage conversion (转化率) and leakage (流失率), domain.md §2.4.
--
-- Rules (PROJECT CHOICE where the source gives none):
--   * A deal "reaches" stage s when it enters s or any later open/won stage; a skipped stage counts
--     as passed through. Its cohort month is the month it first reached s.
--   * Each deal is counted once per stage and sits at its furthest stage: it "advanced" from s when
--     it reached a later stage, it "leaked" (lost) at s when it was lost with s as its furthest
--     stage, it is "open" at s while still tracked (状态为跟踪) with s as its furthest stage. So for
--     open stages entered = advanced + lost + open; won counts the cohort deals that ended won.
--   * Status and stages are as of the as-of date.
--   * slice_type team is the team's whole subtree (dim_team_hierarchy, domain.md §5.2): a parent team's
--     cohort holds its child teams' deals and its own, and its rates are ratios of those subtree
--     counts, never means of the child teams' rates. team_direct holds only the team's own deals; the
--     team_direct rows, not the team rows, add up to the company.
--   * conversion_rate is the spec's conv(s→s+1) = reached a later stage ÷ reached s (domain.md §2.4),
--     which still counts open deals in the denominator, so a young cohort looks worse than it is.
--     The closed-cohort rates keep only the cohort deals closed won or lost by the as-of date
--     (§2.4 leakage "for closed cohorts"; 赢单率 = won ÷ (won + lost), §2.4 and §2.2).
with opportunities as (
    select * from {{ ref('int_funnel__opportunities') }}
),

entries as (
    select * from {{ ref('int_funnel__stage_entries') }}
),

stages as (
    select stage_code, stage_order, stage_name_zh, is_open_stage
    from {{ ref('stages') }}
    where not is_lost_stage
),

reached as (
    select
        entries.opportunity_id,
        stages.stage_code,
        stages.stage_order,
        stages.stage_name_zh,
        stages.is_open_stage,
        min(entries.entered_at) as reached_at,
        max(case when entries.stage_code = stages.stage_code then 1 else 0 end) as was_entered
    from entries
    inner join stages
        on entries.stage_order >= stages.stage_order
    where entries.outcome_class <> 'lost'
    group by entries.opportunity_id, stages.stage_code, stages.stage_order, stages.stage_name_zh, stages.is_open_stage
),

cohort as (
    select
        cast({{ dbt.date_trunc('month', 'reached.reached_at') }} as date) as cohort_month,
        reached.stage_code,
        reached.stage_order,
        reached.stage_name_zh,
        reached.is_open_stage,
        reached.opportunity_id,
        reached.was_entered,
        coalesce(opportunities.amount_base, 0) as amount_base,
        case when opportunities.furthest_stage_order > reached.stage_order then 1 else 0 end as is_advanced,
        case when opportunities.status_as_of = 'won' then 1 else 0 end as is_won,
        case
            when opportunities.status_as_of = 'lost' and opportunities.furthest_stage_order = reached.stage_order then 1
            else 0
        end as is_lost,
        case
            when opportunities.status_as_of = 'open' and opportunities.furthest_stage_order = reached.stage_order then 1
            else 0
        end as is_open,
        case when opportunities.status_as_of in ('won', 'lost') then 1 else 0 end as is_closed,
        case
            when opportunities.status_as_of in ('won', 'lost') and opportunities.furthest_stage_order > reached.stage_order then 1
            else 0
        end as is_closed_advanced,
        opportunities.team_id,
        opportunities.rep_id,
        opportunities.channel_id,
        opportunities.lead_source,
        opportunities.product_line,
        opportunities.as_of_date
    from reached
    inner join opportunities
        on opportunities.opportunity_id = reached.opportunity_id
),

sliced as (
    select cohort.*, 'company' as slice_type, 'all' as slice_value from cohort
    union all
    select cohort.*, 'team' as slice_type, {{ team_subtree_id("coalesce(cohort.team_id, '(none)')") }} as slice_value
    from cohort
    {{ team_subtree_join("coalesce(cohort.team_id, '(none)')") }}
    union all
    select cohort.*, 'team_direct' as slice_type, coalesce(team_id, '(none)') as slice_value from cohort
    union all
    select cohort.*, 'rep' as slice_type, coalesce(rep_id, '(none)') as slice_value from cohort
    union all
    select cohort.*, 'channel' as slice_type, coalesce(channel_id, '(none)') as slice_value from cohort
    union all
    select cohort.*, 'lead_source' as slice_type, coalesce(lead_source, '(none)') as slice_value from cohort
    union all
    select cohort.*, 'product_line' as slice_type, coalesce(product_line, '(none)') as slice_value from cohort
),

aggregated as (
    select
        cohort_month,
        stage_code,
        stage_order,
        stage_name_zh,
        is_open_stage,
        slice_type,
        slice_value,
        as_of_date,
        count(*) as entered_count,
        sum(case when was_entered = 1 then 0 else 1 end) as skipped_count,
        sum(is_advanced) as advanced_count,
        sum(is_won) as won_count,
        sum(is_lost) as lost_count,
        sum(is_open) as open_count,
        sum(is_closed) as closed_count,
        sum(is_closed_advanced) as closed_advanced_count,
        sum(amount_base) as entered_amount_base,
        sum(case when is_advanced = 1 then amount_base else 0 end) as advanced_amount_base,
        sum(case when is_won = 1 then amount_base else 0 end) as won_amount_base,
        sum(case when is_lost = 1 then amount_base else 0 end) as lost_amount_base,
        sum(case when is_open = 1 then amount_base else 0 end) as open_amount_base
    from sliced
    group by cohort_month, stage_code, stage_order, stage_name_zh, is_open_stage, slice_type, slice_value, as_of_date
)

select
    cast(cohort_month as date) as cohort_month,
    cast(stage_code as {{ dbt.type_string() }}) as stage_code,
    cast(stage_order as integer) as stage_order,
    cast(stage_name_zh as {{ dbt.type_string() }}) as stage_name_zh,
    cast(is_open_stage as boolean) as is_open_stage,
    cast(slice_type as {{ dbt.type_string() }}) as slice_type,
    cast(slice_value as {{ dbt.type_string() }}) as slice_value,
    cast(
        case when slice_type in ('team', 'team_direct') then coalesce(teams.hierarchy_level, 1) end as integer
    ) as team_hierarchy_level,
    cast(
        case when slice_type in ('team', 'team_direct') then coalesce(teams.is_leaf_team, true) end as boolean
    ) as is_leaf_team,
    cast(entered_count as {{ dbt.type_bigint() }}) as entered_count,
    cast(skipped_count as {{ dbt.type_bigint() }}) as skipped_count,
    cast(advanced_count as {{ dbt.type_bigint() }}) as advanced_count,
    cast(won_count as {{ dbt.type_bigint() }}) as won_count,
    cast(lost_count as {{ dbt.type_bigint() }}) as lost_count,
    cast(open_count as {{ dbt.type_bigint() }}) as open_count,
    cast(closed_count as {{ dbt.type_bigint() }}) as closed_count,
    cast(closed_advanced_count as {{ dbt.type_bigint() }}) as closed_advanced_count,
    cast(entered_amount_base as {{ dbt.type_numeric() }}) as entered_amount_base,
    cast(advanced_amount_base as {{ dbt.type_numeric() }}) as advanced_amount_base,
    cast(won_amount_base as {{ dbt.type_numeric() }}) as won_amount_base,
    cast(lost_amount_base as {{ dbt.type_numeric() }}) as lost_amount_base,
    cast(open_amount_base as {{ dbt.type_numeric() }}) as open_amount_base,
    cast(advanced_count * 1.0 / entered_count as {{ dbt.type_numeric() }}) as conversion_rate,
    cast(lost_count * 1.0 / entered_count as {{ dbt.type_numeric() }}) as leakage_rate,
    cast(
        case when closed_count > 0 then closed_advanced_count * 1.0 / closed_count end as {{ dbt.type_numeric() }}
    ) as closed_conversion_rate,
    cast(case when closed_count > 0 then won_count * 1.0 / closed_count end as {{ dbt.type_numeric() }}) as closed_win_rate,
    cast(
        case when entered_amount_base > 0 then advanced_amount_base * 1.0 / entered_amount_base end
        as {{ dbt.type_numeric() }}
    ) as amount_conversion_rate,
    cast(
        case when entered_amount_base > 0 then lost_amount_base * 1.0 / entered_amount_base end
        as {{ dbt.type_numeric() }}
    ) as amount_leakage_rate,
    cast(as_of_date as date) as as_of_date
from aggregated
left join {{ ref('dim_team') }} as teams
    on teams.team_id = aggregated.slice_value
    and aggregated.slice_type in ('team', 'team_direct')
