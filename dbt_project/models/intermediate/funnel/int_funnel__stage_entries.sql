-- Canonical stage entries of every opportunity known on the as-of date: raw stage labels mapped
-- through the stage_map seed, consecutive labels that map to the same canonical stage merged into
-- one entry (预选 → 方案比较 are both 3_proposal: the deal did not move), each entry closed by the
-- next one. Entries after the as-of date do not exist yet, so every mart built on this table can be
-- rebuilt for a past date.
--
-- Incomplete CRM histories are completed, and flagged is_synthetic:
--   * an opportunity with no history row at all enters its current (open) stage when it is created;
--   * a won/lost opportunity whose history never reaches a won/lost stage gets that terminal entry
--     at closed_at (its status is the source of truth for the outcome).
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

stages as (
    select
        stage_code,
        stage_order,
        is_open_stage,
        is_won_stage,
        is_lost_stage,
        case
            when is_won_stage then 'won'
            when is_lost_stage then 'lost'
            else 'open'
        end as outcome_class
    from {{ ref('stages') }}
),

first_won_stage as (
    select min(stage_order) as stage_order from stages where outcome_class = 'won'
),

terminal_codes as (
    -- The stage a closed deal without a terminal history entry is put in: the first won stage
    -- (签约, not yet collected) or the lost stage.
    select stages.stage_code, stages.outcome_class
    from stages
    cross join first_won_stage
    where (stages.outcome_class = 'won' and stages.stage_order = first_won_stage.stage_order)
       or stages.outcome_class = 'lost'
),

opportunities as (
    select
        opportunities.opportunity_id,
        opportunities.status,
        opportunities.stage_code,
        opportunities.created_at,
        opportunities.closed_at
    from {{ ref('fct_opportunities') }} as opportunities
),

history as (
    select
        history.opportunity_id,
        history.stage as source_stage,
        stage_map.stage_code,
        history.entered_at,
        false as is_synthetic
    from {{ ref('stg_crm__opportunity_stage_history') }} as history
    -- Labels missing from stage_map are reported by the test assert_stage_history_labels_mapped.
    inner join {{ ref('stage_map') }} as stage_map
        on stage_map.source_stage = history.stage
    inner join opportunities
        on opportunities.opportunity_id = history.opportunity_id
    where history.entered_at is not null
),

history_outcomes as (
    select
        history.opportunity_id,
        max(case when stages.outcome_class = 'won' then 1 else 0 end) as has_won_entry,
        max(case when stages.outcome_class = 'lost' then 1 else 0 end) as has_lost_entry
    from history
    inner join stages
        on stages.stage_code = history.stage_code
    group by history.opportunity_id
),

entry_without_history as (
    select
        opportunities.opportunity_id,
        cast(null as {{ dbt.type_string() }}) as source_stage,
        opportunities.stage_code,
        opportunities.created_at as entered_at,
        true as is_synthetic
    from opportunities
    inner join stages
        on stages.stage_code = opportunities.stage_code
    left join history_outcomes
        on history_outcomes.opportunity_id = opportunities.opportunity_id
    where history_outcomes.opportunity_id is null
      and stages.outcome_class = 'open'
      and opportunities.created_at is not null
),

missing_terminal_entry as (
    select
        opportunities.opportunity_id,
        cast(null as {{ dbt.type_string() }}) as source_stage,
        terminal_codes.stage_code,
        opportunities.closed_at as entered_at,
        true as is_synthetic
    from opportunities
    inner join terminal_codes
        on terminal_codes.outcome_class = opportunities.status
    left join history_outcomes
        on history_outcomes.opportunity_id = opportunities.opportunity_id
    where opportunities.status in ('won', 'lost')
      and opportunities.closed_at is not null
      and (
          (opportunities.status = 'won' and coalesce(history_outcomes.has_won_entry, 0) = 0)
          or (opportunities.status = 'lost' and coalesce(history_outcomes.has_lost_entry, 0) = 0)
      )
),

