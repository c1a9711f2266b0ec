{{ config(meta={'dagster': {'ref': {'name': 'mart_customer_pareto'}}}) }}
-- The trailing Pareto period is the RFM look-back window: a customer's trailing revenue must be its
-- RFM monetary value, and the customers with a purchase in it those with frequency > 0.
with pareto as (
    select account_id, revenue_base, purchases
    from {{ ref('mart_customer_pareto') }}
    where period_type = 'trailing'
),

rfm as (
    select account_id, monetary_base, frequency
    from {{ ref('mart_customer_rfm') }}
    where frequency > 0
)

select
    coalesce(pareto.account_id, rfm.account_id) as account_id,
    pareto.revenue_base,
    rfm.monetary_base
from pareto
full outer join rfm
    on rfm.account_id = pareto.account_id
where pareto.account_id is null
   or rfm.account_id is null
   or abs(pareto.revenue_base - rfm.monetary_base) > 0.01
   or pareto.purchases <> rfm.frequency
