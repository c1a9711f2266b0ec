-- The rebate bands (阶梯式返利, rebate_tiers seed) must cover every attainment from 0 upwards exactly
-- once: the first band starts at 0, each band ends where the next starts, and only the last band is
-- open-ended. Otherwise a partner could fall into no band, or two.
with ordered as (
    select
        band_code,
        attainment_from,
        attainment_to,
        lead(attainment_from) over (order by attainment_from asc nulls last, band_code asc nulls last) as next_from,
        row_number() over (order by attainment_from asc nulls last, band_code asc nulls last) as band_number,
        count(*) over () as band_count
    from {{ ref('rebate_tiers') }}
)

select band_code, 'first band does not start at 0' as problem
from ordered
where band_number = 1 and attainment_from <> 0
union all
select band_code, 'gap or overlap with the next band' as problem
from ordered
where band_number < band_count and (attainment_to is null or abs(attainment_to - next_from) > 0.000001)
union all
select band_code, 'top band must be open-ended' as problem
from ordered
where band_number = band_count and attainment_to is not null
