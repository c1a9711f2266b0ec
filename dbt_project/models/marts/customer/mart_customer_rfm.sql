-- RFM (客户分级 RFM模型) as of the reporting date, one row per customer that has bought by then.
-- The scoring itself lives in int_customer__rfm_scores (shared with the monthly marts); this is its
-- as-of slice plus the account's B2B extension scores 需求强度 / 合作潜力 / 战略匹配度 ([003]), which
-- come from the CRM as they stand today (the contract keeps no history of them).
with scores as (
    select *
    from {{ ref('int_customer__rfm_scores') }}
    where is_as_of_month
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
)

select
    cast(as_of.as_of_date as date) as as_of_date,
    cast(scores.account_id as {{ dbt.type_string() }}) as account_id,
    cast(accounts.account_name as {{ dbt.type_string() }}) as account_name,
    cast(accounts.owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
    cast(accounts.owner_team_id as {{ dbt.type_string() }}) as owner_team_id,
    cast(scores.window_start as date) as window_start_exclusive,
    cast(scores.first_purchase_date as date) as first_purchase_date,
    cast(scores.last_purchase_date as date) as last_purchase_date,
    cast(scores.recency_days as {{ dbt.type_int() }}) as recency_days,
    cast(scores.frequency as {{ dbt.type_int() }}) as frequency,
    cast(scores.monetary_base as {{ dbt.type_numeric() }}) as monetary_base,
    cast(scores.r_score as {{ dbt.type_int() }}) as r_score,
    cast(scores.f_score as {{ dbt.type_int() }}) as f_score,
    cast(scores.m_score as {{ dbt.type_int() }}) as m_score,
    cast(scores.rfm_code as {{ dbt.type_string() }}) as rfm_code,
    cast(scores.r_score + scores.f_score + scores.m_score as {{ dbt.type_int() }}) as rfm_total_score,
    cast(scores.segment_code as {{ dbt.type_string() }}) as segment_code,
    cast(scores.segment_name as {{ dbt.type_string() }}) as segment_name,
    cast(scores.segment_name_zh as {{ dbt.type_string() }}) as segment_name_zh,
    cast(scores.segment_rank as {{ dbt.type_int() }}) as segment_rank,
    cast(scores.recency_method as {{ dbt.type_string() }}) as recency_method,
    cast(scores.frequency_method as {{ dbt.type_string() }}) as frequency_method,
    cast(scores.monetary_method as {{ dbt.type_string() }}) as monetary_method,
    cast(scores.scored_customers as {{ dbt.type_int() }}) as scored_customers,
    cast(accounts.demand_intensity as {{ dbt.type_int() }}) as demand_intensity,
    cast(accounts.cooperation_potential as {{ dbt.type_int() }}) as cooperation_potential,
    cast(accounts.strategic_fit as {{ dbt.type_int() }}) as strategic_fit,
    cast(accounts.is_strategic as {{ dbt.type_boolean() }}) as is_strategic
from scores
cross join as_of
left join {{ ref('dim_account') }} as accounts
    on accounts.account_id = scores.account_id
