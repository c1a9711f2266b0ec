-- Channel partner history (SCD2): tier, authorized regions and contract over time.
{{ scd2_from_versions('stg_channels__partners_versions', 'partner_id', ['tier', 'authorized_regions', 'channel_id', 'parent_partner_id', 'region', 'contract_end']) }}
