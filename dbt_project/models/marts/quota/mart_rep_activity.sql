-- Rep activity (过程指标: 拜访次数, 方案数, 报价数; [000], [002]): one row per rep × day and per rep ×
-- month, from the first activity month in the data (or the rep's hire date, if later) to the as-of date
-- (or the termination date). Day rows cover workdays plus any other day with an activity.
--   contacts  = activities whose type is in var rep_contact_activity_types (联系客户)
--   the daily benchmark ([002] "每天需联系客户数量为60个") = var rep_daily_contact_target contacts
--   coverage  = owned accounts the rep touched in the month ÷ accounts the rep owns (target var
--               rep_monthly_coverage_target, [002] "一个月客户覆盖率就能达到100%"); ownership is the
--               current owner_rep_id, for accounts created by the period end.
{%- set contact_types = var('rep_contact_activity_types') %}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

activities as (
    select
        activities.activity_id,
        activities.rep_id,
        activities.account_id,
        activities.activity_type,
        cast(activities.occurred_at as date) as activity_date,
        case
            when activities.activity_type in ({% for t in contact_types %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
                then 1
            else 0
        end as is_contact
    from {{ ref('stg_crm__activities') }} as activities
    cross join as_of
    where cast(activities.occurred_at as date) <= as_of.as_of_date
      and activities.rep_id is not null
),

data_start as (
    select cast({{ dbt.date_trunc('month', 'min(activity_date)') }} as date) as first_date from activities
),

reps as (
    select
        reps.rep_id,
        reps.rep_name,
        reps.team_id,
        reps.role,
        case
            when reps.hire_date is not null and reps.hire_date > data_start.first_date then reps.hire_date
            else data_start.first_date
        end as start_date,
        case
            when reps.termination_date is not null and reps.termination_date < as_of.as_of_date then reps.termination_date
            else as_of.as_of_date
        end as end_date
    from {{ ref('dim_rep') }} as reps
    cross join data_start
    cross join as_of
),

daily as (
    select
        rep_id,
        activity_date,
        count(*) as total_activities,
        sum(is_contact) as contacts,
        sum(case when activity_type = 'call' then 1 else 0 end) as calls,
        sum(case when activity_type = 'visit' then 1 else 0 end) as visits,
        sum(case when activity_type = 'email' then 1 else 0 end) as emails,
        sum(case when activity_type = 'meeting' then 1 else 0 end) as meetings,
        sum(case when activity_type = 'proposal' then 1 else 0 end) as proposals,
        sum(case when activity_type = 'quote' then 1 else 0 end) as quotes,
        count(distinct account_id) as accounts_contacted
    from activities
    group by rep_id, activity_date
),

day_spine as (
    select
        reps.rep_id,
        dim_date.date_day,
        dim_date.month_start,
        dim_date.is_workday
    from reps
    inner join {{ ref('dim_date') }} as dim_date
        on dim_date.date_day >= reps.start_date
        and dim_date.date_day <= reps.end_date
),

day_rows as (
    select
        day_spine.rep_id,
        'day' as period_grain,
        day_spine.date_day as period_start,
        day_spine.date_day as period_end,
        case when day_spine.is_workday then 1 else 0 end as workdays,
        coalesce(daily.total_activities, 0) as total_activities,
        coalesce(daily.contacts, 0) as contacts,
        coalesce(daily.calls, 0) as calls,
        coalesce(daily.visits, 0) as visits,
        coalesce(daily.emails, 0) as emails,
        coalesce(daily.meetings, 0) as meetings,
        coalesce(daily.proposals, 0) as proposals,
        coalesce(daily.quotes, 0) as quotes,
        coalesce(daily.accounts_contacted, 0) as accounts_contacted,
        case when coalesce(daily.contacts, 0) >= {{ var('rep_daily_contact_target') }} then 1 else 0 end as days_met_contact_target
    from day_spine
    left join daily
        on daily.rep_id = day_spine.rep_id
        and daily.activity_date = day_spine.date_day
    where day_spine.is_workday or daily.rep_id is not null
),

month_accounts as (
    select
        rep_id,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start,
        count(distinct account_id) as accounts_contacted
    from activities
    group by rep_id, cast({{ dbt.date_trunc('month', 'activity_date') }} as date)
),

month_rows as (
    select
        day_rows.rep_id,
        'month' as period_grain,
        cast({{ dbt.date_trunc('month', 'day_rows.period_start') }} as date) as period_start,
        -- The month's last day, or the rep's last day (as-of or termination) inside it.
        max(
            case
                when dim_date.month_end < reps.end_date then dim_date.month_end
                else reps.end_date
            end
        ) as period_end,
        sum(day_rows.workdays) as workdays,
        sum(day_rows.total_activities) as total_activities,
        sum(day_rows.contacts) as contacts,
        sum(day_rows.calls) as calls,
        sum(day_rows.visits) as visits,
        sum(day_rows.emails) as emails,
        sum(day_rows.meetings) as meetings,
        sum(day_rows.proposals) as proposals,
        sum(day_rows.quotes) as quotes,
        max(coalesce(month_accounts.accounts_contacted, 0)) as accounts_contacted,
        sum(day_rows.days_met_contact_target) as days_met_contact_target
    from day_rows
    inner join reps
        on reps.rep_id = day_rows.rep_id
    inner join {{ ref('dim_date') }} as dim_date
        on dim_date.date_day = day_rows.period_start
    left join month_accounts
        on month_accounts.rep_id = day_rows.rep_id
        and month_accounts.month_start = cast({{ dbt.date_trunc('month', 'day_rows.period_start') }} as date)
    group by day_rows.rep_id, cast({{ dbt.date_trunc('month', 'day_rows.period_start') }} as date)
),

periods as (
    select * from day_rows
    union all
    select * from month_rows
),

account_creations as (
    select
        owner_rep_id as rep_id,
        coalesce(created_date, cast('1900-01-01' as date)) as created_date,
        count(*) as accounts_created
    from {{ ref('dim_account') }}
    where owner_rep_id is not null
    group by owner_rep_id, coalesce(created_date, cast('1900-01-01' as date))
),

owned_daily as (
    -- Accounts owned on each day: those created before the rep's first spine day plus a running sum.
    select
        day_spine.rep_id,
        day_spine.date_day,
        coalesce(before_start.accounts_created, 0) + sum(coalesce(account_creations.accounts_created, 0)) over (
            partition by day_spine.rep_id
            order by day_spine.date_day asc nulls last
            rows between unbounded preceding and current row
        ) as owned_accounts
    from day_spine
    left join account_creations
        on account_creations.rep_id = day_spine.rep_id
        and account_creations.created_date = day_spine.date_day
    left join (
        select account_creations.rep_id, sum(account_creations.accounts_created) as accounts_created
        from account_creations
        inner join reps on reps.rep_id = account_creations.rep_id
        where account_creations.created_date < reps.start_date
        group by account_creations.rep_id
    ) as before_start
        on before_start.rep_id = day_spine.rep_id
),

owned_touches as (
    select distinct
        activities.rep_id,
        activities.account_id,
        activities.activity_date,
        cast({{ dbt.date_trunc('month', 'activities.activity_date') }} as date) as month_start
    from activities
    inner join {{ ref('dim_account') }} as accounts
        on accounts.account_id = activities.account_id
        and accounts.owner_rep_id = activities.rep_id
),

owned_touched as (
    select rep_id, 'day' as period_grain, activity_date as period_start, count(distinct account_id) as owned_accounts_contacted
    from owned_touches
    group by rep_id, activity_date
    union all
    select rep_id, 'month' as period_grain, month_start as period_start, count(distinct account_id) as owned_accounts_contacted
    from owned_touches
    group by rep_id, month_start
),

owned as (
    select periods.rep_id, periods.period_grain, periods.period_start, owned_daily.owned_accounts
    from periods
    inner join owned_daily
        on owned_daily.rep_id = periods.rep_id
        and owned_daily.date_day = periods.period_end
)

select
    {{ surrogate_key(['periods.rep_id', 'periods.period_grain', 'periods.period_start']) }} as rep_activity_key,
    cast(periods.rep_id as {{ dbt.type_string() }}) as rep_id,
    cast(reps.rep_name as {{ dbt.type_string() }}) as rep_name,
    cast(reps.team_id as {{ dbt.type_string() }}) as team_id,
    cast(teams.top_team_id as {{ dbt.type_string() }}) as top_team_id,
    cast(teams.team_path as {{ dbt.type_string() }}) as team_path,
    cast(reps.role as {{ dbt.type_string() }}) as role,
    cast(periods.period_grain as {{ dbt.type_string() }}) as period_grain,
    cast(periods.period_start as date) as period_start,
    cast(periods.period_end as date) as period_end,
    cast(periods.workdays as integer) as workdays,
    cast(periods.total_activities as {{ dbt.type_bigint() }}) as total_activities,
    cast(periods.contacts as {{ dbt.type_bigint() }}) as contacts,
    cast(periods.calls as {{ dbt.type_bigint() }}) as calls,
    cast(periods.visits as {{ dbt.type_bigint() }}) as visits,
    cast(periods.emails as {{ dbt.type_bigint() }}) as emails,
    cast(periods.meetings as {{ dbt.type_bigint() }}) as meetings,
    cast(periods.proposals as {{ dbt.type_bigint() }}) as proposals,
    cast(periods.quotes as {{ dbt.type_bigint() }}) as quotes,
    cast(periods.accounts_contacted as {{ dbt.type_bigint() }}) as accounts_contacted,
    cast({{ var('rep_daily_contact_target') }} as integer) as daily_contact_target,
    cast(
        case
            when periods.period_grain = 'day' then periods.days_met_contact_target = 1
        end as {{ dbt.type_boolean() }}
    ) as is_daily_contact_target_met,
    cast(periods.days_met_contact_target as integer) as days_met_contact_target,
    cast(
        case when periods.workdays > 0 then periods.contacts * 1.0 / periods.workdays end as {{ dbt.type_numeric() }}
    ) as contacts_per_workday,
    -- Null (unknown, not 0) when the accounts file had no rows (macros/quality/mart_inputs.sql).
    cast({{ when_inputs_have_rows(['accounts'], 'coalesce(owned.owned_accounts, 0)') }} as {{ dbt.type_bigint() }}) as owned_accounts,
    cast({{ when_inputs_have_rows(['accounts'], 'coalesce(owned_touched.owned_accounts_contacted, 0)') }} as {{ dbt.type_bigint() }}) as owned_accounts_contacted,
    cast(
        case
            when coalesce(owned.owned_accounts, 0) > 0
                then coalesce(owned_touched.owned_accounts_contacted, 0) * 1.0 / owned.owned_accounts
        end as {{ dbt.type_numeric() }}
    ) as coverage_pct,
    cast({{ var('rep_monthly_coverage_target') }} as {{ dbt.type_numeric() }}) as coverage_target,
    cast(
        case
            when periods.period_grain = 'month' and coalesce(owned.owned_accounts, 0) > 0
                then coalesce(owned_touched.owned_accounts_contacted, 0) * 1.0 / owned.owned_accounts
                    >= {{ var('rep_monthly_coverage_target') }}
        end as {{ dbt.type_boolean() }}
    ) as is_coverage_target_met
from periods
left join {{ ref('dim_rep') }} as reps
    on reps.rep_id = periods.rep_id
left join owned
    on owned.rep_id = periods.rep_id
    and owned.period_grain = periods.period_grain
    and owned.period_start = periods.period_start
left join owned_touched
    on owned_touched.rep_id = periods.rep_id
    and owned_touched.period_grain = periods.period_grain
    and owned_touched.period_start = periods.period_start
left join {{ ref('dim_team') }} as teams
    on teams.team_id = reps.team_id
