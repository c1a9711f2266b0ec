-- Leads (销售线索), one row per lead_id.
with source as (
    {{ raw_row_versions(source('raw', 'leads')) }}
),

typed as (
    select
        {{ text_col('lead_id') }} as lead_id,
        {{ timestamp_col('created_at') }} as created_at,
        {{ enum_col('source') }} as source,
        {{ text_col('campaign') }} as campaign,
        {{ text_col('rep_id') }} as rep_id,
        {{ text_col('company_name') }} as company_name,
        {{ text_col('account_id') }} as account_id,
        {{ enum_col('status') }} as status,
        {{ bool_col('has_budget') }} as has_budget,
        {{ bool_col('has_authority') }} as has_authority,
        {{ bool_col('has_need') }} as has_need,
        {{ bool_col('has_timeline') }} as has_timeline,
        {{ int_col('decision_chain_size') }} as decision_chain_size,
        {{ timestamp_col('converted_at') }} as converted_at,
        {{ text_col('opportunity_id') }} as opportunity_id,
        {{ timestamp_col('updated_at') }} as updated_at,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['lead_id'], 'updated_at') }}

select
    lead_id,
    created_at,
    source,
    campaign,
    rep_id,
    company_name,
    account_id,
    status,
    has_budget,
    has_authority,
    has_need,
    has_timeline,
    decision_chain_size,
    converted_at,
    opportunity_id,
    updated_at,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
where _is_in_force
