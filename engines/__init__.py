"""The dbt project on a second engine: the raw layer exported for Spark, the Spark build (every data test, or one
of each kind), and the cross-engine comparison of every table dbt builds (docs/deployment.md)."""
