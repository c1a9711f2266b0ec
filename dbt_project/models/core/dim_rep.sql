-- Sales reps (销售代表) with team and manager, one row per rep.
with reps as (
    select * from {{ ref('stg_crm__sales_reps') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
)

select
    reps.rep_id,
    reps.rep_name,
    reps.email,
    reps.role,
    reps.team_id,
    teams.team_name,
    teams.parent_team_id,
    coalesce(reps.region, teams.region) as region,
    reps.manager_rep_id,
    managers.rep_name as manager_name,
    reps.hire_date,
    reps.termination_date,
    case
        when reps.termination_date is null or reps.termination_date > as_of.as_of_date then true
        else false
    end as is_active
from reps
cross join as_of
left join {{ ref('dim_team') }} as teams
    on teams.team_id = reps.team_id
left join reps as managers
    on managers.rep_id = reps.manager_rep_id
