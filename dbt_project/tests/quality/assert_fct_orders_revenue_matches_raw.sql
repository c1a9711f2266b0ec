-- Revenue reconciliation: the sum of fct_orders.revenue_base equals the same sum computed straight from
-- the raw landing rows, without staging or core: current file versions, not quarantined, one version
-- per key (last write wins: latest updated_at, then latest drop, load and row), net line amounts after
-- discount (returns negative), cancelled orders excluded, returned orders without any return line
-- excluded (the whole order came back, domain.md §1.10), converted with the latest rate on or before
-- the order date. A failure means staging or core lost, duplicated or mis-converted revenue.
-- The text columns are read with the project's cast macros (the portable try-cast layer), nothing else
-- of staging is reused. With the var as_of_date, the versions known by then (docs as_of_history).
{{ config(severity='error', meta={'dq_rule': 'DQ38', 'dagster': {'ref': {'name': 'fct_orders'}}}) }}

{%- set cutoff = as_of_known_before() %}
with ledger as (
    select load_id, drop_date, is_current
    from {{ source('audit', 'load_ledger') }}
    {%- if cutoff is none %}
    where is_current
    {%- endif %}
),

{#- With the var as_of_date, a version counts from its updated_at (orders) or drop date; per key the latest
    version known by the end of the as-of date wins, else the earliest known; superseded loads only for
    the time before the key's first current version (docs as_of_history), written out here again. #}
orders_versions as (
    select
        {{ text_col('o.order_id') }} as order_id,
        {{ text_col('o.status') }} as status,
        upper({{ text_col('o.currency') }}) as currency,
        {{ date_col('o.order_date') }} as order_date,
        {{ timestamp_col('o.updated_at') }} as updated_at,
        ledger.drop_date,
        ledger.is_current,
        coalesce({{ timestamp_col('o.updated_at') }}, cast(ledger.drop_date as timestamp)) as known_from,
        o._loaded_at,
        o._row_number
    from {{ source('raw', 'orders') }} as o
    inner join ledger
        on ledger.load_id = o._load_id
    where not o._is_quarantined
),

orders_ranked as (
    select
        v.*,
        row_number() over (
            partition by v.order_id
            order by
                {%- if cutoff is not none %}
                case when v.known_from is null or v.known_from < {{ cutoff }} then 0 else 1 end,
                case when v.known_from >= {{ cutoff }} then v.known_from end asc nulls last,
                {%- endif %}
                v.updated_at desc nulls last,
                v.drop_date desc nulls last,
                v._loaded_at desc nulls last,
                v._row_number desc nulls last
        ) as version_rank
    from orders_versions as v
    where v.is_current
       or (
           v.known_from is null
           or v.known_from < (
               select min(c.known_from) from orders_versions as c where c.order_id = v.order_id and c.is_current
           )
       ) and exists (
           select 1 from orders_versions as c2 where c2.order_id = v.order_id and c2.is_current and c2.known_from is not null
       )
),

lines_ranked as (
    select
        {{ text_col('l.order_id') }} as order_id,
        {{ int_col('l.quantity') }} as quantity,
        {{ decimal_col('l.unit_price') }} as unit_price,
        coalesce({{ decimal_col('l.discount_pct') }}, 0) as discount_pct,
        row_number() over (
            partition by {{ text_col('l.order_id') }}, {{ int_col('l.line_number') }}
            order by
                {%- if cutoff is not none %}
                case when ledger.drop_date is null or cast(ledger.drop_date as timestamp) < {{ cutoff }} then 0 else 1 end,
                case when cast(ledger.drop_date as timestamp) >= {{ cutoff }} then ledger.drop_date end asc nulls last,
                {%- endif %}
                ledger.drop_date desc nulls last, l._loaded_at desc nulls last, l._row_number desc nulls last
        ) as version_rank
    from {{ source('raw', 'order_lines') }} as l
    inner join ledger
        on ledger.load_id = l._load_id
    where not l._is_quarantined
      and ledger.is_current
),

rates_ranked as (
    select
        upper({{ text_col('f.currency') }}) as currency,
        {{ date_col('f.rate_date') }} as rate_date,
        {{ decimal_col('f.rate_to_base') }} as rate_to_base,
        row_number() over (
            partition by upper({{ text_col('f.currency') }}), {{ date_col('f.rate_date') }}
            order by ledger.drop_date desc nulls last, f._loaded_at desc nulls last, f._row_number desc nulls last
        ) as version_rank
    from {{ source('raw', 'fx_rates') }} as f
    inner join ledger
        on ledger.load_id = f._load_id
    where not f._is_quarantined
      and ledger.is_current
),

order_net as (
    select
        orders.order_id,
        orders.currency,
        orders.order_date,
        sum(lines.quantity * lines.unit_price * (1 - lines.discount_pct)) as net_amount
    from orders_ranked as orders
    inner join lines_ranked as lines
        on lines.order_id = orders.order_id
        and lines.version_rank = 1
    where orders.version_rank = 1
      and orders.status <> 'cancelled'
    group by orders.order_id, orders.status, orders.currency, orders.order_date
    having not (orders.status = 'returned' and min(lines.quantity) >= 0)
),

{#- The latest rate on or before each order date, carried forward: the order dates and the rate dates of
    a currency in one date order (a rate before an order of the same day), each order taking the latest
    rate date seen so far. A join on rate_date <= order_date pairs every order with its currency's whole
    rate history first: the slowest node of a build at scale. Orders without a date or currency take no
    rate, as in a join. #}
rate_events as (
    select
        order_id,
        currency,
        order_date as event_date,
        1 as is_order,
        cast(null as date) as rate_date
    from order_net
    where order_date is not null
      and currency is not null
    union all
    select
        cast(null as {{ dbt.type_string() }}) as order_id,
        currency,
        rate_date as event_date,
        0 as is_order,
        rate_date
    from rates_ranked
    where version_rank = 1
      and currency is not null
      and rate_date is not null
),

order_rate_dates as (
    select
        order_id,
        latest_rate_date as rate_date
    from (
        select
            order_id,
            is_order,
            max(rate_date) over (
                partition by currency
                order by event_date, is_order
                rows between unbounded preceding and current row
            ) as latest_rate_date
        from rate_events
    ) as carried
    where is_order = 1
),

order_revenue as (
    select
        order_net.order_id,
        order_net.net_amount * case
            when order_net.currency = '{{ var("base_currency") }}' then 1.0
            else rates.rate_to_base
        end as revenue
    from order_net
    left join order_rate_dates
        on order_rate_dates.order_id = order_net.order_id
    left join rates_ranked as rates
        on rates.version_rank = 1
        and rates.currency = order_net.currency
        and rates.rate_date = order_rate_dates.rate_date
),

from_raw as (
    select sum(revenue) as total, count(*) as orders, sum(case when revenue is null then 1 else 0 end) as unconverted
    from order_revenue
),

from_fact as (
    select sum(revenue_base) as total from {{ ref('fct_orders') }}
)

select
    from_raw.total as raw_revenue,
    from_fact.total as fct_orders_revenue,
    from_raw.unconverted as raw_orders_without_rate
from from_raw
cross join from_fact
-- The two sums round differently along the way: allow a cent, plus a billionth of the total.
where abs(coalesce(from_raw.total, 0) - coalesce(from_fact.total, 0))
    > 0.01 + 0.000000001 * abs(coalesce(from_fact.total, 0))
   or from_raw.unconverted > 0
