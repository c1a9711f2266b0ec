-- Which teams a rep's results count toward: the rep's own team and every team above it in the team
-- tree (dim_team_hierarchy, any depth), so a parent team's actuals are the sum over its subtree: its
-- child teams' reps plus its own direct reps.
with reps as (
    select rep_id, team_id from {{ ref('dim_rep') }} where team_id is not null
)

select
    reps.rep_id,
    hierarchy.ancestor_team_id as team_id,
    hierarchy.is_self as is_own_team,
    hierarchy.depth as team_depth
from reps
inner join {{ ref('dim_team_hierarchy') }} as hierarchy
    on hierarchy.descendant_team_id = reps.team_id
