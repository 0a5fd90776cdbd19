"""The contract between a PySpark job and libs/spark's SparkRunner.

The TypeScript side writes a spec (what to do) and a secrets file (mode 0600) and passes their
paths; the job writes its result, or its error with a retry class, to the result file. Progress
goes to stdout as ``DATAOPS_PROGRESS {json}`` lines; everything else is log.
"""

import argparse
import json
import os
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, Optional

if TYPE_CHECKING:  # imported where a Spark job starts: the arrow and Sqoop jobs never load PySpark (~0.1 s)
    from pyspark.sql import SparkSession

PROGRESS_PREFIX = "DATAOPS_PROGRESS "


class JobError(Exception):
    """An error the job understands: it says what to do and whether a retry can help."""

    def __init__(self, message: str, error_class: str = "terminal", subject: Optional[str] = None):
        super().__init__(message)
        self.error_class = error_class
        self.subject = subject


class TransientJobError(JobError):
    def __init__(self, message: str, subject: Optional[str] = None):
        super().__init__(message, "transient", subject)


def quote_identifier(name: str) -> str:
    """A Spark SQL identifier for any name MySQL allows (backticks, dots, spaces, unicode)."""
    return "`" + name.replace("`", "``") + "`"


def local_path(path: str) -> str:
    """A local file's path from the URL form Spark and the stages write (file:///x, file:/x): /x.
    Any other path is returned as it is."""
    if path.startswith("file://"):
        return path.removeprefix("file://")
    return path.removeprefix("file:")


_stdout_lock = threading.Lock()


@contextmanager
def timed(what: str) -> Iterator[None]:
    """Writes how long a phase took to the job log (stderr): where a slow run spends its time."""
    started = time.monotonic()
    try:
        yield
    finally:
        print(f"dataops timing: {what} took {time.monotonic() - started:.2f} s", file=sys.stderr, flush=True)


def progress(**fields: Any) -> None:
    """One progress line; tables are read in threads, so each line is written whole, under a lock."""
    line = PROGRESS_PREFIX + json.dumps(fields, default=str) + "\n"
    with _stdout_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def _write_json(path: str, value: Dict[str, Any]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(value, handle, default=str)
    os.replace(tmp, path)


# Connection failures worth a retry: the server may be restarting or the network may blink.
_TRANSIENT_MARKERS = (
    "Communications link failure",
    "Connection refused",
    "Connection reset",
    "Could not create connection",
    "Lock wait timeout",
    "Deadlock found",
    "Too many connections",
    "the database system is starting up",
    "The connection attempt failed",
)


def classify(error: BaseException) -> JobError:
    if isinstance(error, JobError):
        return error
    text = str(error)
    if any(marker in text for marker in _TRANSIENT_MARKERS):
        return TransientJobError(_first_line(text))
    return JobError(_first_line(text))


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:3])[:2000] if lines else "unknown error"


def _die_with_parent() -> None:
    """The driver dies with the JVM that started it (and the JVM with the service: setpriv)."""
    try:
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the JVM's death still ends the py4j session
        pass


def _read_secrets(path: str) -> Dict[str, Any]:
    """Reads the job's credentials and removes the file at once: it never outlives this moment."""
    with open(path, encoding="utf-8") as handle:
        secrets = json.load(handle)
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    return secrets


def run_job(spark: "SparkSession", body: Callable[["SparkSession", Dict[str, Any], Dict[str, Any]], Any], spec_path: str, secrets_path: str, result_path: str) -> int:
    """One job on a Spark session: its result or its error (with a retry class) to the result file.

    The same for a job of its own (main) and for a job of the warm driver (jobs/driver.py).
    """
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    secrets = _read_secrets(secrets_path)
    # the job's private folder (0700, removed with the job): where files made for drivers go
    os.environ["DATAOPS_JOB_DIR"] = os.path.dirname(os.path.abspath(spec_path))
    spark.sparkContext.setLogLevel(os.environ.get("DATAOPS_SPARK_LOG_LEVEL", "WARN"))
    # Strings stay as written: Spark would pad values of columns it knows as CHAR(n) (from JDBC
    # metadata, or from Parquet files carrying it) to n characters on read.
    spark.conf.set("spark.sql.readSideCharPadding", "false")
    try:
        result = body(spark, spec, secrets)
        _write_json(result_path, {"result": result})
        return 0
    except BaseException as error:  # noqa: BLE001 - every failure must reach the result file
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        job_error = classify(error)
        traceback.print_exc(file=sys.stderr)
        _write_json(
            result_path,
            {"error": {"errorClass": job_error.error_class, "message": str(job_error), "subject": job_error.subject}},
        )
        return 1


def _job_arguments(name: str) -> argparse.Namespace:
    """The job's three files (libs/spark's SparkRunner passes their paths)."""
    parser = argparse.ArgumentParser(prog=name)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--result", required=True)
    return parser.parse_args()


def main(name: str, body: Callable[["SparkSession", Dict[str, Any], Dict[str, Any]], Any]) -> None:
    from pyspark.sql import SparkSession

    _die_with_parent()
    args = _job_arguments(name)
    spark = SparkSession.builder.getOrCreate()
    try:
        code = run_job(spark, body, args.spec, args.secrets, args.result)
    finally:
        spark.stop()
    sys.exit(code)


def python_main(name: str, body: Callable[[Dict[str, Any], Dict[str, Any], str], Any], traceback_env: Optional[str] = None) -> None:
    """The entry point of a job that needs no Spark (arrow ingest, Sqoop import and export).

    ``body(spec, secrets, job_dir)``; job_dir is the job's private folder (0700). The same files and
    exit codes as ``main``; a JobError's (masked) message is printed without its traceback, whose
    causes may hold a connection URL, unless ``traceback_env`` is set to 1.
    """
    _die_with_parent()
    args = _job_arguments(name)
    code = 1
    try:
        with open(args.spec, encoding="utf-8") as handle:
            spec = json.load(handle)
        secrets = _read_secrets(args.secrets)
        _write_json(args.result, {"result": body(spec, secrets, os.path.dirname(os.path.abspath(args.spec)))})
        code = 0
    except BaseException as error:  # noqa: BLE001 - every failure must reach the result file
        job_error = classify(error)
        if (traceback_env and os.environ.get(traceback_env) == "1") or not hasattr(error, "error_class"):
            traceback.print_exc(file=sys.stderr)
        else:
            print(f"{name} failed: {job_error}", file=sys.stderr)
        _write_json(
            args.result,
            {"error": {"errorClass": job_error.error_class, "message": str(job_error), "subject": job_error.subject}},
        )
    sys.stdout.flush()
    sys.exit(code)
