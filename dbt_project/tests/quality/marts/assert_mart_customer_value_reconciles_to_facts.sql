-- Money totals of mart_customer_value = the core facts over the rows it covers; row count = its spine where it has one
-- (registry and rules: macros/quality/mart_reconciliation.sql).
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'mart_customer_value'}}}) }}
{{ quality_reconcile_mart('mart_customer_value') }}
