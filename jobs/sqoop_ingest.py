"""Ingest with real Apache Sqoop 1.4.7: the same spec, secrets and result files as jobs/ingest.py and
jobs/arrow_ingest.py, and the same lake files (dataops_jobs/sqoop_tables.py, docs/sqoop.md).

    python jobs/sqoop_ingest.py --spec spec.json --secrets secrets.json --result result.json

The spec carries the planner's sqoop-script.sh (one ``sqoop import`` per table); the options file
and the password file Sqoop reads are written next to the spec (the job's private folder, 0700),
mode 0600, and removed when the job ends. Progress goes to stdout as ``DATAOPS_PROGRESS {json}``
lines, Sqoop's log to stderr (one line per line, prefixed with the table), the result or the error
to the result file. Exit code 0 on success, 1 on failure.
"""

from dataops_jobs.sqoop_tables import ingest
from dataops_jobs.runtime import python_main

if __name__ == "__main__":
    python_main("sqoop_ingest", ingest, "DATAOPS_SQOOP_TRACEBACK")
