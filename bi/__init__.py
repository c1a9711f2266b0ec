"""Connecting BI tools to the serving file (``serving.duckdb``): the read-only connection every tool uses
(``bi.connection``) and provisioning of Apache Superset over its REST API (``bi.superset``). See docs/bi.md."""
