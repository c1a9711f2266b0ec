{#- Mart reconciliation: every mart that sums money adds up to the core facts it comes from, and has
    exactly as many rows as its spine (no fan-out, nothing missing).

    One registry for all marts; each mart's singular test in tests/quality/marts/ is one line calling
    quality_reconcile_mart(name). A comparison sums a mart column (optionally over a subset of its
    rows, e.g. the company-level rows of a multi-level mart) and the matching fact column over the rows
    the mart covers: `orders` = non-cancelled orders up to the as-of date, `payments` = payments up to
    the as-of date. Money is compared within one cent plus float noise. A spine is either `periods`
    (every day / month from the first order to the as-of date) × `times` (e.g. every channel), or
    plain `sql` returning the expected row count. A mart that marts.mart_coverage lists without input is empty
    on purpose (macros/quality/mart_inputs.sql) and reconciles to nothing. -#}
{% macro quality_mart_reconciliations() -%}
    {%- set orders = "not is_cancelled and order_date <= {as_of}" -%}
    {%- set payments = "paid_date <= {as_of}" -%}
    {{ return({
        'mart_kpi_daily': {
            'totals': [
                {'column': 'revenue_base', 'fact': 'fct_orders', 'fact_column': 'revenue_base', 'fact_where': orders},
                {'column': 'returns_base', 'fact': 'fct_orders', 'fact_column': 'return_amount_base', 'fact_where': orders},
                {'column': 'gross_margin_base', 'fact': 'fct_orders', 'fact_column': 'gross_margin_base', 'fact_where': orders},
                {'column': 'orders', 'fact': 'fct_orders', 'fact_column': '1', 'fact_where': orders},
                {'column': 'collections_base', 'fact': 'int_collections__payment_applications', 'fact_column': 'applied_base', 'fact_where': payments},
                {'column': 'payments', 'fact': 'fct_payments', 'fact_column': '1', 'fact_where': payments},
            ],
            'spine': {'periods': 'day', 'times': 'select count(*) from {dim_channel}'},
        },
        'mart_channel_performance': {
            'totals': [
                {'column': 'revenue_base', 'fact': 'fct_orders', 'fact_column': 'revenue_base', 'fact_where': orders},
                {'column': 'gross_margin_base', 'fact': 'fct_orders', 'fact_column': 'gross_margin_base', 'fact_where': orders},
                {'column': 'orders', 'fact': 'fct_orders', 'fact_column': '1', 'fact_where': orders},
            ],
            'spine': {'periods': 'month', 'times': 'select count(distinct channel_type) from {dim_channel}'},
        },
        'mart_customer_value': {
            'totals': [
                {'column': 'lifetime_revenue_base', 'fact': 'fct_orders', 'fact_column': 'revenue_base', 'fact_where': orders},
                {'column': 'lifetime_margin_base', 'fact': 'fct_orders', 'fact_column': 'gross_margin_base', 'fact_where': orders},
                {'column': 'lifetime_returns_base', 'fact': 'fct_orders', 'fact_column': 'return_amount_base', 'fact_where': orders},
            ],
            'spine': {'sql': 'select count(*) from {dim_account} where created_date <= {as_of}'},
        },
        'mart_collections': {
            'totals': [
                {'column': 'collected_base', 'where': "group_level = 'company'", 'fact': 'int_collections__payment_applications', 'fact_column': 'applied_base', 'fact_where': payments},
            ],
        },
        'mart_partner_performance': {
            'totals': [
                {'column': 'sell_in_revenue_base', 'where': "period_grain = 'month'", 'fact': 'fct_orders', 'fact_column': 'revenue_base', 'fact_where': orders ~ ' and partner_id is not null'},
            ],
        },
    }) }}
{%- endmacro %}


{% macro quality_reconcile_mart(mart_name) -%}
    {%- set spec = quality_mart_reconciliations()[mart_name] -%}
    {%- set mart = ref(mart_name) -%}
    {%- set relations = {
        'fct_orders': ref('fct_orders'),
        'fct_payments': ref('fct_payments'),
        'int_collections__payment_applications': ref('int_collections__payment_applications'),
        'dim_channel': ref('dim_channel'),
        'dim_account': ref('dim_account'),
    } -%}
    {%- set as_of = '(select as_of_date from ' ~ ref('int_as_of_date') ~ ')' -%}
    {#- A column the registry names but the mart no longer has is reported, not a compile error. -#}
    {%- set mart_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(mart) -%}
            {%- do mart_columns.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- for total in spec.get('totals', []) -%}
        {%- set label = ('sum(' ~ total.column ~ ')' ~ (' where ' ~ total.where if total.get('where') else '')) | replace("'", "''") -%}
        {%- if execute and total.column | lower not in mart_columns -%}
            {%- do checks.append("select '" ~ label ~ "' as reconciliation, 'column missing in the mart' as problem, cast(null as " ~ dbt.type_numeric() ~ ") as mart_total, cast(null as " ~ dbt.type_numeric() ~ ") as fact_total") -%}
        {%- else -%}
            {%- set fact_where = total.fact_where | replace('{as_of}', as_of) -%}
            {%- do checks.append(
                "select '" ~ label ~ "' as reconciliation, 'total differs from " ~ total.fact ~ "' as problem, "
                ~ "m.total as mart_total, f.total as fact_total from "
                ~ "(select cast(coalesce(sum(" ~ total.column ~ "), 0) as " ~ dbt.type_numeric() ~ ") as total from " ~ mart
                ~ (" where " ~ total.where if total.get('where') else "") ~ ") as m cross join "
                ~ "(select cast(coalesce(sum(" ~ total.fact_column ~ "), 0) as " ~ dbt.type_numeric() ~ ") as total from " ~ relations[total.fact]
                ~ " where " ~ fact_where ~ ") as f "
                ~ "where abs(m.total - f.total) > 0.01 + 0.000000001 * abs(f.total) and not " ~ mart_inputs_missing(mart_name)
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if spec.get('spine') -%}
        {%- if spec.spine.get('sql') -%}
            {%- set spine_sql = spec.spine.sql -%}
        {%- else -%}
            {%- set first_order = '(select min(order_date) from {fct_orders})' -%}
            {%- set spine_sql = 'select (' ~ dbt.datediff(first_order, '{as_of}', spec.spine.periods) ~ ' + 1) * ('
                ~ spec.spine.times ~ ')' -%}
        {%- endif -%}
        {%- set spine = namespace(sql=spine_sql | replace('{as_of}', as_of)) -%}
        {%- for name, relation in relations.items() -%}
            {%- set spine.sql = spine.sql | replace('{' ~ name ~ '}', relation | string) -%}
        {%- endfor -%}
        {%- do checks.append(
            "select 'row count' as reconciliation, 'rows differ from the spine (fan-out or gaps)' as problem, "
            ~ "cast(m.n as " ~ dbt.type_numeric() ~ ") as mart_total, cast(s.n as " ~ dbt.type_numeric() ~ ") as fact_total from "
            ~ "(select count(*) as n from " ~ mart ~ ") as m cross join (select (" ~ spine.sql ~ ") as n) as s "
            ~ "where m.n <> s.n and not " ~ mart_inputs_missing(mart_name)
        ) -%}
    {%- endif -%}
{{ checks | join('\nunion all\n') }}
{%- endmacro %}
