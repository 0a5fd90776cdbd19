"""Each column's checksum of one table's lake files, without Spark (DuckDB, dataops_jobs/checksums.py).

    python jobs/lake_checksums.py --spec spec.json --secrets secrets.json --result result.json

The arrow engines sum only the rows of what they wrote (one md5 per row); when the source's rows
differ, ingest asks for each column's sums to name the column that differs. Spec:
``{"folder": dataPath, "files": [relative paths], "format": "parquet"|"orc", "columns": [{name, type}]}``;
result: the checksums, as the ingest job returns them.
"""

from dataops_jobs.arrow_tables import lake_column_checksums
from dataops_jobs.runtime import python_main

if __name__ == "__main__":
    python_main("lake_checksums", lambda spec, _secrets, _job_dir: lake_column_checksums(spec))
