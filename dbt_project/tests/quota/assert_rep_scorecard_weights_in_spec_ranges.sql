-- The rep KPI weights must sit in the ranges of [000] 销售绩效考核体系 (domain.md §5.5):
-- 结果指标 60-70%, 过程指标 20-30%, 能力指标 10-20%, summing to 100%; and the indicator weights of
-- each category must sum to 1. The ranges are written here, not in the seed, so editing the seed
-- cannot move them. Returns one row per violation.
with categories as (
    select
        category,
        min(category_weight) as category_weight,
        max(category_weight) - min(category_weight) as weight_spread,
        sum(indicator_weight) as indicator_weight_sum
    from {{ ref('rep_scorecard_weights') }}
    group by category
),

spec_ranges as (
    select 'result' as category, 0.60 as min_weight, 0.70 as max_weight
    union all
    select 'process' as category, 0.20 as min_weight, 0.30 as max_weight
    union all
    select 'capability' as category, 0.10 as min_weight, 0.20 as max_weight
),

checks as (
    select
        spec_ranges.category,
        case
            when categories.category is null then 'category missing from the seed'
            when categories.weight_spread > 0.000001 then 'category_weight differs between rows of the category'
            when categories.category_weight < spec_ranges.min_weight - 0.000001
                or categories.category_weight > spec_ranges.max_weight + 0.000001
                then 'category_weight outside the range of the source'
            when abs(categories.indicator_weight_sum - 1) > 0.000001 then 'indicator weights do not sum to 1'
        end as problem
    from spec_ranges
    left join categories
        on categories.category = spec_ranges.category

    union all

    select
        'all' as category,
        case when abs(sum(category_weight) - 1) > 0.000001 then 'category weights do not sum to 1' end as problem
    from categories
)

select category, problem
from checks
where problem is not null
