{#- RFM scores at every snapshot date, one row per snapshot × customer that has bought by then.

    Quintiles (default): within a snapshot, customers are ranked best first, NULLs last, ties broken
    by account_id ascending, cut with ntile(5), and the score is 6 − ntile, so the best fifth scores 5.
    "Best" is the smallest recency (R is inverted), the largest frequency, the largest monetary. With
    fewer than 5 customers the lowest scores are simply unused (ntile semantics).

    Fixed bins: when a var rfm_recency_edges_days / rfm_frequency_edges / rfm_monetary_edges holds four
    ascending edges [e1, e2, e3, e4], that dimension uses them instead: recency <= e1 → 5 ... > e4 → 1;
    frequency and monetary <= e1 → 1 ... > e4 → 5. -#}

{%- set edge_vars = {'r': 'rfm_recency_edges_days', 'f': 'rfm_frequency_edges', 'm': 'rfm_monetary_edges'} -%}
{%- set edges = {} -%}
{%- for dim, var_name in edge_vars.items() -%}
    {%- set value = var(var_name) -%}
    {%- if value is string and value | trim != '' -%}
        {%- set value = fromjson(value) -%}
    {%- endif -%}
    {%- if value is none or value is string -%}
        {%- do edges.update({dim: none}) -%}
    {%- else -%}
        {%- if value | length != 4 -%}
            {{ exceptions.raise_compiler_error(var_name ~ " needs 4 ascending edges (5 bins), got " ~ value) }}
        {%- endif -%}
        {%- for i in range(3) -%}
            {%- if value[i] >= value[i + 1] -%}
                {{ exceptions.raise_compiler_error(var_name ~ " edges must be strictly ascending, got " ~ value) }}
            {%- endif -%}
        {%- endfor -%}
        {%- do edges.update({dim: value}) -%}
    {%- endif -%}
{%- endfor -%}
{%- set r_edges = edges['r'] -%}
{%- set f_edges = edges['f'] -%}
{%- set m_edges = edges['m'] -%}

with buyers as (
    select *
    from {{ ref('int_customer__monthly_state') }}
    where has_purchased
),

scored as (
    select
        buyers.*,
        {% if r_edges -%}
        case
            when recency_days <= {{ r_edges[0] }} then 5
            when recency_days <= {{ r_edges[1] }} then 4
            when recency_days <= {{ r_edges[2] }} then 3
            when recency_days <= {{ r_edges[3] }} then 2
            else 1
        end
        {%- else -%}
        6 - ntile(5) over (
            partition by snapshot_date
            order by recency_days asc nulls last, account_id asc nulls last
        )
        {%- endif %} as r_score,
        {% if f_edges -%}
        case
            when frequency <= {{ f_edges[0] }} then 1
            when frequency <= {{ f_edges[1] }} then 2
            when frequency <= {{ f_edges[2] }} then 3
            when frequency <= {{ f_edges[3] }} then 4
            else 5
        end
        {%- else -%}
        6 - ntile(5) over (
            partition by snapshot_date
            order by frequency desc nulls last, account_id asc nulls last
        )
        {%- endif %} as f_score,
        {% if m_edges -%}
        case
            when monetary_base <= {{ m_edges[0] }} then 1
            when monetary_base <= {{ m_edges[1] }} then 2
            when monetary_base <= {{ m_edges[2] }} then 3
            when monetary_base <= {{ m_edges[3] }} then 4
            else 5
        end
        {%- else -%}
        6 - ntile(5) over (
            partition by snapshot_date
            order by monetary_base desc nulls last, account_id asc nulls last
        )
        {%- endif %} as m_score,
        count(*) over (partition by snapshot_date) as scored_customers
    from buyers
)

select
    scored.snapshot_month,
    scored.snapshot_date,
    scored.is_complete_month,
    scored.is_as_of_month,
    scored.window_start,
    scored.account_id,
    scored.first_purchase_date,
    scored.last_purchase_date,
    scored.recency_days,
    scored.frequency,
    scored.monetary_base,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    {{ dbt.concat([
        "cast(scored.r_score as " ~ dbt.type_string() ~ ")",
        "cast(scored.f_score as " ~ dbt.type_string() ~ ")",
        "cast(scored.m_score as " ~ dbt.type_string() ~ ")",
    ]) }} as rfm_code,
    '{{ "fixed_bins" if r_edges else "quintile" }}' as recency_method,
    '{{ "fixed_bins" if f_edges else "quintile" }}' as frequency_method,
    '{{ "fixed_bins" if m_edges else "quintile" }}' as monetary_method,
    scored.scored_customers,
    segments.segment_code,
    segments.segment_name,
    segments.segment_name_zh,
    segments.segment_rank
from scored
left join {{ ref('rfm_segments') }} as segments
    on scored.r_score between segments.r_min and segments.r_max
    and scored.f_score between segments.f_min and segments.f_max
