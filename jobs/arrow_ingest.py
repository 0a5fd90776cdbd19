"""Ingest without Spark: the same spec, secrets and result files as jobs/ingest.py, read by
ConnectorX into Arrow and written as Parquet by pyarrow (dataops_jobs/arrow_tables.py).

    python jobs/arrow_ingest.py --spec spec.json --secrets secrets.json --result result.json

Progress goes to stdout as ``DATAOPS_PROGRESS {json}`` lines, the result or the error (with its
retry class) to the result file; the secrets file is removed as soon as it is read. Exit code 0
on success, 1 on failure, like the Spark job.
"""

import argparse
import json
import os
import sys
import traceback

from dataops_jobs.arrow_tables import ingest
from dataops_jobs.runtime import _die_with_parent, _read_secrets, _write_json, classify


def main() -> None:
    _die_with_parent()
    parser = argparse.ArgumentParser(prog="arrow_ingest")
    parser.add_argument("--spec", required=True)
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    code = 1
    try:
        with open(args.spec, encoding="utf-8") as handle:
            spec = json.load(handle)
        secrets = _read_secrets(args.secrets)
        result = ingest(spec, secrets)
        _write_json(args.result, {"result": result})
        code = 0
    except BaseException as error:  # noqa: BLE001 - every failure must reach the result file
        job_error = classify(error)
        if os.environ.get("DATAOPS_ARROW_TRACEBACK") == "1" or not hasattr(error, "error_class"):
            # JobErrors carry their (masked) message; their causes are suppressed, so no
            # exception text holding a connection URL is printed
            traceback.print_exc(file=sys.stderr)
        else:
            print(f"arrow_ingest failed: {job_error}", file=sys.stderr)
        _write_json(
            args.result,
            {"error": {"errorClass": job_error.error_class, "message": str(job_error), "subject": job_error.subject}},
        )
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
