-- Money totals of mart_channel_performance = the core facts over the rows it covers; row count = its spine where it has one
-- (registry and rules: macros/quality/mart_reconciliation.sql).
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'mart_channel_performance'}}}) }}
{{ quality_reconcile_mart('mart_channel_performance') }}
