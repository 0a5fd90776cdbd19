"""Shared runtime of the DataOps PySpark jobs (ingest.py, transform.py, export.py)."""
