-- No silent zeros: every deal the core fact says was won by the as-of date is counted in mart_win_rate
-- (company slice), whatever years the data spans. With a calendar fixed to other years the date-joined
-- funnel models dropped every deal and the mart showed 0 won while fct_opportunities held thousands.
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'mart_win_rate'}}}) }}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

fact as (
    select count(*) as won_deals
    from {{ ref('fct_opportunities') }}
    cross join as_of
    where is_won
      and closed_date <= as_of.as_of_date
),

mart as (
    select coalesce(sum(won_count), 0) as won_deals
    from {{ ref('mart_win_rate') }}
    where slice_type = 'company'
)

select fact.won_deals as fact_won_deals, mart.won_deals as mart_won_deals
from fact
cross join mart
where fact.won_deals <> mart.won_deals
