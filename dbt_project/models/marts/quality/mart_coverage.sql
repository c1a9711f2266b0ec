-- Input coverage of every mart: which inputs a mart needs (its `required_inputs` meta in the YAML beside
-- it), whether each of them had rows, and so whether an empty mart means "no input" (a business without
-- that source) rather than a fault. An input is a contract file (accepted rows in its current versions)
-- or, where a mart's rows come from part of a file, the intermediate model that selects that part (partner
-- marts need order lines sold to a partner, not just order lines). A requirement written `a|b` is met by
-- either input. The not_empty tests of the marts read this table; the CLI summary and the Dagster UI
-- show it.
-- Intermediate models named in required_inputs (dbt must know them before it renders the graph):
-- depends_on: {{ ref('int_channel__sell_in_lines') }}
-- depends_on: {{ ref('int_channel__sell_out_lines') }}
{%- set requirements = [] %}
{%- set input_models = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | sort(attribute='name') %}
        {%- set meta = node.config.meta or {} %}
        {%- if node.config.schema == 'marts' and 'required_inputs' in meta %}
            {%- set inputs = meta['required_inputs'] or [none] %}
            {%- for requirement in inputs %}
                {%- for input_name in (requirement.split('|') if requirement else [none]) %}
                    {%- do requirements.append((node.name, node.fqn[-2], requirement, input_name)) %}
                    {%- if input_name and input_name.startswith('int_') and input_name not in input_models %}
                        {%- do input_models.append(input_name) %}
                    {%- endif %}
                {%- endfor %}
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
    {%- for model_name in input_models | sort %}
    union all
    select
        '{{ model_name }}' as table_name,
        count(*) as accepted_rows
    from {{ ref(model_name) }}
    {%- endfor %}
),

requirements as (
    {%- for mart_name, domain, requirement, input_table in requirements %}
    select
        cast('{{ mart_name }}' as {{ dbt.type_string() }}) as mart_name,
        cast('{{ domain }}' as {{ dbt.type_string() }}) as mart_domain,
        cast({{ "'" ~ requirement ~ "'" if requirement else 'null' }} as {{ dbt.type_string() }}) as requirement,
        cast({{ "'" ~ input_table ~ "'" if input_table else 'null' }} as {{ dbt.type_string() }}) as input_table
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as mart_name,
        cast(null as {{ dbt.type_string() }}) as mart_domain,
        cast(null as {{ dbt.type_string() }}) as requirement,
        cast(null as {{ dbt.type_string() }}) as input_table
    where 1 = 0
    {%- endfor %}
),

per_requirement as (
    -- A requirement is met when any of its alternative files delivered rows.
    select
        requirements.mart_name,
        requirements.mart_domain,
        requirements.requirement,
        sum(coalesce(accepted.accepted_rows, 0)) as accepted_rows,
        max(case
            when requirements.input_table is null then 1
            when coalesce(accepted.accepted_rows, 0) > 0 then 1
            else 0
        end) as has_rows
    from requirements
    left join accepted
        on accepted.table_name = requirements.input_table
    group by requirements.mart_name, requirements.mart_domain, requirements.requirement
),

per_mart as (
    select
        mart_name,
        mart_domain,
        {{ dbt.listagg('requirement', "', '", "order by requirement") }} as required_inputs,
        {{ dbt.listagg("case when has_rows = 0 then requirement end", "', '", "order by requirement") }} as missing_inputs,
        min(has_rows) as all_inputs_have_rows,
        cast(min(case when requirement is null then null else accepted_rows end) as {{ dbt.type_bigint() }}) as fewest_input_rows
    from per_requirement
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
