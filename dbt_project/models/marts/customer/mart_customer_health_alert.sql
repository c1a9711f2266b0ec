-- Customer-health alerts (客户健康度预警, [003] "通过CRM设置'预警指标'…触发预警后销售需主动沟通"), one
-- row per as-of date × customer × alert that fires, with the owner rep who must act. Rules (see the
-- customer_alert_types seed; every threshold is a var):
--   no_new_inquiry_2m   domain.md §3.8 H1 "连续2个月未咨询新需求": a customer who bought within
--                       tier_dormancy_days and has been one for the whole quiet period (first purchase on
--                       or before as_of − alert_no_inquiry_months) has raised no new need in
--                       (as_of − alert_no_inquiry_months, as_of]. A new need is what the customer brings:
--                       a new lead for the account (source other than 'outbound', which is the rep
--                       prospecting) or a new opportunity (商机) opened for the account. Purchases do not
--                       silence it (the spec speaks of inquiries only), and activities never count: the
--                       contract's activities are logged by the rep and carry no direction, so a rep's
--                       call cannot be told from a customer's inquiry (that would need an inbound/outbound
--                       flag on activities, e.g. activities.direction).
--   payment_late_15d    domain.md §3.8 H2 "付款延迟超15天" (days_late > alert_late_payment_days): a payment
--                       received in the last alert_late_payment_lookback_days up to the as-of date more
--                       than N days after its due date (fct_payments paid_date − due_date), or an order
--                       balance still open more than N days after its due date (a payment that has not
--                       arrived N days after the due date is already more than N days late). Amounts in
--                       the base currency.
--   renewal_due_3m      bought within the RFM look-back window and the next agreement anniversary
--                       (first purchase + whole years; the contract has no contract file) falls in
--                       (as_of, as_of + alert_renewal_months]
--   dormant_untouched_q no purchase within tier_dormancy_days and no touch activity
--                       (counts_as_touch) since the start of the as-of quarter
-- An alert whose evidence file had no rows does not fire: its condition is unknown, and "no inquiry" or
-- "not paid" read off a file that never came would flag every customer (macros/quality/mart_inputs.sql).
--   no_new_inquiry_2m needs leads or opportunities, payment_late_15d payments, dormant_untouched_q activities.
with as_of as (
    select
        as_of_date,
        cast({{ dbt.dateadd('month', -1 * var('alert_no_inquiry_months'), 'as_of_date') }} as date) as quiet_since,
        cast({{ dbt.date_trunc('quarter', 'as_of_date') }} as date) as quarter_start,
        cast({{ dbt.dateadd('month', var('alert_renewal_months'), 'as_of_date') }} as date) as renewal_horizon
    from {{ ref('int_as_of_date') }}
),

state as (
    select *
    from {{ ref('int_customer__monthly_state') }}
    where is_as_of_month
      and has_purchased
),

activities as (
    select
        activities.account_id,
        cast(activities.occurred_at as date) as activity_date,
        coalesce(types.counts_as_touch, false) as counts_as_touch
    from {{ ref('stg_crm__activities') }} as activities
    left join {{ ref('customer_activity_types') }} as types
        on types.activity_type = activities.activity_type
    cross join as_of
    where activities.account_id is not null
      and cast(activities.occurred_at as date) <= as_of.as_of_date
),

last_touch as (
    select
        account_id,
        max(case when counts_as_touch then activity_date end) as last_touch_date
    from activities
    group by account_id
),

new_needs as (
    select
        leads.account_id,
        cast(leads.created_at as date) as inquiry_date
    from {{ ref('stg_crm__leads') }} as leads
    where leads.account_id is not null
      and (leads.source is null or leads.source <> 'outbound')

    union all

    select
        opportunities.account_id,
        cast(opportunities.created_at as date) as inquiry_date
    from {{ ref('stg_crm__opportunities') }} as opportunities
    where opportunities.account_id is not null
),

last_inquiry as (
    select
        new_needs.account_id,
        max(new_needs.inquiry_date) as last_inquiry_date
    from new_needs
    cross join as_of
    where new_needs.inquiry_date <= as_of.as_of_date
    group by new_needs.account_id
),

late_events as (
    -- Payments received late, counted while they are recent (the alert asks the rep to talk now).
    select
        orders.account_id,
        'paid_late' as late_kind,
        payments.amount_base,
        {{ dbt.datediff('payments.due_date', 'payments.paid_date', 'day') }} as days_late
    from {{ ref('fct_payments') }} as payments
    inner join {{ ref('int_customer__orders') }} as orders
        on orders.order_id = payments.order_id
    cross join as_of
    where payments.paid_date <= as_of.as_of_date
      and payments.paid_date > cast({{ dbt.dateadd('day', -1 * var('alert_late_payment_lookback_days'), 'as_of.as_of_date') }} as date)
      and {{ dbt.datediff('payments.due_date', 'payments.paid_date', 'day') }} > {{ var('alert_late_payment_days') }}

    union all

    -- Balances still open past the threshold: the payment is already more than N days late. The open
    -- amount follows the receivables money convention (docs receivables_money_convention), so the alert
    -- and the aging mart never disagree about what a customer owes.
    select
        balances.account_id,
        'open_overdue' as late_kind,
        balances.open_base as amount_base,
        balances.days_past_due as days_late
    from {{ ref('int_collections__order_balances') }} as balances
    where balances.open_base > 0
      and balances.days_past_due > {{ var('alert_late_payment_days') }}
),

