-- Which teams a rep's results count toward: the rep's own team and that team's parent (dim_team is a
-- two-level hierarchy, company ← team ← rep), so a parent team's actuals include its child teams' reps.
with reps as (
    select rep_id, team_id from {{ ref('dim_rep') }} where team_id is not null
)

select
    reps.rep_id,
    reps.team_id,
    true as is_own_team
from reps

union all

select
    reps.rep_id,
    teams.parent_team_id as team_id,
    false as is_own_team
from reps
inner join {{ ref('dim_team') }} as teams
    on teams.team_id = reps.team_id
where teams.parent_team_id is not null
