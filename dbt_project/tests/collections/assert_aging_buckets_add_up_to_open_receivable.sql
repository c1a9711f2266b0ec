-- The aging buckets of mart_receivables_aging (columns named from var aging_bucket_edges) must add up
-- to the open receivable of each row: every open amount falls into exactly one bucket.
{%- set edges = var('aging_bucket_edges') %}
{%- set columns = [] %}
{%- for edge in edges %}
    {%- if loop.first %}
        {%- do columns.append('days_0_' ~ edge ~ '_base') %}
    {%- else %}
        {%- do columns.append('days_' ~ (edges[loop.index0 - 1] + 1) ~ '_' ~ edge ~ '_base') %}
    {%- endif %}
{%- endfor %}
{%- do columns.append('days_over_' ~ edges[-1] ~ '_base') %}
select
    aging_level,
    entity_id,
    open_receivable_base,
    {{ columns | join(' + ') }} as bucket_total
from {{ ref('mart_receivables_aging') }}
where abs(open_receivable_base - ({{ columns | join(' + ') }})) > 0.01
