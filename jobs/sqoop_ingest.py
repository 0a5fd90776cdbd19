"""Ingest with real Apache Sqoop 1.4.7: the same spec, secrets and result files as jobs/ingest.py and
jobs/arrow_ingest.py, and the same lake files (dataops_jobs/sqoop_tables.py, docs/sqoop.md).

    python jobs/sqoop_ingest.py --spec spec.json --secrets secrets.json --result result.json

The spec carries the planner's sqoop-script.sh (one ``sqoop import`` per table); the options file
and the password file Sqoop reads are written next to the spec (the job's private folder, 0700),
mode 0600, and removed when the job ends. Progress goes to stdout as ``DATAOPS_PROGRESS {json}``
lines, Sqoop's log to stderr (one line per line, prefixed with the table), the result or the error
to the result file. Exit code 0 on success, 1 on failure.
"""

import argparse
import json
import os
import sys
import traceback

from dataops_jobs.runtime import _die_with_parent, _read_secrets, _write_json, classify
from dataops_jobs.sqoop_tables import ingest


def main() -> None:
    _die_with_parent()
    parser = argparse.ArgumentParser(prog="sqoop_ingest")
    parser.add_argument("--spec", required=True)
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    code = 1
    try:
        with open(args.spec, encoding="utf-8") as handle:
            spec = json.load(handle)
        secrets = _read_secrets(args.secrets)
        result = ingest(spec, secrets, os.path.dirname(os.path.abspath(args.spec)))
        _write_json(args.result, {"result": result})
        code = 0
    except BaseException as error:  # noqa: BLE001 - every failure must reach the result file
        job_error = classify(error)
        if os.environ.get("DATAOPS_SQOOP_TRACEBACK") == "1" or not hasattr(error, "error_class"):
            traceback.print_exc(file=sys.stderr)
        else:
            print(f"sqoop_ingest failed: {job_error}", file=sys.stderr)
        _write_json(
            args.result,
            {"error": {"errorClass": job_error.error_class, "message": str(job_error), "subject": job_error.subject}},
        )
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
