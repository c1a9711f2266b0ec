{%- set scope = "incremental_affected_sell_out_lines()" -%}
{{ config(
    materialized='incremental',
    unique_key='sell_out_line_key',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    partition_by=(['month_start'] if target.type == 'spark' else none),
    on_schema_change='append_new_columns',
    pre_hook="{{ incremental_delete_scope('sell_out_line_key', " ~ scope ~ ", []) }}",
    post_hook=[
        "{{ incremental_log_run('sell_out_line_key', " ~ scope ~ ", []) }}",
        "{{ incremental_forget_loads() }}",
        "{{ incremental_remember_loads([], as_of_sql='select as_of_date from ' ~ ref('int_as_of_date')) }}",
    ],
) }}
-- depends_on: {{ incremental_scope_inputs(['stg_channels__partner_sell_out', 'int_as_of_date', 'raw.partner_sell_out']) }}
-- Incremental (docs incremental_days): an incremental run deletes and rebuilds the lines of file loads it has not seen
-- (new or superseded) and the lines whose sold_on lies between the as-of date it was built for and
-- today's (incremental_affected_sell_out_lines).
-- Sell-out (动销): partner sales to end customers, one row per received line, sold on or before the
-- as-of date. partner_sell_out has no currency column: unit prices are taken to be in the base
-- currency (documented assumption, data-contract v1). The line key is the raw row identity (load +
-- row number) because the contract gives sell-out no primary key.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
)

select
    {{ surrogate_key(['sell_out._load_id', 'sell_out._row_number']) }} as sell_out_line_key,
    sell_out.partner_id,
    sell_out.product_id,
    sell_out.sold_on,
    cast({{ dbt.date_trunc('month', 'sell_out.sold_on') }} as date) as month_start,
    cast({{ dbt.date_trunc('quarter', 'sell_out.sold_on') }} as date) as quarter_start,
    sell_out.quantity,
    sell_out.unit_price as unit_price_base,
    sell_out.quantity * sell_out.unit_price as amount_base,
    sell_out.end_customer_region,
    sell_out.serial_no,
    sell_out._source_file,
    sell_out._row_number
from {{ ref('stg_channels__partner_sell_out') }} as sell_out
cross join as_of
where sell_out.sold_on <= as_of.as_of_date
  and sell_out.partner_id is not null
  and sell_out.product_id is not null
  and sell_out.quantity is not null
  and {{ incremental_scope_filter(
        surrogate_key(['sell_out._load_id', 'sell_out._row_number']), incremental_affected_sell_out_lines(),
        spark_partition={
            'column': 'month_start', 'key': 'sell_out_line_key',
            'expr': 'cast(' ~ dbt.date_trunc('month', 'sell_out.sold_on') ~ ' as date)',
            'source': ref('stg_channels__partner_sell_out'),
            'source_expr': 'cast(' ~ dbt.date_trunc('month', 'sold_on') ~ ' as date)',
            'source_key': surrogate_key(['_load_id', '_row_number'])}) }}
