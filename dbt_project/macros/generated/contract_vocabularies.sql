{# generated from ingestion/contract.py by `python -m ingestion.contract_codegen`; do not edit. #}
{#- The contract's vocabularies, for accepted_values tests and SQL:
    values: "{{ contract_values('channel_type') }}"
    values: "{{ contract_values('channel_type', extra=['unknown']) }}"   (a derived column adds a value)
    values: "{{ contract_values('order_status', exclude=['cancelled']) }}" (a model filtered some out)
    A test argument must be this one macro call: dbt parses test arguments without running the macros they
    call, so an expression such as contract_values(...) + [...] fails to parse. -#}
{% macro contract_vocabularies() -%}
    {{ return({
        "channel_type": ["direct", "distribution", "agency", "ecommerce", "cross_border"],
        "opportunity_status": ["open", "won", "lost"],
        "order_status": ["placed", "approved", "shipped", "delivered", "cancelled", "returned"],
        "lead_source": ["content", "social", "search", "event", "referral", "outbound", "partner"],
        "lead_status": ["new", "nurturing", "qualified", "disqualified", "converted"],
        "activity_type": ["call", "visit", "email", "meeting", "proposal", "quote", "survey", "care"],
        "quota_level": ["company", "region", "channel", "team", "rep", "partner"],
        "quota_metric": ["revenue", "collections", "new_customers", "won_deals"],
        "period_grain": ["month", "quarter", "year"],
        "partner_tier": ["strategic", "preferred", "standard", "basic"],
        "rep_role": ["rep", "manager", "director"],
        "account_type": ["enterprise", "smb", "consumer"],
        "credit_rating": ["A", "B", "C", "D"]
    }) }}
{%- endmacro %}


{% macro contract_values(name, extra=[], exclude=[]) -%}
    {%- set vocabularies = contract_vocabularies() -%}
    {%- if name not in vocabularies -%}
        {{ exceptions.raise_compiler_error('contract_values: no contract vocabulary ' ~ name) }}
    {%- endif -%}
    {{ return(vocabularies[name] | reject('in', exclude) | list + extra) }}
{%- endmacro %}
