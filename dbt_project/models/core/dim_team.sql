-- Sales teams (团队) with their parent team, one row per team.
with teams as (
    select * from {{ ref('stg_crm__teams') }}
)

select
    teams.team_id,
    teams.team_name,
    teams.parent_team_id,
    parent.team_name as parent_team_name,
    coalesce(parent.team_id, teams.team_id) as top_team_id,
    teams.region,
    case when teams.parent_team_id is null then 1 else 2 end as hierarchy_level,
    case
        when exists (select 1 from teams as child where child.parent_team_id = teams.team_id) then false
        else true
    end as is_leaf_team
from teams
left join teams as parent
    on parent.team_id = teams.parent_team_id
