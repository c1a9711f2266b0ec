"""The dbt project on a second engine: the raw layer exported for Spark, the Spark build, and the
cross-engine comparison of every mart (docs/deployment.md)."""
