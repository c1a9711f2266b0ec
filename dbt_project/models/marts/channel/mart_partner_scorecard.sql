-- Partner scorecard (渠道商評估 / 成長階梯): one row per partner × quarter. Each indicator of
-- mart_partner_performance is scored 0-100 as its percentile among all partners in the same quarter
-- (cume_dist: the best partner scores 100; ties share a score; for "lower is better" indicators the order
-- is reversed). A family score is the weighted mean of its indicator scores, the composite the
-- weighted mean of the family scores (weights: seed partner_scorecard_weights, a PROJECT CHOICE);
-- indicators without a value are left out and the remaining weights re-normalised. The suggested
-- tier is the best tier whose min_composite_score the partner reaches (seed partner_tier_thresholds).
with performance as (
    select * from {{ ref('mart_partner_performance') }}
    where period_grain = 'quarter'
),

weights as (
    select * from {{ ref('partner_scorecard_weights') }}
),

indicators as (
    select partner_id, period_start, 'sell_in_revenue' as indicator, sell_in_revenue_base as indicator_value from performance
    union all
    select partner_id, period_start, 'revenue_attainment' as indicator, revenue_attainment from performance
    union all
    select partner_id, period_start, 'collection_rate' as indicator, collection_rate from performance
    union all
    select partner_id, period_start, 'inventory_turnover' as indicator, inventory_turnover from performance
    union all
    select partner_id, period_start, 'gross_margin_pct' as indicator, gross_margin_pct from performance
    union all
    select partner_id, period_start, 'new_customers' as indicator, cast(new_customers as {{ dbt.type_numeric() }}) from performance
    union all
    select partner_id, period_start, 'product_coverage' as indicator, product_coverage from performance
    union all
    select partner_id, period_start, 'return_rate' as indicator, return_rate from performance
    union all
    select partner_id, period_start, 'training_completion_rate' as indicator, training_completion_rate from performance
),

scored as (
    -- cume_dist on purpose without a tie-breaker: equal values must get equal scores.
    select
        indicators.partner_id,
        indicators.period_start,
        indicators.indicator,
        weights.family,
        weights.family_weight,
        weights.indicator_weight,
        100.0 * case
            when weights.higher_is_better
                then cume_dist() over (partition by indicators.period_start, indicators.indicator order by indicators.indicator_value asc nulls last)
            else cume_dist() over (partition by indicators.period_start, indicators.indicator order by indicators.indicator_value desc nulls last)
        end as indicator_score
    from indicators
    inner join weights
        on weights.indicator = indicators.indicator
    where indicators.indicator_value is not null
),

families as (
    select
        partner_id,
        period_start,
        family,
        max(family_weight) as family_weight,
        sum(indicator_weight * indicator_score) / sum(indicator_weight) as family_score
    from scored
    group by partner_id, period_start, family
),

composite as (
    select
        partner_id,
        period_start,
        sum(family_weight * family_score) / sum(family_weight) as composite_score,
        max(case when family = 'sales' then family_score end) as sales_score,
        max(case when family = 'financial' then family_score end) as financial_score,
        max(case when family = 'market' then family_score end) as market_score,
        max(case when family = 'service' then family_score end) as service_score,
        max(case when family = 'team' then family_score end) as team_score
    from families
    group by partner_id, period_start
),

with_scores as (
    select
        performance.partner_id,
        performance.partner_name,
        performance.channel_type,
        performance.tier,
        performance.period_start,
        performance.period_end,
        performance.is_open_period,
        performance.sell_in_revenue_base,
        performance.revenue_attainment,
        composite.sales_score,
        composite.financial_score,
        composite.market_score,
        composite.service_score,
        composite.team_score,
        composite.composite_score
    from performance
    left join composite
        on composite.partner_id = performance.partner_id
        and composite.period_start = performance.period_start
),

suggested as (
    select
        with_scores.partner_id,
        with_scores.period_start,
        min(thresholds.tier_rank) as suggested_tier_rank
    from with_scores
    inner join {{ ref('partner_tier_thresholds') }} as thresholds
        on with_scores.composite_score >= thresholds.min_composite_score
    group by with_scores.partner_id, with_scores.period_start
)

select
    {{ surrogate_key(['with_scores.partner_id', 'with_scores.period_start']) }} as partner_scorecard_key,
    cast(with_scores.partner_id as {{ dbt.type_string() }}) as partner_id,
    cast(with_scores.partner_name as {{ dbt.type_string() }}) as partner_name,
    cast(with_scores.channel_type as {{ dbt.type_string() }}) as channel_type,
    cast(with_scores.tier as {{ dbt.type_string() }}) as current_tier,
    cast(with_scores.period_start as date) as quarter_start,
    cast(with_scores.period_end as date) as quarter_end,
    cast(with_scores.is_open_period as {{ dbt.type_boolean() }}) as is_open_period,
    cast(with_scores.sell_in_revenue_base as {{ dbt.type_numeric() }}) as sell_in_revenue_base,
    cast(with_scores.revenue_attainment as {{ dbt.type_numeric() }}) as revenue_attainment,
    cast(with_scores.sales_score as {{ dbt.type_numeric() }}) as sales_score,
    cast(with_scores.financial_score as {{ dbt.type_numeric() }}) as financial_score,
    cast(with_scores.market_score as {{ dbt.type_numeric() }}) as market_score,
    cast(with_scores.service_score as {{ dbt.type_numeric() }}) as service_score,
    cast(with_scores.team_score as {{ dbt.type_numeric() }}) as team_score,
    cast(with_scores.composite_score as {{ dbt.type_numeric() }}) as composite_score,
    cast(
        rank() over (
            partition by with_scores.period_start
            -- Ranked on the score as published (6 places): partners showing the same score share a
            -- rank, whatever order the floating-point sums were added up in.
            order by round(with_scores.composite_score, 6) desc nulls last
        ) as integer
    ) as rank_overall,
    cast(
        rank() over (
            partition by with_scores.period_start, with_scores.tier
            order by round(with_scores.composite_score, 6) desc nulls last
        ) as integer
    ) as rank_in_tier,
    cast(suggested_tiers.tier as {{ dbt.type_string() }}) as suggested_tier,
    cast(suggested_tiers.tier_name_zh as {{ dbt.type_string() }}) as suggested_tier_zh,
    cast(
        case
            when suggested_tiers.tier_rank is null or current_tiers.tier_rank is null then null
            when suggested_tiers.tier_rank < current_tiers.tier_rank then 'promote'
            when suggested_tiers.tier_rank > current_tiers.tier_rank then 'demote'
            else 'keep'
        end as {{ dbt.type_string() }}
    ) as tier_change
from with_scores
left join suggested
    on suggested.partner_id = with_scores.partner_id
    and suggested.period_start = with_scores.period_start
left join {{ ref('partner_tier_thresholds') }} as suggested_tiers
    on suggested_tiers.tier_rank = suggested.suggested_tier_rank
left join {{ ref('partner_tier_thresholds') }} as current_tiers
    on current_tiers.tier = with_scores.tier
