-- Canonical opportunity stages (销售机会阶段), one row per stage, from the stages seed.
select
    stage_code,
    stage_order,
    stage_name,
    stage_name_zh,
    default_win_probability,
    is_open_stage,
    is_won_stage,
    is_lost_stage
from {{ ref('stages') }}
