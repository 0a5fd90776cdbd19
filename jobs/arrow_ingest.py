"""Ingest without Spark: the same spec, secrets and result files as jobs/ingest.py, read by
ConnectorX into Arrow and written as Parquet by pyarrow (dataops_jobs/arrow_tables.py).

    python jobs/arrow_ingest.py --spec spec.json --secrets secrets.json --result result.json

Progress goes to stdout as ``DATAOPS_PROGRESS {json}`` lines, the result or the error (with its
retry class) to the result file; the secrets file is removed as soon as it is read. Exit code 0
on success, 1 on failure, like the Spark job.
"""

from dataops_jobs.arrow_tables import ingest
from dataops_jobs.runtime import python_main

if __name__ == "__main__":
    python_main("arrow_ingest", lambda spec, secrets, _job_dir: ingest(spec, secrets), "DATAOPS_ARROW_TRACEBACK")
