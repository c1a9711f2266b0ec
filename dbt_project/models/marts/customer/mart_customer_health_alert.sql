-- Customer-health alerts (客户健康度预警, [003] "通过CRM设置'预警指标'…触发预警后销售需主动沟通"), one
-- row per as-of date × customer × alert that fires, with the owner rep who must act. Rules (see the
-- customer_alert_types seed; every threshold is a var):
--   no_order_or_inquiry_2m  bought within tier_dormancy_days, but no purchase and no inquiry activity
--                           (customer_activity_types.counts_as_inquiry) in (as_of − alert_no_inquiry_months, as_of]
--   payment_late_15d        an order still unpaid more than alert_late_payment_days after its due date,
--                           counting payments received up to the as-of date
--   renewal_due_3m          bought within the RFM look-back window and the next agreement anniversary
--                           (first purchase + whole years; the contract has no contract file) falls in
--                           (as_of, as_of + alert_renewal_months]
--   dormant_untouched_q     no purchase within tier_dormancy_days and no touch activity
--                           (counts_as_touch) since the start of the as-of quarter
-- Cancelled orders are not purchases, so they never silence the first alert.
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
        coalesce(types.counts_as_inquiry, false) as counts_as_inquiry,
        coalesce(types.counts_as_touch, false) as counts_as_touch
    from {{ ref('stg_crm__activities') }} as activities
    left join {{ ref('customer_activity_types') }} as types
        on types.activity_type = activities.activity_type
    cross join as_of
    where activities.account_id is not null
      and cast(activities.occurred_at as date) <= as_of.as_of_date
),

last_contact as (
    select
        account_id,
        max(case when counts_as_inquiry then activity_date end) as last_inquiry_date,
        max(case when counts_as_touch then activity_date end) as last_touch_date
    from activities
    group by account_id
),

paid as (
    -- Settled in the order's currency: comparing base amounts would turn every exchange-rate move
    -- between order date and payment date into a small "unpaid" balance on foreign-currency orders.
    select
        payments.order_id,
        sum(case
            when payments.currency = orders.currency then payments.amount
            else payments.amount_base / orders.fx_rate_to_base
        end) as paid_order_currency
    from {{ ref('fct_payments') }} as payments
    inner join {{ ref('int_customer__orders') }} as orders
        on orders.order_id = payments.order_id
    cross join as_of
    where payments.paid_date <= as_of.as_of_date
    group by payments.order_id
),

overdue_orders as (
    select
        orders.account_id,
        orders.order_id,
        (orders.revenue_base / orders.fx_rate_to_base - coalesce(paid.paid_order_currency, 0))
            * orders.fx_rate_to_base as open_base,
        {{ dbt.datediff('orders.due_date', 'as_of.as_of_date', 'day') }} as days_overdue
    from {{ ref('int_customer__orders') }} as orders
    cross join as_of
    left join paid
        on paid.order_id = orders.order_id
    where orders.order_date <= as_of.as_of_date
      and orders.revenue_base / orders.fx_rate_to_base - coalesce(paid.paid_order_currency, 0) > 0.01
      and {{ dbt.datediff('orders.due_date', 'as_of.as_of_date', 'day') }} > {{ var('alert_late_payment_days') }}
),

overdue as (
    select
        account_id,
        count(*) as overdue_orders,
        sum(open_base) as overdue_amount_base,
        max(days_overdue) as max_days_overdue
    from overdue_orders
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
        'no_order_or_inquiry_2m' as alert_type
    from state
    cross join as_of
    left join last_contact
        on last_contact.account_id = state.account_id
    where state.recency_days <= {{ var('tier_dormancy_days') }}
      and state.last_purchase_date <= as_of.quiet_since
      and (last_contact.last_inquiry_date is null or last_contact.last_inquiry_date <= as_of.quiet_since)

    union all

    select
        account_id,
        'payment_late_15d' as alert_type
    from overdue

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
    left join last_contact
        on last_contact.account_id = state.account_id
    where state.recency_days > {{ var('tier_dormancy_days') }}
      and (last_contact.last_touch_date is null or last_contact.last_touch_date < as_of.quarter_start)
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
    cast(last_contact.last_inquiry_date as date) as last_inquiry_date,
    cast(last_contact.last_touch_date as date) as last_touch_date,
    cast(case when candidates.alert_type = 'payment_late_15d' then overdue.overdue_orders end as {{ dbt.type_int() }}) as overdue_orders,
    cast(case when candidates.alert_type = 'payment_late_15d' then overdue.overdue_amount_base end as {{ dbt.type_numeric() }}) as overdue_amount_base,
    cast(case when candidates.alert_type = 'payment_late_15d' then overdue.max_days_overdue end as {{ dbt.type_int() }}) as max_days_overdue,
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
left join last_contact
    on last_contact.account_id = candidates.account_id
left join overdue
    on overdue.account_id = candidates.account_id
left join renewal
    on renewal.account_id = candidates.account_id
