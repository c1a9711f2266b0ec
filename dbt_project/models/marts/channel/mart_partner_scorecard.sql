-- Partner scorecard (渠道商評估 / 成長階梯): one row per partner × quarter. Each indicator of
-- mart_partner_performance is scored 0-100 as its mid-rank percentile among the partners with a value
-- in the same quarter: 100 × (partners strictly worse + (partners tied with it − 1) / 2) / (n − 1), i.e.
-- the average of the positions a tie occupies, rescaled so the single best partner scores 100 and the
-- single worst 0 (for "lower is better" indicators the order is reversed). Equal values get equal
-- scores, and an indicator on which every partner is tied (or only one partner has a value) scores 50
-- for all: it does not tell partners apart, so it is neutral rather than top (never 100). A family score is the weighted mean of its indicator scores, the composite the
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

ranked as (
    -- No tie-breaker on purpose: equal values must get equal scores. worse_partners counts the
    -- partners strictly worse (rank() gives a tie its lowest position).
    select
        indicators.partner_id,
        indicators.period_start,
        indicators.indicator,
        weights.family,
        weights.family_weight,
        weights.indicator_weight,
        case
            when weights.higher_is_better
                then rank() over (partition by indicators.period_start, indicators.indicator order by indicators.indicator_value asc)
            else rank() over (partition by indicators.period_start, indicators.indicator order by indicators.indicator_value desc)
        end - 1 as worse_partners,
        count(*) over (
            partition by indicators.period_start, indicators.indicator, indicators.indicator_value
        ) as tied_partners,
        count(*) over (partition by indicators.period_start, indicators.indicator) as scored_partners
    from indicators
    inner join weights
        on weights.indicator = indicators.indicator
    where indicators.indicator_value is not null
),

scored as (
    select
        partner_id,
        period_start,
        indicator,
        family,
        family_weight,
        indicator_weight,
        case
            when scored_partners = 1 then 50.0
            else 100.0 * (worse_partners + (tied_partners - 1) / 2.0) / (scored_partners - 1)
        end as indicator_score
    from ranked
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
        -- The composite as published (the numeric type's 6 places). The tier thresholds and the ranks read
        -- this value, so a partner exactly on a threshold reaches it whatever order the floating-point sums
        -- were added up in: that order differs between engines and between DuckDB runs (0.1 × 70 + 0.2 × 70
        -- over 0.1 + 0.2 is 69.99999999999999 in doubles). A cast, not round(): PostgreSQL has no round of
        -- a double to places.
        cast(composite.composite_score as {{ dbt.type_numeric() }}) as composite_score
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
            -- Partners showing the same score share a rank (the score is rounded as published above).
            order by with_scores.composite_score desc nulls last
        ) as integer
    ) as rank_overall,
    cast(
        rank() over (
            partition by with_scores.period_start, with_scores.tier
            order by with_scores.composite_score desc nulls last
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
