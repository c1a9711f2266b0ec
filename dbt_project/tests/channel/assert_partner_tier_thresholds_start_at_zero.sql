-- Every composite score must map to a suggested tier: the lowest tier starts at 0 and a better tier
-- (smaller tier_rank) needs a higher score.
with ordered as (
    select
        tier,
        tier_rank,
        min_composite_score,
        lead(min_composite_score) over (order by tier_rank asc nulls last, tier asc nulls last) as next_lower_tier_min
    from {{ ref('partner_tier_thresholds') }}
)

select tier, 'a better tier must need a higher score' as problem
from ordered
where next_lower_tier_min is not null and next_lower_tier_min >= min_composite_score
union all
select 'all' as tier, 'the lowest tier must start at 0' as problem
from ordered
having min(min_composite_score) <> 0
