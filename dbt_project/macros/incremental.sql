{#- Incremental facts (docs: incremental_days in models/core/_incremental.md).

    What a target already holds is written down per model in audit.incremental_loads_seen: the ledger
    loads (audit.load_ledger) it was built from and a build signature (the model's code, the as-of var and
    the vars that change every row). An incremental run rebuilds the scope touched by the loads it has not
    seen, plus the loads those superseded (a corrected file version: the keys it no longer holds are
    deleted). The scope is deleted from the target by a pre-hook and selected again by the model, so a key
    a corrected file removed is gone and nothing else moves. Everything is rebuilt when there is no record,
    the signature differs (another as-of date, another base currency, changed model code) or the var
    as_of_date is set (history runs). audit.incremental_runs logs each build: all rows or how many keys.
    Spark has no DELETE on Parquet: there the scope widens to whole partitions and insert_overwrite
    replaces them (a history run or a removed last key of a partition there needs --full-refresh). -#}

{#- Spark has no DELETE on Parquet: there the records are partitioned by model, and
    incremental_remember_loads overwrites the model's partition. -#}
{% macro incremental_state_ddl() -%}
    {{ return([
        'create schema if not exists audit',
        'create table if not exists audit.incremental_loads_seen (model_name ' ~ dbt.type_string()
            ~ ' not null, load_id ' ~ dbt.type_string() ~ ' not null, build_signature ' ~ dbt.type_string()
            ~ ' not null, as_of_date date)'
            ~ (' using parquet partitioned by (model_name)' if target.type == 'spark' else ''),
        'create table if not exists audit.incremental_runs (model_name ' ~ dbt.type_string()
            ~ ' not null, invocation_id ' ~ dbt.type_string() ~ ' not null, rebuilt_all ' ~ dbt.type_boolean()
            ~ ' not null, keys_rebuilt ' ~ dbt.type_bigint() ~ ', built_at ' ~ dbt.type_timestamp() ~ ' not null)',
    ]) }}
{%- endmacro %}

{#- on-run-start: the bookkeeping tables exist before any incremental model reads them. -#}
{% macro ensure_incremental_state() -%}
    {%- if execute -%}
        {%- for statement in incremental_state_ddl() -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as incremental_state_ready
{%- endmacro %}


{#- What makes every row of the model different when it changes: its own code, the as-of var and the
    vars in `row_vars` (base_currency always). A new signature rebuilds the whole target. -#}
{% macro incremental_build_signature(row_vars=[]) -%}
    {%- set checksum = model.checksum.checksum if model is defined and model.checksum is defined else '' -%}
    {%- set parts = [checksum, 'as_of_date=' ~ var('as_of_date', none), 'base_currency=' ~ var('base_currency')] -%}
    {%- for name in row_vars -%}
        {%- do parts.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {{- return(local_md5(parts | join('|'))) -}}
{%- endmacro %}


{#- True when this run must rebuild every row (see the header). Decided from the records, so the model
    SQL, its pre-hook and its post-hook (all rendered before the post-hook writes) agree. -#}
{% macro incremental_rebuild_all(row_vars=[]) -%}
    {%- if incremental_scope_unused() or not is_incremental() or var('as_of_date', none) -%}
        {{- return(true) -}}
    {%- endif -%}
    {%- set recorded = run_query(
        "select count(*), count(distinct build_signature), max(build_signature) from audit.incremental_loads_seen"
        ~ " where model_name = '" ~ this.identifier ~ "'"
    ) -%}
    {%- set row = recorded.rows[0] -%}
    {{- return(row[0] == 0 or row[1] != 1 or row[2] != incremental_build_signature(row_vars)) -}}
{%- endmacro %}


{#- Scope SQL is built eagerly (it is a macro argument); at parse time and in unit tests (built from
    given rows, never incrementally) it is not used and must not name relations. -#}
{% macro incremental_scope_unused() -%}
    {{- return(not execute or model.resource_type == 'unit_test') -}}
{%- endmacro %}


{#- Ledger loads this model has not seen, and the loads they superseded (their rows left the current data). -#}
{% macro incremental_new_loads() -%}
    select ledger.load_id
    from {{ source('audit', 'load_ledger') }} as ledger
    where ledger.load_id not in (
            select seen.load_id from audit.incremental_loads_seen as seen
            where seen.model_name = '{{ this.identifier }}'
        )
       or ledger.superseded_by not in (
            select seen.load_id from audit.incremental_loads_seen as seen
            where seen.model_name = '{{ this.identifier }}'
        )
{%- endmacro %}


{#- Keys (`key_sql`, an expression over raw columns typed as staging types them) of the raw rows of the
    loads this model has not seen, quarantined rows included (a superset is safe). -#}
{% macro incremental_changed_raw_keys(raw_table, key_sql) -%}
    select distinct {{ key_sql }} as changed_key
    from {{ source('raw', raw_table) }}
    where _load_id in ({{ incremental_new_loads() }})
{%- endmacro %}


{#- Per currency, the earliest rate_date with a new, changed or removed rate: converted amounts on and after
    it may change (a new rate also ends the previous one), amounts before it cannot. -#}
{% macro incremental_changed_fx() -%}
    select upper({{ text_col('currency') }}) as currency, min({{ date_col('rate_date') }}) as first_changed_date
    from {{ source('raw', 'fx_rates') }}
    where _load_id in ({{ incremental_new_loads() }})
    group by upper({{ text_col('currency') }})
{%- endmacro %}


{#- The orders whose fct_order_lines / fct_payments / fct_orders rows a run must rebuild: a header, line or
    payment version came or went (every order a changed payment ever pointed at), a product the lines sell
    changed (its own version, or the latest rate of its price currency), a rate used to convert the order
    or its payments changed, or (include_reps) the rep's team changed. -#}
{% macro incremental_affected_orders(include_payments=true, include_reps=false) -%}
    {%- if incremental_scope_unused() %}{{ return('select null') }}{% endif -%}
    {%- set changed_fx = incremental_changed_fx() -%}
    select changed_key as order_id
    from ({{ incremental_changed_raw_keys('orders', text_col('order_id')) }}) as changed_headers
    union
    select changed_key from ({{ incremental_changed_raw_keys('order_lines', text_col('order_id')) }}) as changed_lines
    union
    select lines.order_id
    from {{ ref('stg_orders__order_lines') }} as lines
    where lines.product_id in (
            select changed_key from ({{ incremental_changed_raw_keys('products', text_col('product_id')) }}) as changed_products
        )
       or lines.product_id in (
            select products.product_id
            from {{ ref('stg_orders__products') }} as products
            where products.currency in (select changed_fx.currency from ({{ changed_fx }}) as changed_fx)
        )
    union
    select orders.order_id
    from {{ ref('stg_orders__orders') }} as orders
    inner join ({{ changed_fx }}) as changed_fx
        on changed_fx.currency = orders.currency
        and orders.order_date >= changed_fx.first_changed_date
    {%- if include_payments %}
    union
    select {{ text_col('order_id') }}
    from {{ source('raw', 'payments') }}
    where {{ text_col('payment_id') }} in (
        select changed_key from ({{ incremental_changed_raw_keys('payments', text_col('payment_id')) }}) as changed_payments
    )
    union
    select payments.order_id
    from {{ ref('stg_orders__payments') }} as payments
    inner join ({{ changed_fx }}) as changed_fx
        on changed_fx.currency = payments.currency
        and cast(payments.paid_at as date) >= changed_fx.first_changed_date
    {%- endif %}
    {%- if include_reps %}
    union
    select orders.order_id
    from {{ ref('stg_orders__orders') }} as orders
    where orders.rep_id in (
        select changed_key from ({{ incremental_changed_raw_keys('sales_reps', text_col('rep_id')) }}) as changed_reps
    )
    {%- endif %}
{%- endmacro %}


{#- Pre-hook: delete the scope this run rebuilds (everything when it rebuilds all). `scope_sql` selects the
    values of `column` to rebuild. Nothing on Spark (insert_overwrite replaces partitions instead). -#}
{% macro incremental_delete_scope(column, scope_sql, row_vars=[]) -%}
    {%- if not execute or not is_incremental() or target.type == 'spark' -%}
        select 1 as nothing_to_delete
    {%- elif incremental_rebuild_all(row_vars) -%}
        delete from {{ this }}
    {%- else -%}
        delete from {{ this }} where {{ column }} in ({{ scope_sql }})
    {%- endif -%}
{%- endmacro %}


{#- Where-clause of the model: the rows of the scope (all rows on a full build or when rebuilding all).
    On Spark (no DELETE) the batch must hold whole partitions: `spark_partition` names the target's
    partition and key columns, the partition expression in this where-clause and in a `source` relation
    with its key column; every partition a scope row is in, before or after, is rebuilt. A model whose rows
    depend on rows in other partitions (a running total, a per-account sequence) passes none and is
    rebuilt in full there. -#}
{% macro incremental_scope_filter(column, scope_sql, row_vars=[], spark_partition=none) -%}
    {%- if incremental_rebuild_all(row_vars) or (target.type == 'spark' and not spark_partition) -%}
        1 = 1
    {%- elif target.type == 'spark' -%}
        {%- set p = spark_partition -%}
        {{ p.expr }} in (
            select {{ p.column }} from {{ this }} where {{ p.key }} in ({{ scope_sql }})
            union
            select {{ p.source_expr }} from {{ p.source }} where {{ p.source_key }} in ({{ scope_sql }})
        )
    {%- else -%}
        {{ column }} in ({{ scope_sql }})
    {%- endif -%}
{%- endmacro %}


{#- Post-hooks, in this order (each is rendered just before it runs, so the first still sees the old
    records): log whether all rows or how many keys were rebuilt, forget the old records, write the loads
    the target now reflects with its signature (and the as-of date it used, `as_of_sql`).
    On Spark the log says what insert_overwrite replaced: a model without partition_by is replaced whole
    (all rows); a partitioned one (by one column, as all four are) counts the keys now in the partitions the
    scope's keys are in (a partition a key moved out of was rewritten too, and its keys are not counted). -#}
{% macro incremental_log_run(column, scope_sql, row_vars=[]) -%}
    {%- if not execute -%}
        select 1 as nothing_to_log
    {%- else -%}
    {%- set partition_by = config.get('partition_by') if target.type == 'spark' else none -%}
    {%- set rebuilt_all = not is_incremental() or incremental_rebuild_all(row_vars)
        or (target.type == 'spark' and not partition_by) -%}
    insert into audit.incremental_runs
    select
        '{{ this.identifier }}',
        '{{ invocation_id }}',
        {{ 'true' if rebuilt_all else 'false' }},
        {%- if rebuilt_all %}
        (select count(distinct {{ column }}) from {{ this }}),
        {%- elif partition_by %}
        {%- set partition = partition_by[0] if partition_by is not string else partition_by %}
        (select count(distinct {{ column }}) from {{ this }} where {{ partition }} in (
            select {{ partition }} from {{ this }} where {{ column }} in ({{ scope_sql }}))),
        {%- else %}
        (select count(distinct scope.scope_key) from ({{ scope_sql }}) as scope (scope_key)),
        {%- endif %}
        {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{#- On Spark the model's partition of the records is overwritten by incremental_remember_loads instead. -#}
{% macro incremental_forget_loads() -%}
    {%- if target.type == 'spark' -%}
        select 1 as forgotten_by_overwrite
    {%- else -%}
        delete from audit.incremental_loads_seen where model_name = '{{ this.identifier }}'
    {%- endif -%}
{%- endmacro %}

{% macro incremental_remember_loads(row_vars=[], as_of_sql=none) -%}
    {%- if target.type == 'spark' %}
    insert overwrite table audit.incremental_loads_seen partition (model_name = '{{ this.identifier }}')
    select
    {%- else %}
    insert into audit.incremental_loads_seen
    select
        '{{ this.identifier }}',
    {%- endif %}
        ledger.load_id,
        '{{ incremental_build_signature(row_vars) }}',
        {% if as_of_sql %}({{ as_of_sql }}){% else %}cast(null as date){% endif %}
    from {{ source('audit', 'load_ledger') }} as ledger
{%- endmacro %}


{#- The as-of date the target was last built for (recorded by incremental_record_loads), or null. -#}
{% macro incremental_recorded_as_of() -%}
    select max(seen.as_of_date) from audit.incremental_loads_seen as seen
    where seen.model_name = '{{ this.identifier }}'
{%- endmacro %}


{#- Every relation the scope macros read, for a model to declare at parse time (`-- depends_on:`): dbt
    refuses a ref it only meets at run time. -#}
{% macro incremental_scope_inputs(relations) -%}
    {#- A unit test builds the model from its given rows, never incrementally: it reads none of these. -#}
    {%- if model.resource_type == 'unit_test' -%}{{ return('') }}{%- endif -%}
    {%- for name in relations -%}
        {%- if name.startswith('raw.') -%}{{ source('raw', name[4:]) }}{%- else -%}{{ ref(name) }}{%- endif -%}
        {%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
    {{- ', ' ~ source('audit', 'load_ledger') -}}
{%- endmacro %}


{#- fct_orders: the affected orders, and every order of an account a changed header belongs or belonged to:
    account_order_sequence numbers an account's orders by their headers (account, date, status), so a
    changed header can move its account's other orders; lines, payments, reps and rates cannot. -#}
{% macro incremental_affected_orders_and_accounts() -%}
    {%- if incremental_scope_unused() %}{{ return('select null') }}{% endif -%}
    {{ incremental_affected_orders(include_payments=true, include_reps=true) }}
    union
    select orders.order_id
    from {{ ref('stg_orders__orders') }} as orders
    where coalesce(orders.account_id, '_null_') in (
        select coalesce({{ text_col('account_id') }}, '_null_')
        from {{ source('raw', 'orders') }}
        where {{ text_col('order_id') }} in (
            select changed_key from ({{ incremental_changed_raw_keys('orders', text_col('order_id')) }}) as changed_headers
        )
    )
{%- endmacro %}


{#- int_channel__sell_out_lines: the lines of loads not seen (new, or superseded: deleted), and the lines
    whose sold_on lies between the as-of date the target was built for and today's (they enter or leave). -#}
{% macro incremental_affected_sell_out_lines() -%}
    {%- if incremental_scope_unused() %}{{ return('select null') }}{% endif -%}
    select {{ surrogate_key(['_load_id', '_row_number']) }} as sell_out_line_key
    from {{ source('raw', 'partner_sell_out') }}
    where _load_id in ({{ incremental_new_loads() }})
    union
    select {{ surrogate_key(['sell_out._load_id', 'sell_out._row_number']) }}
    from {{ ref('stg_channels__partner_sell_out') }} as sell_out
    cross join (select max(as_of_date) as as_of_date from {{ ref('int_as_of_date') }}) as today
    cross join ({{ incremental_recorded_as_of() }}) as recorded (as_of_date)
    where sell_out.sold_on > least(today.as_of_date, recorded.as_of_date)
      and sell_out.sold_on <= greatest(today.as_of_date, recorded.as_of_date)
{%- endmacro %}
