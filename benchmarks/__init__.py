"""Benchmarks of the salesops platform (run them as scripts: ``python benchmarks/run.py``, docs/benchmarks.md)."""