combined as (
    select * from history
    union all
    select * from entry_without_history
    union all
    select * from missing_terminal_entry
),

in_scope as (
    select
        combined.opportunity_id,
        combined.source_stage,
        combined.stage_code,
        combined.entered_at,
        cast(combined.entered_at as date) as entered_date,
        combined.is_synthetic,
        stages.stage_order,
        stages.outcome_class,
        stages.is_open_stage,
        stages.is_won_stage,
        stages.is_lost_stage,
        as_of.as_of_date
    from combined
    inner join stages
        on stages.stage_code = combined.stage_code
    cross join as_of
    where cast(combined.entered_at as date) <= as_of.as_of_date
),

with_previous as (
    select
        in_scope.*,
        lag(stage_code) over (
            partition by opportunity_id
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) as previous_stage_code
    from in_scope
),

collapsed as (
    select *
    from with_previous
    where previous_stage_code is null or previous_stage_code <> stage_code
),

sequenced as (
    select
        collapsed.*,
        row_number() over (
            partition by opportunity_id
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) as entry_number,
        row_number() over (
            partition by opportunity_id, stage_code
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) as stage_entry_count,
        -- Gaps-and-islands: consecutive entries with the same outcome class share a run id, so a
        -- deal's close time is the start of its last won/lost run (5_won → 6_collected is one close).
        row_number() over (
            partition by opportunity_id
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) - row_number() over (
            partition by opportunity_id, outcome_class
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) as outcome_run_id,
        lead(stage_code) over (
            partition by opportunity_id
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) as next_stage_code,
        lead(stage_order) over (
            partition by opportunity_id
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) as next_stage_order,
        lead(outcome_class) over (
            partition by opportunity_id
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) as next_outcome_class,
        lead(entered_at) over (
            partition by opportunity_id
            order by entered_at asc nulls last, is_synthetic asc nulls last, source_stage asc nulls last, stage_order asc nulls last
        ) as exited_at
    from collapsed
),

with_runs as (
    select
        sequenced.*,
        min(entered_at) over (
            partition by opportunity_id, outcome_class, outcome_run_id
        ) as outcome_run_started_at
    from sequenced
),

classified as (
    select
        with_runs.*,
        case
            when next_stage_code is null then outcome_class
            when outcome_class = 'lost' then 'reopened'
            when next_outcome_class = 'lost' then 'lost'
            when outcome_class = 'open' and next_outcome_class = 'won' then 'won'
            when outcome_class = 'won' and next_outcome_class = 'open' then 'reopened'
            when next_stage_order > stage_order then 'advanced'
            else 'regressed'
        end as exit_type
    from with_runs
)

select
    opportunity_id,
    entry_number,
    source_stage,
    stage_code,
    stage_order,
    outcome_class,
    is_open_stage,
    is_won_stage,
    is_lost_stage,
    entered_at,
    entered_date,
    exited_at,
    cast(exited_at as date) as exited_date,
    next_stage_code,
    exit_type,
    -- Stages jumped over on the way out (2_discovery → 4_negotiation skips 3_proposal).
    case
        when exit_type in ('advanced', 'won') and next_stage_order - stage_order - 1 > 0
            then next_stage_order - stage_order - 1
        else 0
    end as stages_skipped,
    stage_entry_count,
    case when stage_entry_count > 1 then true else false end as is_reentry,
    case when outcome_class <> 'open' then outcome_run_started_at end as closed_at,
    -- Days in the stage: to the next entry, or to the as-of date while the deal still sits in an
    -- open stage; a won/lost stage nothing follows has no duration.
    case
        when exited_at is not null
            then {{ dbt.datediff('entered_date', 'cast(exited_at as date)', 'day') }}
        when is_open_stage
            then {{ dbt.datediff('entered_date', 'as_of_date', 'day') }}
    end as days_in_stage,
    is_synthetic,
    as_of_date
from classified
