"""``sqoop export`` of a warehouse model into a BI table (dataops_jobs/sqoop_exports.py, docs/sqoop.md).

    python jobs/sqoop_export.py --spec spec.json --secrets secrets.json --result result.json

The same spec, secrets, result and progress protocol as the other jobs; the options and password
files Sqoop reads are written next to the spec (the job's private folder), 0600, and removed after.
"""

from dataops_jobs.sqoop_exports import export
from dataops_jobs.runtime import python_main

if __name__ == "__main__":
    python_main("sqoop_export", export)
