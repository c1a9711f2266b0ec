{#- Spark target: the raw and audit sources are Parquet folders exported from the DuckDB warehouse
    (engines/raw_export.py) into raw_parquet/<schema>/<table>/ beside the Spark warehouse folder
    (profiles.yml target spark). Each run registers them as external tables, so a fresh export is read as
    it is (dropping an external table leaves its files). The sources concerned are those the ingestion
    assets write (meta dagster asset_key raw/<table>, generated from the contract); the export writes each
    of them, empty or not. -#}
{% macro spark_register_raw_tables() -%}
    {%- if execute and target.type == 'spark' -%}
        {%- set warehouse_dir = run_query('set spark.sql.warehouse.dir').rows[0][1] -%}
        {%- set export_dir = warehouse_dir.rstrip('/').rsplit('/', 1)[0] ~ '/raw_parquet' -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id')
                if (node.meta.get('dagster', {}).get('asset_key') or [''])[0] == 'raw' -%}
            {%- do run_query('create database if not exists ' ~ node.schema) -%}
            {%- do run_query('drop table if exists ' ~ node.schema ~ '.' ~ node.identifier) -%}
            {%- do run_query(
                'create table ' ~ node.schema ~ '.' ~ node.identifier ~ ' using parquet location '
                ~ "'" ~ export_dir ~ '/' ~ node.schema ~ '/' ~ node.identifier ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as raw_tables_registered
{%- endmacro %}
