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


{#- Chinese labels of a vocabulary's values, for a label column:
    {{ contract_label_case('channel_type', 'channel_type', extra={'unknown': '未知'}) }} as channel_type_zh
    is a case expression mapping each value of the column to its label (extra adds values the model
    derives); any other value gives null. -#}
{% macro contract_vocabulary_labels() -%}
    {{ return({
        "channel_type": {"direct": "直营", "distribution": "分销", "agency": "代理", "ecommerce": "电商", "cross_border": "跨境"},
        "quota_metric": {"revenue": "销售额", "collections": "回款额", "new_customers": "新客户数", "won_deals": "赢单数"}
    }) }}
{%- endmacro %}


{% macro contract_label_case(name, column, extra={}) -%}
    {%- set labels = contract_vocabulary_labels() -%}
    {%- if name not in labels -%}
        {{ exceptions.raise_compiler_error('contract_label_case: no labels for contract vocabulary ' ~ name) }}
    {%- endif -%}
    case {{ column }}
    {%- for value, label in labels[name].items() | list + extra.items() | list %}
        when '{{ value | replace("'", "''") }}' then '{{ label | replace("'", "''") }}'
    {%- endfor %}
    end
{%- endmacro %}
