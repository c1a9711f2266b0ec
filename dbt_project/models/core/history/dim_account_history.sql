-- Customer account history (SCD2): owner, region, type, credit rating and strategic flag over time.
{{ scd2_from_versions('stg_crm__accounts_versions', 'account_id', ['owner_rep_id', 'region', 'city_tier', 'account_type', 'credit_rating', 'strategic_flag', 'partner_id']) }}
