-- Channel partners (经销商 / 代理商), one row per partner, with channel type and upstream partner.
with partners as (
    select * from {{ ref('stg_channels__partners') }}
)

select
    partners.partner_id,
    partners.partner_name,
    partners.channel_id,
    channels.channel_type,
    partners.tier,
    partners.parent_partner_id,
    parent.partner_name as parent_partner_name,
    case when partners.parent_partner_id is null then 1 else 2 end as distribution_level,
    partners.region,
    partners.authorized_regions,
    partners.contract_start,
    partners.contract_end,
    partners.staff_count,
    partners.staff_trained
from partners
left join partners as parent
    on parent.partner_id = partners.parent_partner_id
left join {{ ref('stg_channels__channels') }} as channels
    on channels.channel_id = partners.channel_id
