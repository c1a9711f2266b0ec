-- CRM completeness (客户资料完整性, 客户资料卡 as a rep KPI), one row per rep × week: how completely
-- the CRM records a rep entered that week are filled in (domain.md §7 DQ01 key customer fields, DQ02
-- profile completeness, DQ08 opportunity fields, DQ35 BANT before conversion), and how many of the
-- records the rep owns had not been updated for var crm_stale_days at the week's end ([003] "全维度+
-- 动态更新", [000] 完整性、准确性、及时性).
--
-- Limits of the source, on purpose visible: the CRM files carry the current owner and only the latest
-- updated_at. Ownership is the current one in every week, and a record whose latest update came after
-- a week counts, for that week, as last touched when it was created: staleness is exact for the as-of
-- week and an upper bound for earlier weeks.
{#- DQ01 contact fields and DQ02 profile fields of an account; DQ08 fields of an opportunity. -#}
{%- set account_fields = ['contact_name_filled', 'contact_channel_filled', 'industry_filled', 'account_type_filled', 'credit_rating_filled', 'city_tier_filled'] %}
{%- set opportunity_fields = ['account_filled', 'amount_filled', 'close_date_filled', 'product_filled'] %}

with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

first_full_week as (
    -- Weeks start on Monday (dim_date.week_start); the first one wholly inside the calendar.
    select min(week_start) as week_start
    from {{ ref('dim_date') }}
    where week_start >= (select min(date_day) from {{ ref('dim_date') }})
),

weeks as (
    select distinct
        dim_date.week_start,
        cast({{ dbt.dateadd('day', 6, 'dim_date.week_start') }} as date) as week_end
    from {{ ref('dim_date') }} as dim_date
    cross join as_of
    cross join first_full_week
    where dim_date.week_start >= first_full_week.week_start
      and dim_date.week_start <= as_of.as_of_date
),

spine as (
    select
        reps.rep_id,
        reps.team_id,
        weeks.week_start,
        weeks.week_end,
        -- The current week ends on the as-of date, never after it.
        case when weeks.week_end > as_of.as_of_date then as_of.as_of_date else weeks.week_end end as point_date,
        case when weeks.week_end >= as_of.as_of_date then true else false end as is_as_of_week,
        case
            when (reps.hire_date is null or reps.hire_date <= weeks.week_end)
                and (reps.termination_date is null or reps.termination_date >= weeks.week_start)
                then true
            else false
        end as is_employed
    from {{ ref('dim_rep') }} as reps
    cross join weeks
    cross join as_of
),

accounts as (
    select
        owner_rep_id as rep_id,
        cast(created_at as date) as created_date,
        cast(updated_at as date) as updated_date,
        case when contact_name is not null then 1 else 0 end as has_contact_name,
        case when contact_phone is not null or contact_email is not null then 1 else 0 end as has_contact_channel,
        case when industry is not null then 1 else 0 end as has_industry,
        case when account_type is not null then 1 else 0 end as has_account_type,
        case when credit_rating is not null then 1 else 0 end as has_credit_rating,
        case when city_tier is not null then 1 else 0 end as has_city_tier
    from {{ ref('dim_account') }}
    where owner_rep_id is not null
),

opportunities as (
    select
        rep_id,
        cast(created_at as date) as created_date,
        cast(updated_at as date) as updated_date,
        closed_date,
        is_open,
        case when account_id is not null then 1 else 0 end as has_account,
        case when amount is not null then 1 else 0 end as has_amount,
        case when expected_close_date is not null then 1 else 0 end as has_close_date,
        case when product_id is not null then 1 else 0 end as has_product
    from {{ ref('fct_opportunities') }}
),

leads as (
    select
        rep_id,
        cast(created_at as date) as created_date,
        (case when has_budget is not null then 1 else 0 end)
        + (case when has_authority is not null then 1 else 0 end)
        + (case when has_need is not null then 1 else 0 end)
        + (case when has_timeline is not null then 1 else 0 end) as bant_answers
    from {{ ref('stg_crm__leads') }}
    where rep_id is not null
),

accounts_entered as (
    select
        spine.rep_id,
        spine.week_start,
        count(*) as accounts_entered,
        sum(accounts.has_contact_name) as contact_name_filled,
        sum(accounts.has_contact_channel) as contact_channel_filled,
        sum(accounts.has_industry) as industry_filled,
        sum(accounts.has_account_type) as account_type_filled,
        sum(accounts.has_credit_rating) as credit_rating_filled,
        sum(accounts.has_city_tier) as city_tier_filled
    from spine
    inner join accounts
        on accounts.rep_id = spine.rep_id
        and accounts.created_date between spine.week_start and spine.point_date
    group by spine.rep_id, spine.week_start
),

opportunities_entered as (
    select
        spine.rep_id,
        spine.week_start,
        count(*) as opportunities_entered,
        sum(opportunities.has_account) as account_filled,
        sum(opportunities.has_amount) as amount_filled,
        sum(opportunities.has_close_date) as close_date_filled,
        sum(opportunities.has_product) as product_filled
    from spine
    inner join opportunities
        on opportunities.rep_id = spine.rep_id
        and opportunities.created_date between spine.week_start and spine.point_date
    group by spine.rep_id, spine.week_start
),

leads_entered as (
    select
        spine.rep_id,
        spine.week_start,
        count(*) as leads_entered,
        sum(leads.bant_answers) as bant_answers
    from spine
    inner join leads
        on leads.rep_id = spine.rep_id
        and leads.created_date between spine.week_start and spine.point_date
    group by spine.rep_id, spine.week_start
),

accounts_owned as (
    -- Last known update on the week's end: updated_at when it was by then, else the creation.
    select
        spine.rep_id,
        spine.week_start,
        count(*) as accounts_owned,
        sum(
            case
                when {{ dbt.datediff(
                    'case when accounts.updated_date <= spine.point_date then accounts.updated_date else accounts.created_date end',
                    'spine.point_date', 'day') }} >= {{ var('crm_stale_days') }}
                    then 1
                else 0
            end
        ) as stale_accounts
    from spine
    inner join accounts
        on accounts.rep_id = spine.rep_id
        and accounts.created_date <= spine.point_date
    group by spine.rep_id, spine.week_start
),

open_opportunities as (
    select
        spine.rep_id,
        spine.week_start,
        count(*) as open_opportunities,
        sum(
            case
                when {{ dbt.datediff(
                    'case when opportunities.updated_date <= spine.point_date then opportunities.updated_date else opportunities.created_date end',
                    'spine.point_date', 'day') }} >= {{ var('crm_stale_days') }}
                    then 1
                else 0
            end
        ) as stale_open_opportunities
    from spine
    inner join opportunities
        on opportunities.rep_id = spine.rep_id
        and opportunities.created_date <= spine.point_date
        and (opportunities.is_open or opportunities.closed_date > spine.point_date)
    group by spine.rep_id, spine.week_start
),

joined as (
    select
        spine.rep_id,
        spine.team_id,
        spine.week_start,
        spine.week_end,
        spine.is_employed,
        spine.is_as_of_week,
        {{ when_inputs_have_rows(['accounts'], 'coalesce(ae.accounts_entered, 0)') }} as accounts_entered,
        ae.contact_name_filled,
        ae.contact_channel_filled,
        ae.industry_filled,
        ae.account_type_filled,
        ae.credit_rating_filled,
        ae.city_tier_filled,
        -- Counts of a file without rows are null (unknown, not 0; macros/quality/mart_inputs.sql).
        {{ when_inputs_have_rows(['opportunities'], 'coalesce(oe.opportunities_entered, 0)') }} as opportunities_entered,
        oe.account_filled,
        oe.amount_filled,
        oe.close_date_filled,
        oe.product_filled,
        {{ when_inputs_have_rows(['leads'], 'coalesce(le.leads_entered, 0)') }} as leads_entered,
        {{ when_inputs_have_rows(['leads'], 'coalesce(le.bant_answers, 0)') }} as bant_answers,
        {{ when_inputs_have_rows(['accounts'], 'coalesce(ao.accounts_owned, 0)') }} as accounts_owned,
        {{ when_inputs_have_rows(['accounts'], 'coalesce(ao.stale_accounts, 0)') }} as stale_accounts,
        {{ when_inputs_have_rows(['opportunities'], 'coalesce(oo.open_opportunities, 0)') }} as open_opportunities,
        {{ when_inputs_have_rows(['opportunities'], 'coalesce(oo.stale_open_opportunities, 0)') }} as stale_open_opportunities
    from spine
    left join accounts_entered as ae
        on ae.rep_id = spine.rep_id and ae.week_start = spine.week_start
    left join opportunities_entered as oe
        on oe.rep_id = spine.rep_id and oe.week_start = spine.week_start
    left join leads_entered as le
        on le.rep_id = spine.rep_id and le.week_start = spine.week_start
    left join accounts_owned as ao
        on ao.rep_id = spine.rep_id and ao.week_start = spine.week_start
    left join open_opportunities as oo
        on oo.rep_id = spine.rep_id and oo.week_start = spine.week_start
),

scored as (
    select
        joined.*,
        {{ account_fields | join(' + ') }} as account_fields_filled,
        {{ opportunity_fields | join(' + ') }} as opportunity_fields_filled
    from joined
)

select
    cast(rep_id as {{ dbt.type_string() }}) as rep_id,
    cast(team_id as {{ dbt.type_string() }}) as team_id,
    cast(week_start as date) as week_start,
    cast(week_end as date) as week_end,
    cast(is_employed as {{ dbt.type_boolean() }}) as is_employed,
    cast(is_as_of_week as {{ dbt.type_boolean() }}) as is_as_of_week,
    cast(accounts_entered as {{ dbt.type_bigint() }}) as accounts_entered,
    {{ quality_share('contact_name_filled', 'accounts_entered') }} as account_contact_name_fill_rate,
    {{ quality_share('contact_channel_filled', 'accounts_entered') }} as account_contact_channel_fill_rate,
    {{ quality_share('industry_filled', 'accounts_entered') }} as account_industry_fill_rate,
    {{ quality_share('account_type_filled', 'accounts_entered') }} as account_type_fill_rate,
    {{ quality_share('credit_rating_filled', 'accounts_entered') }} as account_credit_rating_fill_rate,
    {{ quality_share('city_tier_filled', 'accounts_entered') }} as account_city_tier_fill_rate,
    {{ quality_share('account_fields_filled', 'accounts_entered * ' ~ account_fields | length) }} as account_completeness_score,
    cast(opportunities_entered as {{ dbt.type_bigint() }}) as opportunities_entered,
    {{ quality_share('account_filled', 'opportunities_entered') }} as opportunity_account_fill_rate,
    {{ quality_share('amount_filled', 'opportunities_entered') }} as opportunity_amount_fill_rate,
    {{ quality_share('close_date_filled', 'opportunities_entered') }} as opportunity_close_date_fill_rate,
    {{ quality_share('product_filled', 'opportunities_entered') }} as opportunity_product_fill_rate,
    {{ quality_share('opportunity_fields_filled', 'opportunities_entered * ' ~ opportunity_fields | length) }} as opportunity_completeness_score,
    cast(leads_entered as {{ dbt.type_bigint() }}) as leads_entered,
    {{ quality_share('bant_answers', 'leads_entered * 4') }} as lead_bant_fill_rate,
    -- Over the records entered: a file without rows adds nothing to either side.
    {{ quality_share(
        'coalesce(account_fields_filled, 0) + coalesce(opportunity_fields_filled, 0) + coalesce(bant_answers, 0)',
        'coalesce(accounts_entered, 0) * ' ~ account_fields | length ~ ' + coalesce(opportunities_entered, 0) * ' ~ opportunity_fields | length ~ ' + coalesce(leads_entered, 0) * 4'
    ) }} as crm_completeness_score,
    cast(accounts_owned as {{ dbt.type_bigint() }}) as accounts_owned,
    cast(stale_accounts as {{ dbt.type_bigint() }}) as stale_accounts,
    {{ quality_share('stale_accounts', 'accounts_owned') }} as stale_account_share,
    cast(open_opportunities as {{ dbt.type_bigint() }}) as open_opportunities,
    cast(stale_open_opportunities as {{ dbt.type_bigint() }}) as stale_open_opportunities,
    {{ quality_share('stale_open_opportunities', 'open_opportunities') }} as stale_open_opportunity_share,
    cast({{ var('crm_stale_days') }} as {{ dbt.type_int() }}) as stale_after_days
from scored
