-- Partner scorecard weights (a PROJECT CHOICE, domain.md §4.3): the family weights sum to 1, each
-- family carries one weight, and the indicator weights of each family sum to 1.
with families as (
    select
        family,
        min(family_weight) as family_weight,
        max(family_weight) - min(family_weight) as weight_spread,
        sum(indicator_weight) as indicator_weight_sum
    from {{ ref('partner_scorecard_weights') }}
    group by family
)

select family, 'family_weight differs between rows of the family' as problem
from families
where weight_spread > 0.000001
union all
select family, 'indicator weights do not sum to 1' as problem
from families
where abs(indicator_weight_sum - 1) > 0.000001
union all
select 'all' as family, 'family weights do not sum to 1' as problem
from families
having abs(sum(family_weight) - 1) > 0.000001
