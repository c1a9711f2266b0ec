-- Sales channels (渠道), one row per channel. A channel that orders or opportunities name but that no
-- channels file delivered (a business that sends no channels.csv) is an inferred member: its id as its
-- name and type 'unknown', so revenue by channel still adds up to the facts instead of vanishing.
with delivered as (
    select
        channel_id,
        channel_name,
        channel_type,
        channel_subtype,
        false as is_inferred
    from {{ ref('stg_channels__channels') }}
),

referenced as (
    select channel_id from {{ ref('stg_orders__orders') }} where channel_id is not null
    union
    select channel_id from {{ ref('stg_crm__opportunities') }} where channel_id is not null
),

inferred as (
    select
        referenced.channel_id,
        referenced.channel_id as channel_name,
        'unknown' as channel_type,
        cast(null as {{ dbt.type_string() }}) as channel_subtype,
        true as is_inferred
    from referenced
    left join delivered
        on delivered.channel_id = referenced.channel_id
    where delivered.channel_id is null
),

channels as (
    select channel_id, channel_name, channel_type, channel_subtype, is_inferred from delivered
    union all
    select channel_id, channel_name, channel_type, channel_subtype, is_inferred from inferred
)

select
    channel_id,
    channel_name,
    channel_type,
    channel_subtype,
    -- Chinese names of the contract's channel types (ingestion/contract.py), and of the inferred 'unknown'.
    {{ contract_label_case('channel_type', 'channel_type', extra={'unknown': '未知'}) }} as channel_type_zh,
    case when channel_type in ('distribution', 'agency') then true else false end as is_partner_channel,
    is_inferred
from channels
