-- Sales channels (渠道), one row per channel.
select
    channel_id,
    channel_name,
    channel_type,
    channel_subtype,
    case channel_type
        when 'direct' then '直营'
        when 'distribution' then '分销'
        when 'agency' then '代理'
        when 'ecommerce' then '电商'
        when 'cross_border' then '跨境'
    end as channel_type_zh,
    case when channel_type in ('distribution', 'agency') then true else false end as is_partner_channel
from {{ ref('stg_channels__channels') }}
