{#- RFM scores at every snapshot date, one row per snapshot × customer that has bought by then.

    Quintiles (default, domain.md §3.1 "Scores of 1–5 by quintile"), tie-safe: within a snapshot, each
    customer's score is 1 + floor(5 × (k − 1) / n), where n is the number of customers scored and k the
    rank() of its measure ordered worst first (largest recency, smallest frequency, smallest monetary,
    NULLs worst). rank() gives tied customers the same, lowest position, so k − 1 is the number of
    customers strictly worse: equal measures always get equal scores, and a tie shares the LOWER score
    (a customer scores 5 only when at least 80% of the customers are strictly worse). Nothing depends on
    account_id. With distinct measures and n a multiple of 5 this is exactly ntile(5); when n is not a
    multiple of 5 the low scores take the extra customers. When everyone is tied (e.g. all bought once)
    everyone scores 1 on that dimension: being no better than anyone is not a high score.

    Fixed bins: when a var rfm_recency_edges_days / rfm_frequency_edges / rfm_monetary_edges holds four
    ascending edges [e1, e2, e3, e4], that dimension uses them instead: recency <= e1 → 5 ... > e4 → 1;
    frequency and monetary <= e1 → 1 ... > e4 → 5. -#}

{#- Kept as a template string rather than a macro so that dbt unit tests compile it too. -#}
{%- set tie_safe_quintile -%}
        cast(1 + floor(
            5.0 * (rank() over (partition by snapshot_date order by WORST_FIRST) - 1)
            / count(*) over (partition by snapshot_date)
        ) as {{ dbt.type_int() }})
{%- endset -%}

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
        {{ tie_safe_quintile | replace('WORST_FIRST', 'recency_days desc nulls first') }}
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
        {{ tie_safe_quintile | replace('WORST_FIRST', 'frequency asc nulls first') }}
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
        {{ tie_safe_quintile | replace('WORST_FIRST', 'monetary_base asc nulls first') }}
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
