"""Export without Spark: the same spec, secrets and result files as jobs/export.py; the model's
files are read by pyarrow and written as load files by DuckDB (dataops_jobs/arrow_exports.py).

    python jobs/arrow_export.py --spec spec.json --secrets secrets.json --result result.json
"""

from dataops_jobs.arrow_exports import export
from dataops_jobs.runtime import python_main

if __name__ == "__main__":
    python_main("arrow_export", lambda spec, secrets, _job_dir: export(spec, secrets), "DATAOPS_ARROW_TRACEBACK")
