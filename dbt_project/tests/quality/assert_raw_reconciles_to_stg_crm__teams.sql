-- generated from ingestion/contract.py by `python -m ingestion.contract_codegen`; do not edit.
-- Raw rows of crm/teams.csv = staged + quarantined + superseded (data-contract.md "Promises").
{{ config(severity='error', meta={'dq_rule': 'DQ37', 'dagster': {'ref': {'name': 'stg_crm__teams'}}}) }}
{{ quality_reconcile_raw_to_staging('teams') }}
