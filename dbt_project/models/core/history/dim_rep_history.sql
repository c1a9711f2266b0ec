-- Sales rep history (SCD2): team, manager, role and region over time.
{{ scd2_from_versions('stg_crm__sales_reps_versions', 'rep_id', ['team_id', 'manager_rep_id', 'role', 'region', 'termination_date']) }}
