"""Ingest: reads every planned MySQL table over JDBC and writes it as Parquet to its run folder.

One spark-submit per ingest run. The TypeScript side planned everything (slices, bounds, types);
this job only reads and writes, tables in parallel, and reports files and row counts. Commit
(the manifest) is the TypeScript side's job, after this returns.
"""

from dataops_jobs.ingest_tables import ingest
from dataops_jobs.runtime import main

if __name__ == "__main__":
    main("ingest", ingest)
