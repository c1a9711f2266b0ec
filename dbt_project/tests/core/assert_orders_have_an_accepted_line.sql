{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}
-- An order, not cancelled, without a single accepted order line: its lines never came or were all
-- quarantined (`salesops summary` names them), so fct_orders shows 0 for a revenue, cost and open amount
-- that are unknown. Each row names such an order. Not checked when no order line was accepted at all:
-- marts.mart_coverage then reports the source missing and empties the marts that need it.
select
    orders.order_id,
    orders.order_date,
    orders.status,
    orders.account_id
from {{ ref('fct_orders') }} as orders
where not orders.is_cancelled
    and orders.line_count = 0
    and exists (select 1 from {{ ref('fct_order_lines') }})
