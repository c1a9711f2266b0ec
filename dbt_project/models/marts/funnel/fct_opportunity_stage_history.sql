-- Stage history of opportunities (销售机会阶段), one row per opportunity × canonical stage entry up
-- to the as-of date, with how and when the deal left the stage. Skipped stages have no row (the
-- deal never sat in them; stages_skipped counts them on the entry it jumped from); a deal that
-- slips back and enters a stage again gets a second row (is_reentry).
with entries as (
    select * from {{ ref('int_funnel__stage_entries') }}
),

opportunities as (
    select opportunity_id, account_id, rep_id, team_id, channel_id, product_line
    from {{ ref('fct_opportunities') }}
),

stages as (
    select stage_code, stage_name, stage_name_zh from {{ ref('stages') }}
)

select
    cast({{ surrogate_key(['entries.opportunity_id', 'entries.entry_number']) }} as {{ dbt.type_string() }}) as stage_entry_key,
    cast(entries.opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
    cast(entries.entry_number as {{ dbt.type_bigint() }}) as entry_number,
    cast(entries.source_stage as {{ dbt.type_string() }}) as source_stage,
    cast(entries.stage_code as {{ dbt.type_string() }}) as stage_code,
    cast(stages.stage_name as {{ dbt.type_string() }}) as stage_name,
    cast(stages.stage_name_zh as {{ dbt.type_string() }}) as stage_name_zh,
    cast(entries.stage_order as integer) as stage_order,
    cast(entries.outcome_class as {{ dbt.type_string() }}) as outcome_class,
    cast(entries.entered_at as {{ dbt.type_timestamp() }}) as entered_at,
    cast(entries.entered_date as date) as entered_date,
    cast(entries.exited_at as {{ dbt.type_timestamp() }}) as exited_at,
    cast(entries.exited_date as date) as exited_date,
    cast(entries.days_in_stage as {{ dbt.type_bigint() }}) as days_in_stage,
    cast(entries.next_stage_code as {{ dbt.type_string() }}) as next_stage_code,
    cast(entries.exit_type as {{ dbt.type_string() }}) as exit_type,
    cast(entries.stages_skipped as integer) as stages_skipped,
    cast(entries.stage_entry_count as integer) as stage_entry_count,
    cast(entries.is_reentry as boolean) as is_reentry,
    cast(entries.closed_at as {{ dbt.type_timestamp() }}) as closed_at,
    cast(entries.is_synthetic as boolean) as is_synthetic,
    cast(opportunities.account_id as {{ dbt.type_string() }}) as account_id,
    cast(opportunities.rep_id as {{ dbt.type_string() }}) as rep_id,
    cast(opportunities.team_id as {{ dbt.type_string() }}) as team_id,
    cast(opportunities.channel_id as {{ dbt.type_string() }}) as channel_id,
    cast(opportunities.product_line as {{ dbt.type_string() }}) as product_line,
    cast(entries.as_of_date as date) as as_of_date
from entries
inner join opportunities
    on opportunities.opportunity_id = entries.opportunity_id
left join stages
    on stages.stage_code = entries.stage_code
