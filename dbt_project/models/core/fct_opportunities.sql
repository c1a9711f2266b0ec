-- Opportunities (销售机会 / 商机) in their current state, one row per opportunity, with the canonical
-- stage, base-currency amount, default stage probability and the 8C/1F/0W checklist flag.
with opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
)

select
    opportunities.opportunity_id,
    opportunities.account_id,
    opportunities.lead_id,
    opportunities.rep_id,
    reps.team_id,
    opportunities.channel_id,
    opportunities.partner_id,
    opportunities.product_id,
    products.product_line,
    opportunities.created_at,
    cast(opportunities.created_at as date) as created_date,
    opportunities.stage as source_stage,
    stage_map.stage_code,
    stages.stage_order,
    opportunities.status,
    case when opportunities.status = 'open' then true else false end as is_open,
    case when opportunities.status = 'won' then true else false end as is_won,
    case when opportunities.status = 'lost' then true else false end as is_lost,
    opportunities.amount,
    opportunities.currency,
    opportunities.amount_base,
    -- Probability: won = 1, lost = 0, open = the stage's default from the stages seed.
    case
        when opportunities.status = 'won' then 1.0
        when opportunities.status = 'lost' then 0.0
        else stages.default_win_probability
    end as win_probability,
    case
        when opportunities.status = 'open'
            then cast(opportunities.amount_base * stages.default_win_probability as {{ dbt.type_numeric() }})
        else 0
    end as weighted_amount_base,
    opportunities.expected_close_date,
    opportunities.closed_at,
    cast(opportunities.closed_at as date) as closed_date,
    opportunities.lost_reason,
    opportunities.checklist_c,
    opportunities.checklist_f,
    opportunities.checklist_w,
    -- "8个C,1个F,0个W 或以上 → 赢单率可以达到60%或更高" (domain.md §2.3).
    case
        when opportunities.checklist_c >= 8 and opportunities.checklist_f <= 1 and opportunities.checklist_w = 0
            then true
        else false
    end as is_8c1f0w,
    case
        when opportunities.closed_at is not null
            then {{ dbt.datediff('cast(opportunities.created_at as date)', 'cast(opportunities.closed_at as date)', 'day') }}
    end as days_to_close,
    opportunities.updated_at
from opportunities
left join {{ ref('stage_map') }} as stage_map
    on stage_map.source_stage = opportunities.stage
left join {{ ref('stages') }} as stages
    on stages.stage_code = stage_map.stage_code
left join {{ ref('stg_crm__sales_reps') }} as reps
    on reps.rep_id = opportunities.rep_id
left join {{ ref('dim_product') }} as products
    on products.product_id = opportunities.product_id
