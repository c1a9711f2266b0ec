{#-
  Daily pipeline snapshot, one row per snapshot date × open opportunity (状态为跟踪).

  Incremental on purpose: each run writes (delete+insert by snapshot_date) the last
  funnel_snapshot_daily_days days up to the as-of date and any month-end not captured yet; month-ends
  captured by earlier runs keep what they captured, so history accumulates. Amount, expected close
  date and owner come from the deal's history (core.fct_opportunity_history) as known on each
  snapshot date, so a full refresh shows them as they were then, not as they are now. Every row is reconstructed from the stage history (stage on that day) and the
  stage win rate known on that day, so a full refresh (`dbt build --full-refresh`) rebuilds the same
  rows for past dates from the same inputs. The post-hook drops daily rows that have left the daily
  window (month-ends stay), so the table holds month-ends + the last N days, like a full rebuild.
-#}
{#- Spark on Parquet cannot delete rows: it overwrites whole snapshot_date partitions instead
    (stack-notes.md), and keeps the daily rows that left the window. -#}
{%- set on_spark = target.type == 'spark' -%}
{{
    config(
        materialized='incremental',
        incremental_strategy=('insert_overwrite' if on_spark else 'delete+insert'),
        unique_key=(none if on_spark else 'snapshot_date'),
        partition_by=(['snapshot_date'] if on_spark else none),
        on_schema_change='append_new_columns',
        post_hook="{% if target.type != 'spark' %}delete from {{ this }} where not is_month_end and snapshot_date <= (select cast({{ dbt.dateadd('day', -1 * var('funnel_snapshot_daily_days'), 'as_of_date') }} as date) from {{ ref('int_as_of_date') }}){% endif %}"
    )
}}

with dates as (
    select snapshot_date, is_month_end
    from {{ ref('int_funnel__snapshot_dates') }}
    {% if is_incremental() %}
    where is_in_daily_window
       or snapshot_date not in (select distinct snapshot_date from {{ this }})
    {% endif %}
),

state as (
    select
        state.snapshot_date,
        dates.is_month_end,
        state.opportunity_id,
        state.stage_code,
        state.stage_order,
        state.stage_entered_date
    from {{ ref('int_funnel__opportunity_state_by_date') }} as state
    inner join dates
        on dates.snapshot_date = state.snapshot_date
    where state.status_at_date = 'open'
),

opportunities as (
    select
        opportunity_id,
        account_id,
        rep_id,
        team_id,
        channel_id,
        product_line,
        amount_base,
        expected_close_date,
        created_date
    from {{ ref('fct_opportunities') }}
),

-- The deal's amount, expected close date and owner as known on each snapshot date (the period of
-- its history in force by the end of that day; the first period when nothing was known earlier), so a
-- month-end rebuilt later does not show terms agreed after it.
terms_period as (
    select
        state.snapshot_date,
        state.opportunity_id,
        coalesce(
            max(
                case
                    when terms.valid_from is null
                        or terms.valid_from < cast({{ dbt.dateadd('day', 1, 'state.snapshot_date') }} as {{ dbt.type_timestamp() }})
                        then terms.period_number
                end
            ),
            1
        ) as period_number
    from state
    inner join {{ ref('int_funnel__opportunity_terms_history') }} as terms
        on terms.opportunity_id = state.opportunity_id
    group by state.snapshot_date, state.opportunity_id
),

terms as (
    select
        terms_period.snapshot_date,
        history.opportunity_id,
        history.amount_base,
        history.expected_close_date,
        history.rep_id,
        history.team_id
    from terms_period
    inner join {{ ref('int_funnel__opportunity_terms_history') }} as history
        on history.opportunity_id = terms_period.opportunity_id
        and history.period_number = terms_period.period_number
),

probabilities as (
    select snapshot_date, stage_code, win_probability, probability_source
    from {{ ref('int_funnel__stage_win_rate_by_date') }}
),

stages as (
    select stage_code, stage_name_zh from {{ ref('stages') }}
)

select
    cast(state.snapshot_date as date) as snapshot_date,
    cast(state.is_month_end as boolean) as is_month_end,
    cast(state.opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
    cast(state.stage_code as {{ dbt.type_string() }}) as stage_code,
    cast(state.stage_order as integer) as stage_order,
    cast(stages.stage_name_zh as {{ dbt.type_string() }}) as stage_name_zh,
    cast(state.stage_entered_date as date) as stage_entered_date,
    cast({{ dbt.datediff('state.stage_entered_date', 'state.snapshot_date', 'day') }} as {{ dbt.type_bigint() }}) as days_in_stage,
    cast({{ dbt.datediff('opportunities.created_date', 'state.snapshot_date', 'day') }} as {{ dbt.type_bigint() }}) as opportunity_age_days,
    -- Unknown (no amount entered, or no rate for its currency: opportunities_in_other_currencies_have_a_rate
    -- warns) stays null: the deal still counts, its money is not shown as 0.
    cast(terms.amount_base as {{ dbt.type_numeric() }}) as amount_base,
    cast(probabilities.win_probability as {{ dbt.type_numeric() }}) as stage_win_probability,
    cast(probabilities.probability_source as {{ dbt.type_string() }}) as probability_source,
    cast(terms.amount_base * probabilities.win_probability as {{ dbt.type_numeric() }}) as weighted_amount_base,
    cast(terms.expected_close_date as date) as expected_close_date,
    cast({{ dbt.date_trunc('month', 'terms.expected_close_date') }} as date) as expected_close_month,
    cast(
        case when terms.expected_close_date < state.snapshot_date then true else false end as boolean
    ) as is_past_expected_close,
    cast(terms.rep_id as {{ dbt.type_string() }}) as rep_id,
    cast(terms.team_id as {{ dbt.type_string() }}) as team_id,
    cast(teams.top_team_id as {{ dbt.type_string() }}) as top_team_id,
    cast(teams.team_path as {{ dbt.type_string() }}) as team_path,
    cast(opportunities.account_id as {{ dbt.type_string() }}) as account_id,
    cast(opportunities.channel_id as {{ dbt.type_string() }}) as channel_id,
    cast(opportunities.product_line as {{ dbt.type_string() }}) as product_line
from state
inner join opportunities
    on opportunities.opportunity_id = state.opportunity_id
left join probabilities
    on probabilities.snapshot_date = state.snapshot_date
    and probabilities.stage_code = state.stage_code
left join stages
    on stages.stage_code = state.stage_code
left join terms
    on terms.snapshot_date = state.snapshot_date
    and terms.opportunity_id = state.opportunity_id
left join {{ ref('dim_team') }} as teams
    on teams.team_id = terms.team_id
