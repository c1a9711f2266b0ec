{# generated from ingestion/contract.py by `python -m ingestion.contract_codegen`; do not edit. #}
{#- The contract files with their staging model and primary key (each key part with the cast staging
    applies to it), for the raw-to-staging reconciliation (macros/quality/reconciliation.sql). -#}
{% macro contract_files() -%}
    {{ return([
        {"table": "teams", "model": "stg_crm__teams", "key": [("team_id", "text")]},
        {"table": "sales_reps", "model": "stg_crm__sales_reps", "key": [("rep_id", "text")]},
        {"table": "accounts", "model": "stg_crm__accounts", "key": [("account_id", "text")]},
        {"table": "leads", "model": "stg_crm__leads", "key": [("lead_id", "text")]},
        {"table": "opportunities", "model": "stg_crm__opportunities", "key": [("opportunity_id", "text")]},
        {"table": "opportunity_stage_history", "model": "stg_crm__opportunity_stage_history", "key": [("opportunity_id", "text"), ("entered_at", "timestamp")]},
        {"table": "activities", "model": "stg_crm__activities", "key": [("activity_id", "text")]},
        {"table": "products", "model": "stg_orders__products", "key": [("product_id", "text")]},
        {"table": "fx_rates", "model": "stg_orders__fx_rates", "key": [("currency", "upper"), ("rate_date", "date")]},
        {"table": "orders", "model": "stg_orders__orders", "key": [("order_id", "text")]},
        {"table": "order_lines", "model": "stg_orders__order_lines", "key": [("order_id", "text"), ("line_number", "int")]},
        {"table": "payments", "model": "stg_orders__payments", "key": [("payment_id", "text")]},
        {"table": "channels", "model": "stg_channels__channels", "key": [("channel_id", "text")]},
        {"table": "partners", "model": "stg_channels__partners", "key": [("partner_id", "text")]},
        {"table": "partner_inventory", "model": "stg_channels__partner_inventory", "key": [("snapshot_date", "date"), ("partner_id", "text"), ("product_id", "text")]},
        {"table": "partner_sell_out", "model": "stg_channels__partner_sell_out", "key": []},
        {"table": "quotas", "model": "stg_targets__quotas", "key": [("period_start", "date"), ("period_grain", "text"), ("level", "text"), ("owner_id", "text"), ("metric", "text")]}
    ]) }}
{%- endmacro %}

{#- The type staging casts a contract decimal column to (macros/casts.sql decimal_col); the loader quarantines
    a value too large for it (ingestion/row_rules.py). -#}
{% macro contract_decimal_type() -%}
    {{ return(api.Column.numeric_type("numeric", 28, 6)) }}
{%- endmacro %}
