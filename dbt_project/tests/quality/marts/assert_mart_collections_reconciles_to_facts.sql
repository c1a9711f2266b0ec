-- Money totals of mart_collections = the core facts over the rows it covers; row count = its spine where it has one
-- (registry and rules: macros/quality/mart_reconciliation.sql).
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'mart_collections'}}}) }}
{{ quality_reconcile_mart('mart_collections') }}
