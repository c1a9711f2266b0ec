-- Target decomposition check (目标分解, domain.md §5.2: "Σ child target_value should equal the parent
-- value within a tolerance"): one row per explicitly given company or team target that has child
-- targets, for the hierarchy company ← team ← … ← team ← rep (a team tree of any depth,
-- dim_team_hierarchy). A child belongs to its nearest ancestor that has a target for the same metric
-- and period: a team to the closest team above it, else the company; a rep to its own team, else the
-- closest team above that, else the company. A child's value for the period is its own target at
-- that grain, else the sum of whatever month targets it has in the period (fct_quota): a rep hired or
-- leaving mid-quarter carries a part-quarter target.
with native as (
    select * from {{ ref('int_quota__period_targets') }}
    where level in ('company', 'team', 'rep')
      and target_source = 'native'
      and period_grain in ('quarter', 'year')
),

months as (
    select
        level,
        owner_id,
        coalesce(owner_id, '*') as owner_key,
        metric,
        month_start,
        quarter_start,
        year_start,
        target_value
    from {{ ref('fct_quota') }}
    where level in ('company', 'team', 'rep')
),

month_sums as (
    select level, owner_id, owner_key, metric, 'month' as period_grain, month_start as period_start, target_value
    from months
    union all
    select level, owner_id, owner_key, metric, 'quarter' as period_grain, quarter_start as period_start,
        sum(target_value) as target_value
    from months
    group by level, owner_id, owner_key, metric, quarter_start
    union all
    select level, owner_id, owner_key, metric, 'year' as period_grain, year_start as period_start,
        sum(target_value) as target_value
    from months
    group by level, owner_id, owner_key, metric, year_start
),

targets as (
    select
        month_sums.level,
        month_sums.owner_id,
        month_sums.owner_key,
        month_sums.metric,
        month_sums.period_grain,
        month_sums.period_start,
        coalesce(native.target_value, month_sums.target_value) as target_value
    from month_sums
    left join native
        on native.level = month_sums.level
        and native.owner_key = month_sums.owner_key
        and native.metric = month_sums.metric
        and native.period_grain = month_sums.period_grain
        and native.period_start = month_sums.period_start
),

team_targets as (
    select * from targets where level = 'team'
),

-- Nearest ancestor team (any depth, dim_team_hierarchy) holding a target for the same metric and
-- period: min_depth 1 for a team's parent chain, 0 for a rep's own team upward.
team_ancestor_targets as (
    select
        hierarchy.descendant_team_id,
        hierarchy.depth,
        team_targets.owner_id as ancestor_team_id,
        team_targets.metric,
        team_targets.period_grain,
        team_targets.period_start
    from {{ ref('dim_team_hierarchy') }} as hierarchy
    inner join team_targets
        on team_targets.owner_id = hierarchy.ancestor_team_id
),

-- Child targets with the team their parent search starts from: a team looks from its parent upward
-- (min depth 1), a rep from its own team upward (min depth 0).
child_targets as (
    select targets.*, targets.owner_id as search_team_id, 1 as min_depth
    from team_targets as targets
    union all
    select targets.*, reps.team_id as search_team_id, 0 as min_depth
    from targets
    left join {{ ref('dim_rep') }} as reps
        on reps.rep_id = targets.owner_id
    where targets.level = 'rep'
),

nearest as (
    select
        child.level,
        child.owner_id,
        child.metric,
        child.period_grain,
        child.period_start,
        ancestors.ancestor_team_id,
        row_number() over (
            partition by child.level, child.owner_id, child.metric, child.period_grain, child.period_start
            order by ancestors.depth asc nulls last
        ) as nearest_rank
    from child_targets as child
    inner join team_ancestor_targets as ancestors
        on ancestors.descendant_team_id = child.search_team_id
        and ancestors.depth >= child.min_depth
        and ancestors.metric = child.metric
        and ancestors.period_grain = child.period_grain
        and ancestors.period_start = child.period_start
),

children as (
    select
        case when nearest.ancestor_team_id is not null then 'team' else 'company' end as parent_level,
        coalesce(nearest.ancestor_team_id, '*') as parent_owner_key,
        child.level as child_level,
        child.owner_id as child_owner_id,
        child.metric,
        child.period_grain,
        child.period_start,
        child.target_value as child_target_value
    from child_targets as child
    left join nearest
        on nearest.level = child.level
        and nearest.owner_id = child.owner_id
        and nearest.metric = child.metric
        and nearest.period_grain = child.period_grain
        and nearest.period_start = child.period_start
        and nearest.nearest_rank = 1
),

rolled_up as (
    select
        parent_level,
        parent_owner_key,
        metric,
        period_grain,
        period_start,
        count(*) as child_count,
        sum(child_target_value) as children_target_value,
        {{ dbt.listagg('child_owner_id', "','", "order by child_owner_id") }} as child_owner_ids
    from children
    group by parent_level, parent_owner_key, metric, period_grain, period_start
),

parents as (
    -- Only targets someone gave: a sum of months checked against its own months proves nothing.
    select * from {{ ref('int_quota__period_targets') }}
    where level in ('company', 'team')
      and target_source = 'native'
)

select
    {{ surrogate_key(['parents.level', 'parents.owner_key', 'parents.metric', 'parents.period_grain', 'parents.period_start']) }} as rollup_check_key,
    cast(parents.level as {{ dbt.type_string() }}) as parent_level,
    cast(parents.owner_id as {{ dbt.type_string() }}) as parent_owner_id,
    cast(parents.owner_name as {{ dbt.type_string() }}) as parent_owner_name,
    cast(parents.metric as {{ dbt.type_string() }}) as metric,
    cast(parents.period_grain as {{ dbt.type_string() }}) as period_grain,
    cast(parents.period_start as date) as period_start,
    cast(parents.period_end as date) as period_end,
    cast(parents.target_value as {{ dbt.type_numeric() }}) as parent_target_value,
    cast(rolled_up.child_count as {{ dbt.type_bigint() }}) as child_count,
    cast(rolled_up.child_owner_ids as {{ dbt.type_string() }}) as child_owner_ids,
    cast(rolled_up.children_target_value as {{ dbt.type_numeric() }}) as children_target_value,
    cast(rolled_up.children_target_value - parents.target_value as {{ dbt.type_numeric() }}) as difference_value,
    cast(
        case when parents.target_value <> 0 then (rolled_up.children_target_value - parents.target_value) / parents.target_value end
        as {{ dbt.type_numeric() }}
    ) as difference_pct,
    cast({{ var('quota_rollup_tolerance') }} as {{ dbt.type_numeric() }}) as tolerance_pct,
    cast(
        case
            when abs(rolled_up.children_target_value - parents.target_value)
                <= {{ var('quota_rollup_tolerance') }} * abs(parents.target_value) + 0.000001
                then true
            else false
        end as {{ dbt.type_boolean() }}
    ) as is_within_tolerance
from parents
inner join rolled_up
    on rolled_up.parent_level = parents.level
    and rolled_up.parent_owner_key = parents.owner_key
    and rolled_up.metric = parents.metric
    and rolled_up.period_grain = parents.period_grain
    and rolled_up.period_start = parents.period_start
