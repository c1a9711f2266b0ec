"""Dagster concurrency pools: the names steps use to take turns at something only one may hold at a time.

DuckDB lets one process open a file for writing, and while it holds the file no other process can open it at
all, read-only included. Every step that opens the warehouse file is therefore in ``WAREHOUSE_POOL``: the raw
loads, the great-expectations checks (they record their results in the warehouse), the dbt build (its dbt
subprocess), the daily drops, and the publish step (it reads the marts and records the published version in
``quality.publish_log``; it is the only writer of the serving file, so that file needs no pool of its own).

A pool limits nothing until the instance gives it a limit: ``deploy/dagster-postgres/dagster.yaml`` sets
``concurrency: pools: default_limit: 1``, so across every run of that instance one step at a time holds the
warehouse, whichever executor runs it (docs/deployment.md). The default in-process executor runs one step
at a time anyway; the limit is what makes the multiprocess executor and concurrent runs safe.
"""

WAREHOUSE_POOL = "salesops_warehouse"