late as (
    select
        account_id,
        sum(case when late_kind = 'paid_late' then 1 else 0 end) as late_payments,
        sum(case when late_kind = 'paid_late' then amount_base else 0 end) as late_paid_amount_base,
        sum(case when late_kind = 'open_overdue' then 1 else 0 end) as overdue_orders,
        sum(case when late_kind = 'open_overdue' then amount_base else 0 end) as overdue_amount_base,
        max(case when late_kind = 'open_overdue' then days_late end) as max_days_overdue,
        max(days_late) as max_days_late
    from late_events
    group by account_id
),

renewal as (
    select
        state.account_id,
        case
            when cast({{ dbt.dateadd('year', dbt.datediff('state.first_purchase_date', 'as_of.as_of_date', 'year'), 'state.first_purchase_date') }} as date) > as_of.as_of_date
                then cast({{ dbt.dateadd('year', dbt.datediff('state.first_purchase_date', 'as_of.as_of_date', 'year'), 'state.first_purchase_date') }} as date)
            else cast({{ dbt.dateadd('year', dbt.datediff('state.first_purchase_date', 'as_of.as_of_date', 'year') ~ ' + 1', 'state.first_purchase_date') }} as date)
        end as renewal_date
    from state
    cross join as_of
    where state.frequency > 0
),

candidates as (
    select
        state.account_id,
        'no_new_inquiry_2m' as alert_type
    from state
    cross join as_of
    left join last_inquiry
        on last_inquiry.account_id = state.account_id
    where state.recency_days <= {{ var('tier_dormancy_days') }}
      and state.first_purchase_date <= as_of.quiet_since
      and (last_inquiry.last_inquiry_date is null or last_inquiry.last_inquiry_date <= as_of.quiet_since)
      and {{ inputs_have_rows(['leads|opportunities']) }}

    union all

    select
        account_id,
        'payment_late_15d' as alert_type
    from late
    where {{ inputs_have_rows(['payments']) }}

    union all

    select
        renewal.account_id,
        'renewal_due_3m' as alert_type
    from renewal
    cross join as_of
    where renewal.renewal_date <= as_of.renewal_horizon

    union all

    select
        state.account_id,
        'dormant_untouched_q' as alert_type
    from state
    cross join as_of
    left join last_touch
        on last_touch.account_id = state.account_id
    where state.recency_days > {{ var('tier_dormancy_days') }}
      and (last_touch.last_touch_date is null or last_touch.last_touch_date < as_of.quarter_start)
      and {{ inputs_have_rows(['activities']) }}
)

select
    cast(as_of.as_of_date as date) as as_of_date,
    cast(candidates.account_id as {{ dbt.type_string() }}) as account_id,
    cast(accounts.account_name as {{ dbt.type_string() }}) as account_name,
    cast(candidates.alert_type as {{ dbt.type_string() }}) as alert_type,
    cast(alert_types.alert_name_zh as {{ dbt.type_string() }}) as alert_name_zh,
    cast(alert_types.severity as {{ dbt.type_string() }}) as severity,
    cast(accounts.owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
    cast(reps.rep_name as {{ dbt.type_string() }}) as owner_rep_name,
    cast(accounts.owner_team_id as {{ dbt.type_string() }}) as owner_team_id,
    cast(tier.tier_code as {{ dbt.type_string() }}) as tier_code,
    cast(rfm.segment_code as {{ dbt.type_string() }}) as segment_code,
    cast(state.last_purchase_date as date) as last_purchase_date,
    cast(state.recency_days as {{ dbt.type_int() }}) as recency_days,
    cast(last_inquiry.last_inquiry_date as date) as last_inquiry_date,
    cast(last_touch.last_touch_date as date) as last_touch_date,
    cast(case when candidates.alert_type = 'payment_late_15d' then late.late_payments end as {{ dbt.type_int() }}) as late_payments,
    cast(case when candidates.alert_type = 'payment_late_15d' then late.late_paid_amount_base end as {{ dbt.type_numeric() }}) as late_paid_amount_base,
    cast(case when candidates.alert_type = 'payment_late_15d' then late.overdue_orders end as {{ dbt.type_int() }}) as overdue_orders,
    cast(case when candidates.alert_type = 'payment_late_15d' then late.overdue_amount_base end as {{ dbt.type_numeric() }}) as overdue_amount_base,
    cast(case when candidates.alert_type = 'payment_late_15d' then late.max_days_overdue end as {{ dbt.type_int() }}) as max_days_overdue,
    cast(case when candidates.alert_type = 'payment_late_15d' then late.max_days_late end as {{ dbt.type_int() }}) as max_days_late,
    cast(case when candidates.alert_type = 'renewal_due_3m' then renewal.renewal_date end as date) as renewal_date
from candidates
cross join as_of
left join {{ ref('customer_alert_types') }} as alert_types
    on alert_types.alert_type = candidates.alert_type
left join {{ ref('dim_account') }} as accounts
    on accounts.account_id = candidates.account_id
left join {{ ref('dim_rep') }} as reps
    on reps.rep_id = accounts.owner_rep_id
left join state
    on state.account_id = candidates.account_id
left join {{ ref('mart_customer_tier') }} as tier
    on tier.account_id = candidates.account_id
    and tier.snapshot_date = as_of.as_of_date
left join {{ ref('mart_customer_rfm') }} as rfm
    on rfm.account_id = candidates.account_id
left join last_inquiry
    on last_inquiry.account_id = candidates.account_id
left join last_touch
    on last_touch.account_id = candidates.account_id
left join late
    on late.account_id = candidates.account_id
left join renewal
    on renewal.account_id = candidates.account_id
