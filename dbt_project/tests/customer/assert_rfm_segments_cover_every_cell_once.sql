-- The rfm_segments seed must give every (r_score, f_score) cell of the 5 × 5 grid exactly one
-- segment; otherwise a customer would get no segment or two rows.
with scores as (
    select 1 as s union all select 2 union all select 3 union all select 4 union all select 5
),

cells as (
    select r.s as r_score, f.s as f_score
    from scores as r
    cross join scores as f
)

select
    cells.r_score,
    cells.f_score,
    count(segments.segment_code) as segments_matching
from cells
left join {{ ref('rfm_segments') }} as segments
    on cells.r_score between segments.r_min and segments.r_max
    and cells.f_score between segments.f_min and segments.f_max
group by cells.r_score, cells.f_score
having count(segments.segment_code) <> 1
