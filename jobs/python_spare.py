"""A Python job process started before its job is known.

    python jobs/python_spare.py        then, on stdin, one line: {"script": "/…/arrow_ingest.py", "args": ["--spec", …]}

It imports what the jobs without Spark need (pyarrow, DuckDB, ConnectorX and the job modules:
about 0.3 s on the benchmark machine), then waits for its one job and runs it exactly as
``python <script> <args>`` would: the same sys.argv and sys.path, run as ``__main__``, the same
exit code. libs/spark/src/python-spare.ts starts it while the stage is still planning (or, in a
service, after each job), so the job does not wait for those imports (issue 11).

Once it has its job, its process title becomes the job's command line (setproctitle, where
installed), so ps, the fault suite's orphan check and the benchmark's memory sampler see it as
they see a job started directly. An empty stdin (the runner stopped) ends it without a job.
"""

import json
import os
import runpy
import sys


def _preload() -> None:
    # each import on its own: a missing module fails the job that needs it, with its own message
    for module in ("pyarrow", "pyarrow.compute", "pyarrow.parquet", "duckdb", "connectorx", "dataops_jobs.arrow_tables", "dataops_jobs.arrow_exports"):
        try:
            __import__(module)
        except ImportError:
            pass


def _retitle(script: str, args: list) -> None:
    try:
        from setproctitle import setproctitle
    except ImportError:
        return
    setproctitle(" ".join([sys.executable, script, *args]))


def main() -> None:
    _preload()
    line = sys.stdin.readline()
    if not line.strip():
        sys.exit(0)
    job = json.loads(line)
    script, args = job["script"], [str(arg) for arg in job["args"]]
    _retitle(script, args)
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
