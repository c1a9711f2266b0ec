-- Opportunity history (SCD2): stage, status, amount, owner and expected close date over time.
{{ scd2_from_versions('stg_crm__opportunities_versions', 'opportunity_id', ['stage', 'status', 'amount', 'currency', 'expected_close_date', 'rep_id', 'closed_at']) }}
