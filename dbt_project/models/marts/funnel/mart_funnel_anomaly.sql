-- Funnel anomalies (发现销售机会异常), as-of date × open opportunity × anomaly type, domain.md §2.4:
--   past_expected_close — still tracked after its expected close date (预计签单日期);
--   stagnant            — no stage change and no activity for funnel_stagnant_days days or more
--                         (防范客户资源流失; the number is SGNN, a var);
--   rep_overloaded      — the owner holds more than funnel_rep_load_ratio × the team's average open
--                         deals per rep (平衡客户资源分配). The team average counts active sales reps
--                         and anyone else holding an open deal; a rep with no deals counts as 0.
--                         "The team" is the subtree of the owner's team (dim_team_hierarchy, domain.md
--                         §5.2): deals can be rebalanced across every team under that team's manager,
--                         so a rep attached to a parent team is compared with the reps of its child
--                         teams too; a rep of a leaf team is compared with its own team, as before.
--                         A rep without a team gets no team average (no load check).
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

open_deals as (
    select *
    from {{ ref('int_funnel__opportunities') }}
    where status_as_of = 'open'
),

last_activity as (
    select
        activities.opportunity_id,
        max(cast(activities.occurred_at as date)) as last_activity_date
    from {{ ref('stg_crm__activities') }} as activities
    cross join as_of
    where activities.opportunity_id is not null
      and cast(activities.occurred_at as date) <= as_of.as_of_date
    group by activities.opportunity_id
),

rep_load as (
    select rep_id, count(*) as rep_open_deals
    from open_deals
    group by rep_id
),

book_holders as (
    select
        reps.rep_id,
        reps.team_id,
        coalesce(rep_load.rep_open_deals, 0) as rep_open_deals
    from {{ ref('dim_rep') }} as reps
    left join rep_load
        on rep_load.rep_id = reps.rep_id
    where (reps.is_active and coalesce(reps.role, 'rep') = 'rep')
       or rep_load.rep_id is not null
),

team_load as (
    -- Each book holder counts toward its own team and every team above it.
    select
        {{ team_subtree_id('book_holders.team_id') }} as team_id,
        count(*) as team_rep_count,
        sum(book_holders.rep_open_deals) as team_open_deals,
        -- A double from whole numbers: Spark's avg of a decimal keeps 5 places (10 / 3 → 3.33333).
        {{ as_double('sum(book_holders.rep_open_deals)') }} / count(*) as team_avg_open_deals
    from book_holders
    {{ team_subtree_join('book_holders.team_id') }}
    group by {{ team_subtree_id('book_holders.team_id') }}
),

measured as (
    select
        open_deals.opportunity_id,
        open_deals.rep_id,
        book_holders.team_id,
        open_deals.current_stage_code as stage_code,
        open_deals.amount_base,
        open_deals.expected_close_date,
        open_deals.current_stage_entered_date,
        last_activity.last_activity_date,
        case
            when last_activity.last_activity_date > open_deals.current_stage_entered_date
                then last_activity.last_activity_date
            else open_deals.current_stage_entered_date
        end as last_touch_date,
        book_holders.rep_open_deals,
        team_load.team_rep_count,
        team_load.team_open_deals,
        team_load.team_avg_open_deals,
        case
            when team_load.team_open_deals > 0
                then {{ as_double('book_holders.rep_open_deals * team_load.team_rep_count') }} / team_load.team_open_deals
        end as rep_load_ratio,
        as_of.as_of_date
    from open_deals
    cross join as_of
    left join last_activity
        on last_activity.opportunity_id = open_deals.opportunity_id
    left join book_holders
        on book_holders.rep_id = open_deals.rep_id
    left join team_load
        on team_load.team_id = book_holders.team_id
),

with_days as (
    select
        measured.*,
        case
            when expected_close_date < as_of_date then {{ dbt.datediff('expected_close_date', 'as_of_date', 'day') }}
        end as days_past_expected_close,
        {{ dbt.datediff('last_touch_date', 'as_of_date', 'day') }} as days_without_touch
    from measured
),

anomalies as (
    select
        with_days.*,
        'past_expected_close' as anomaly_type,
        '发现销售机会异常: 超过预计签单日期' as anomaly_label_zh,
        days_past_expected_close * 1.0 as measured_value,
        0.0 as threshold_value
    from with_days
    where expected_close_date < as_of_date

    union all

    select
        with_days.*,
        'stagnant' as anomaly_type,
        '防范客户资源流失: 阶段与跟进停滞' as anomaly_label_zh,
        days_without_touch * 1.0 as measured_value,
        {{ var('funnel_stagnant_days') }} * 1.0 as threshold_value
    from with_days
    where days_without_touch >= {{ var('funnel_stagnant_days') }}

    union all

    select
        with_days.*,
        'rep_overloaded' as anomaly_type,
        '平衡客户资源分配: 销售负荷失衡' as anomaly_label_zh,
        rep_load_ratio * 1.0 as measured_value,
        {{ var('funnel_rep_load_ratio') }} * 1.0 as threshold_value
    from with_days
    -- rep ÷ (team total ÷ reps) > ratio, judged on whole numbers: the average as a decimal or double
    -- is rounded (Spark keeps 5 places of a decimal avg, so 5 deals against 10 / 3 gave 1.5000015).
    where rep_open_deals * team_rep_count > {{ var('funnel_rep_load_ratio') }} * team_open_deals
)

select
    cast(as_of_date as date) as as_of_date,
    cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
    cast(anomaly_type as {{ dbt.type_string() }}) as anomaly_type,
    cast(anomaly_label_zh as {{ dbt.type_string() }}) as anomaly_label_zh,
    cast(measured_value as {{ dbt.type_numeric() }}) as measured_value,
    cast(threshold_value as {{ dbt.type_numeric() }}) as threshold_value,
    cast(rep_id as {{ dbt.type_string() }}) as rep_id,
    cast(team_id as {{ dbt.type_string() }}) as team_id,
    cast(stage_code as {{ dbt.type_string() }}) as stage_code,
    cast(amount_base as {{ dbt.type_numeric() }}) as amount_base,
    cast(expected_close_date as date) as expected_close_date,
    cast(days_past_expected_close as {{ dbt.type_bigint() }}) as days_past_expected_close,
    cast(current_stage_entered_date as date) as current_stage_entered_date,
    cast(last_activity_date as date) as last_activity_date,
    cast(days_without_touch as {{ dbt.type_bigint() }}) as days_without_touch,
    cast(rep_open_deals as {{ dbt.type_bigint() }}) as rep_open_deals,
    cast(team_avg_open_deals as {{ dbt.type_numeric() }}) as team_avg_open_deals,
    cast(rep_load_ratio as {{ dbt.type_numeric() }}) as rep_load_ratio
from anomalies
