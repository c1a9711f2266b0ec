{{ config(meta={'dagster': {'ref': {'name': 'mart_stage_win_rate'}}}) }}
-- 阶段赢率 must not fall down the funnel at company level: "销售漏斗上部的成功率低,下部的成功率高"
-- ([002], domain.md §2.2). Fails on every pair of open/won stages where a later stage has a lower
-- company win rate than an earlier one, in any window.
select
    upper_stage.window_name,
    upper_stage.stage_code as upper_stage_code,
    upper_stage.win_rate as upper_win_rate,
    lower_stage.stage_code as lower_stage_code,
    lower_stage.win_rate as lower_win_rate
from {{ ref('mart_stage_win_rate') }} as upper_stage
inner join {{ ref('mart_stage_win_rate') }} as lower_stage
    on lower_stage.window_name = upper_stage.window_name
    and lower_stage.level = upper_stage.level
    and lower_stage.team_id = upper_stage.team_id
    and lower_stage.stage_order > upper_stage.stage_order
inner join {{ ref('stages') }} as lower_stages
    on lower_stages.stage_code = lower_stage.stage_code
where upper_stage.level = 'company'
  and not lower_stages.is_lost_stage
  and upper_stage.win_rate is not null
  and lower_stage.win_rate is not null
  and lower_stage.win_rate < upper_stage.win_rate
