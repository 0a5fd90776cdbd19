"""A Spark driver that stays up: job after job of one service in one Spark application.

    spark-submit … jobs/driver.py --requests DIR [--warm-up]

Starting Spark (a JVM, the SparkContext, the JDBC jars) takes about ten seconds on a small
machine: a service with `spark.keepDriver` pays it once instead of at every stage of every run.
With --warm-up (a service starting it at boot, while no job waits), a warm-up job
(dataops_jobs/warm_up.py) before it reports ready takes the first job's class loading and JIT off
the first run.
Requests arrive as files in DIR, one JSON object each: {"id", "script", "spec", "secrets", "result"}
(not on stdin: spark-submit does not pass its stdin to the Python driver). Each
job runs exactly as jobs/<script> would run it (runtime.run_job: same spec, secrets, result and
progress protocol), in a new SparkSession of the one SparkContext, so temp views and SQL settings
of one job never reach the next. Then the driver prints ``DATAOPS_DONE {"id": …, "code": 0|1}``.
It dies with the service that started it (PR_SET_PDEATHSIG), or when DIR is removed.
"""

import argparse
import json
import os
import sys
import time

from pyspark.sql import SparkSession

from dataops_jobs.export_targets import export
from dataops_jobs.ingest_tables import ingest
from dataops_jobs.runtime import _die_with_parent, _write_json, run_job
from dataops_jobs.transform_models import transform
from dataops_jobs.warm_up import warm_up

JOBS = {"ingest.py": ingest, "transform.py": transform, "export.py": export}
READY = "DATAOPS_DRIVER_READY"
DONE_PREFIX = "DATAOPS_DONE "


def next_request(folder: str):
    """The oldest request file, read and removed; None when there is none yet."""
    names = sorted(name for name in os.listdir(folder) if name.endswith(".json"))
    if not names:
        return None
    path = os.path.join(folder, names[0])
    with open(path, encoding="utf-8") as handle:
        request = json.load(handle)
    os.remove(path)
    return request


def main() -> None:
    _die_with_parent()
    parser = argparse.ArgumentParser(prog="driver")
    parser.add_argument("--requests", required=True)
    parser.add_argument("--warm-up", action="store_true", help="run the warm-up job before reporting ready")
    arguments = parser.parse_args()
    folder = arguments.requests
    base = SparkSession.builder.getOrCreate()
    if arguments.warm_up:
        # ready once warm: nobody waits yet, and the first job of a cold JVM is slow
        try:
            warm_up(base.newSession())
        except Exception as error:  # the warm-up is an optimisation: a driver that cannot run it still serves
            print(f"the Spark driver's warm-up failed ({error}); serving cold", file=sys.stderr, flush=True)
    print(READY, flush=True)
    while os.path.isdir(folder):
        request = next_request(folder)
        if request is None:
            time.sleep(0.05)
            continue
        body = JOBS.get(request["script"])
        if body is None:
            _write_json(request["result"], {"error": {"errorClass": "terminal", "message": f"the warm driver has no job {request['script']}", "subject": None}})
            code = 1
        else:
            session = base.newSession()
            code = run_job(session, body, request["spec"], request["secrets"], request["result"])
            session.catalog.clearCache()
        sys.stderr.flush()
        print(DONE_PREFIX + json.dumps({"id": request["id"], "code": code}), flush=True)
    base.stop()


if __name__ == "__main__":
    main()
