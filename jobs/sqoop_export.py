"""``sqoop export`` of a warehouse model into a BI table (dataops_jobs/sqoop_exports.py, docs/sqoop.md).

    python jobs/sqoop_export.py --spec spec.json --secrets secrets.json --result result.json

The same spec, secrets, result and progress protocol as the other jobs; the options and password
files Sqoop reads are written next to the spec (the job's private folder), 0600, and removed after.
"""

import argparse
import json
import os
import sys
import traceback

from dataops_jobs.runtime import _die_with_parent, _read_secrets, _write_json, classify
from dataops_jobs.sqoop_exports import export


def main() -> None:
    _die_with_parent()
    parser = argparse.ArgumentParser(prog="sqoop_export")
    parser.add_argument("--spec", required=True)
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    code = 1
    try:
        with open(args.spec, encoding="utf-8") as handle:
            spec = json.load(handle)
        secrets = _read_secrets(args.secrets)
        _write_json(args.result, {"result": export(spec, secrets, os.path.dirname(os.path.abspath(args.spec)))})
        code = 0
    except BaseException as error:  # noqa: BLE001 - every failure must reach the result file
        job_error = classify(error)
        if not hasattr(error, "error_class"):
            traceback.print_exc(file=sys.stderr)
        else:
            print(f"sqoop_export failed: {job_error}", file=sys.stderr)
        _write_json(args.result, {"error": {"errorClass": job_error.error_class, "message": str(job_error), "subject": job_error.subject}})
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
