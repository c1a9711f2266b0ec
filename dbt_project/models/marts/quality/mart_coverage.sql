-- Input coverage of every mart: which contract files a mart needs (its `required_inputs` meta in the
-- YAML beside it), whether each of them delivered rows in the current file versions, and so whether an
-- empty mart means "no input" (a business without that source) rather than a fault. The not_empty tests
-- of the marts read this table; the CLI summary and the Dagster UI show it.
{%- set requirements = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | sort(attribute='name') %}
        {%- set meta = node.config.meta or {} %}
        {%- if node.config.schema == 'marts' and 'required_inputs' in meta %}
            {%- set inputs = meta['required_inputs'] or [none] %}
            {%- for input_table in inputs %}
                {%- do requirements.append((node.name, node.fqn[-2], input_table)) %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with accepted as (
    select
        table_name,
        sum(rows_received - rows_quarantined) as accepted_rows
    from {{ source('audit', 'load_ledger') }}
    where is_current
    group by table_name
),

requirements as (
    {%- for mart_name, domain, input_table in requirements %}
    select
        cast('{{ mart_name }}' as {{ dbt.type_string() }}) as mart_name,
        cast('{{ domain }}' as {{ dbt.type_string() }}) as mart_domain,
        cast({{ "'" ~ input_table ~ "'" if input_table else 'null' }} as {{ dbt.type_string() }}) as input_table
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as mart_name,
        cast(null as {{ dbt.type_string() }}) as mart_domain,
        cast(null as {{ dbt.type_string() }}) as input_table
    where 1 = 0
    {%- endfor %}
),

per_input as (
    select
        requirements.mart_name,
        requirements.mart_domain,
        requirements.input_table,
        coalesce(accepted.accepted_rows, 0) as accepted_rows,
        case
            when requirements.input_table is null then 1
            when coalesce(accepted.accepted_rows, 0) > 0 then 1
            else 0
        end as has_rows
    from requirements
    left join accepted
        on accepted.table_name = requirements.input_table
),

per_mart as (
    select
        mart_name,
        mart_domain,
        {{ dbt.listagg('input_table', "', '", "order by input_table") }} as required_inputs,
        {{ dbt.listagg("case when has_rows = 0 then input_table end", "', '", "order by input_table") }} as missing_inputs,
        min(has_rows) as all_inputs_have_rows,
        cast(min(case when input_table is null then null else accepted_rows end) as {{ dbt.type_bigint() }}) as fewest_input_rows
    from per_input
    group by mart_name, mart_domain
)

select
    per_mart.mart_name,
    per_mart.mart_domain,
    coalesce(per_mart.required_inputs, '') as required_inputs,
    per_mart.missing_inputs,
    per_mart.all_inputs_have_rows = 1 as inputs_have_rows,
    per_mart.fewest_input_rows,
    cast(case
        when per_mart.all_inputs_have_rows = 1 then 'built from its inputs'
        else {{ dbt.concat(["'no input: '", 'per_mart.missing_inputs', "' had no rows'"]) }}
    end as {{ dbt.type_string() }}) as coverage_status,
    as_of.as_of_date
from per_mart
cross join {{ ref('int_as_of_date') }} as as_of
