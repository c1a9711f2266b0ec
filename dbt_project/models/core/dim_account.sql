-- Customer accounts (客户), one row per account, with the owner rep's team.
select
    accounts.account_id,
    accounts.account_name,
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
    coalesce(accounts.strategic_flag, false) as is_strategic,
    accounts.demand_intensity,
    accounts.cooperation_potential,
    accounts.strategic_fit,
    accounts.contact_name,
    accounts.contact_phone,
    accounts.contact_email,
    accounts.created_at,
    cast(accounts.created_at as date) as created_date,
    accounts.updated_at
from {{ ref('stg_crm__accounts') }} as accounts
left join {{ ref('stg_crm__sales_reps') }} as reps
    on reps.rep_id = accounts.owner_rep_id
