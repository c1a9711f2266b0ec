-- Every team's chain must end at a top-level team within team_hierarchy_max_depth parent links; a
-- deeper tree (or a parent cycle longer than the var) would silently cut the roll-ups short.
select teams.team_id, teams.top_team_id, tops.rollup_parent_team_id
from {{ ref('dim_team') }} as teams
inner join {{ ref('dim_team') }} as tops
    on tops.team_id = teams.top_team_id
where tops.rollup_parent_team_id is not null
