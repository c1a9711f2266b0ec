{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_crm__opportunity_stage_history'}}}) }}
-- Every stage label in the history must be in the stage_map seed (DQ10); an unmapped label's entries
-- are left out of the funnel. Add the label to seeds/stage_map.csv.
select
    history.stage,
    count(*) as entries
from {{ ref('stg_crm__opportunity_stage_history') }} as history
left join {{ ref('stage_map') }} as stage_map
    on stage_map.source_stage = history.stage
where stage_map.source_stage is null
group by history.stage
