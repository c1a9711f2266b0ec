-- Customer accounts (客户), one row per account, with the owner rep's team. An account that orders name
-- but that no accounts file delivered (a business without a CRM export, guest customers) is an inferred
-- member: its id as its name, created on its first order, so customer marts count its purchases.
-- Personal data is masked here (macros/mask_pii.sql), not in staging, so dedup and joins use raw values:
-- the contact's name, phone and e-mail, and the name of a consumer account (an individual).
with delivered as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.industry,
        accounts.region,
        accounts.city,
        accounts.city_tier,
        accounts.account_type,
        accounts.owner_rep_id,
        accounts.acquisition_channel_id,
        accounts.partner_id,
        accounts.credit_rating,
        coalesce(accounts.strategic_flag, false) as is_strategic,
        accounts.demand_intensity,
        accounts.cooperation_potential,
        accounts.strategic_fit,
        accounts.contact_name,
        accounts.contact_phone,
        accounts.contact_email,
        accounts.created_at,
        accounts.updated_at,
        false as is_inferred
    from {{ ref('stg_crm__accounts') }} as accounts
),

first_orders as (
    select
        orders.account_id,
        min(orders.order_date) as first_order_date
    from {{ ref('stg_orders__orders') }} as orders
    left join delivered
        on delivered.account_id = orders.account_id
    where delivered.account_id is null
      and orders.account_id is not null
    group by orders.account_id
),

inferred as (
    select
        account_id,
        account_id as account_name,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_bigint() }}) as city_tier,
        cast(null as {{ dbt.type_string() }}) as account_type,
        cast(null as {{ dbt.type_string() }}) as owner_rep_id,
        cast(null as {{ dbt.type_string() }}) as acquisition_channel_id,
        cast(null as {{ dbt.type_string() }}) as partner_id,
        cast(null as {{ dbt.type_string() }}) as credit_rating,
        false as is_strategic,
        cast(null as {{ dbt.type_bigint() }}) as demand_intensity,
        cast(null as {{ dbt.type_bigint() }}) as cooperation_potential,
        cast(null as {{ dbt.type_bigint() }}) as strategic_fit,
        cast(null as {{ dbt.type_string() }}) as contact_name,
        cast(null as {{ dbt.type_string() }}) as contact_phone,
        cast(null as {{ dbt.type_string() }}) as contact_email,
        cast(first_order_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at,
        true as is_inferred
    from first_orders
),

accounts as (
    select * from delivered
    union all
    select * from inferred
)

select
    accounts.account_id,
    case
        when accounts.account_type = 'consumer' then {{ mask_pii('accounts.account_name') }}
        else accounts.account_name
    end as account_name,
    accounts.industry,
    accounts.region,
    accounts.city,
    accounts.city_tier,
    accounts.account_type,
    accounts.owner_rep_id,
    reps.team_id as owner_team_id,
    accounts.acquisition_channel_id,
    accounts.partner_id,
    accounts.credit_rating,
    accounts.is_strategic,
    accounts.demand_intensity,
    accounts.cooperation_potential,
    accounts.strategic_fit,
    {{ mask_pii('accounts.contact_name') }} as contact_name,
    {{ mask_pii('accounts.contact_phone') }} as contact_phone,
    {{ mask_pii('accounts.contact_email', kind='email') }} as contact_email,
    accounts.created_at,
    cast(accounts.created_at as date) as created_date,
    accounts.updated_at,
    accounts.is_inferred
from accounts
left join {{ ref('stg_crm__sales_reps') }} as reps
    on reps.rep_id = accounts.owner_rep_id
