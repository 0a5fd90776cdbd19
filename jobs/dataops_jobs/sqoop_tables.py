"""The Sqoop ingest engine: real Apache Sqoop 1.4.7 reads MySQL, pyarrow writes the lake.

The TypeScript planner (libs/ingest/src/sqoop-script.ts) writes, into the spec, a ``sqoop-script.sh``
with one ``sqoop import`` per table and the folder each import writes to. This module

1. writes the Sqoop options file ``sqoop-credentials`` (``--connect``, ``--username``,
   ``--password-file``: never ``--password``) and the password file, both 0600 in the job's
   private folder, and removes them when the job ends;
2. runs ``bash sqoop-script.sh N`` for table N when the arrow engine's writer asks for the table's
   first slice, at most ``DATAOPS_SQOOP_PARALLEL`` Sqoop JVMs at once, every Sqoop log line
   forwarded to stderr prefixed with the table (the service logs it with the run id);
3. hands Sqoop's Parquet files to the arrow engine's own ingest_table (arrow_tables.py): the same
   schema and casts, the same slice files, staging folder, atomic replace, checksums, progress and
   result as the arrow engine, so both engines write the same lake.

Why Sqoop reads through ``--query``: each import selects the planner's lossless read expressions
(DATE_FORMAT text, DECIMAL as exact text, ...) under plain aliases c0, c1, ... (Kite/Avro accept
only [A-Za-z0-9_] names) with the plan's incremental bounds, and runs exactly the plan's slices
(one mapper per slice, see sqoop-script.ts): Sqoop's own types would lose microseconds, the
proleptic calendar and BIGINT UNSIGNED values (docs/sqoop.md). The files arrive positionally in
the plan's column order, which is what arrow_tables.convert_batch expects.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
from typing import Any, Dict, List, Tuple

import pyarrow.parquet as pq

from . import arrow_tables
from .arrow_tables import BATCH_ROWS, convert_batch, slice_query, table_columns
from .runtime import JobError, local_path

# Sqoop JVMs at once: each compiles a record class and holds its own heap (~300 MB)
SQOOP_PARALLEL = max(1, int(os.environ.get("DATAOPS_SQOOP_PARALLEL", "2")))
# the last Sqoop log lines kept per table for an error message
_TAIL = 60

_log_lock = threading.Lock()

_TLS_PROPERTIES = ("sslMode", "useSSL", "requireSSL")
_TRANSIENT = (
    "Communications link failure",
    "Connection refused",
    "Connection reset",
    "Too many connections",
    "Lock wait timeout",
    "Deadlock found",
)


def log_line(line: str) -> None:
    """One whole line on stderr (imports run in threads): the runner logs it with the run id."""
    with _log_lock:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _die_with_parent() -> None:
    """In the child, before exec: the kernel kills it when this job dies (even by kill -9)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def sqoop_command() -> str:
    """The sqoop executable: $DATAOPS_SQOOP, else the one scripts/stack up installs."""
    configured = os.environ.get("DATAOPS_SQOOP")
    if configured:
        path = configured
    else:
        home = os.environ.get("DATAOPS_HOME") or os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), ".dataops")
        path = os.path.join(home, "sqoop", "bin", "sqoop")
    if not os.access(path, os.X_OK):
        raise JobError(
            f"the sqoop engine needs Apache Sqoop 1.4.7, and there is no executable {path}: run scripts/stack up "
            "(it installs Sqoop with ensure_sqoop, scripts/stack.d/70-sqoop.sh), or set DATAOPS_SQOOP to a sqoop command; docs/sqoop.md"
        )
    return path


def options_file_text(url: str, user: str, password_file: str) -> str:
    """The Sqoop options file: one option or value per line; the password stays in its own file."""
    for value, what in ((url, "the JDBC URL"), (user, "the user name")):
        if "\n" in value or "\r" in value:
            raise JobError(f"{what} of the source holds a line break, which a Sqoop options file cannot carry")
    return "\n".join(["# sqoop-credentials, written by DataOps for one ingest run and removed after it", "--connect", url, "--username", user, "--password-file", f"file://{password_file}", ""])


def write_private(path: str, text: str) -> None:
    # created 0600 (not chmod-ed after): the secret is never readable by others, even for a moment
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def refuse_tls(spec: Dict[str, Any]) -> None:
    url = str(spec.get("url", ""))
    if spec.get("tls") or any(f"{key}=" in url and f"{key}=DISABLED" not in url and f"{key}=false" not in url for key in _TLS_PROPERTIES):
        raise JobError("the sqoop engine does not pass TLS settings to Sqoop yet: use source.engine: spark for a source connection with tls")


class SqoopImports:
    """Runs each table's import once (the first slice that asks), and gives every slice its files."""

    def __init__(self, spec: Dict[str, Any], folder: str, command: str):
        self.folder = folder
        self.command = command
        self.script = os.path.join(folder, "sqoop-script.sh")
        self.credentials = os.path.join(folder, "sqoop-credentials")
        self.jvms = threading.Semaphore(SQOOP_PARALLEL)
        self.password = ""
        plans = {entry["table"]: entry for entry in spec["sqoop"]["tables"]}
        # arrow_tables hands a slice over by its query: which table and slice it is
        self.slices: Dict[str, Tuple[Dict[str, Any], int]] = {}
        self.imports: Dict[str, Dict[str, Any]] = {}
        for table in spec["tables"]:
            name = table["table"]
            if name not in plans:
                raise JobError(f"table {name}: the spec has no Sqoop import for it", subject=name)
            columns = table_columns(table)
            for index, predicate in enumerate(table.get("slices") or ["1=1"]):
                self.slices[slice_query(table, columns, predicate)] = (table, index)
            self.imports[name] = {"plan": plans[name], "lock": threading.Lock(), "files": None, "error": None}

    def prepare(self, spec: Dict[str, Any], login: Dict[str, str]) -> None:
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        self.password = login["password"]
        password = os.path.join(self.folder, "source.password")
        # Sqoop reads every byte of a password file: no trailing newline (docs/sqoop.md)
        write_private(password, login["password"])
        write_private(self.credentials, options_file_text(spec["url"], login["user"], password))
        write_private(self.script, spec["sqoop"]["script"])

    def _mask(self, text: str) -> str:
        # Sqoop reads the password from its file and never prints it; masked anyway, should a driver echo it
        return text.replace(self.password, "***") if self.password else text

    def read_slice(self, source, query, columns, schema, writer, read) -> None:
        table, index = self.slices[query]
        files = self._imported(table)
        count = len(table.get("slices") or ["1=1"])
        # one file per mapper, one mapper per slice; should Sqoop write more, the last slice takes the rest
        mine = files[index:index + 1] if index < count - 1 else files[index:]
        for path in mine:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, use_threads=False):
                writer.add(convert_batch(batch, columns, schema))
                read.add(batch.num_rows)
        writer.close()

    def _imported(self, table: Dict[str, Any]) -> List[str]:
        state = self.imports[table["table"]]
        with state["lock"]:
            if state["error"] is None and state["files"] is None:
                try:
                    with self.jvms:
                        state["files"] = self._run(table["table"], state["plan"])
                except JobError as error:
                    state["error"] = error
            if state["error"] is not None:
                raise state["error"]
            return state["files"]

    def _run(self, name: str, plan: Dict[str, Any]) -> List[str]:
        number = int(plan["number"])
        work = os.path.join(self.folder, "work")
        os.makedirs(work, mode=0o700, exist_ok=True)
        env = {**os.environ, "SQOOP": self.command, "SQOOP_CREDENTIALS": self.credentials, "SQOOP_WORK": work}
        tail: List[str] = []
        # one process per import: a killed job takes its Sqoop JVM along (the script execs into it)
        child = subprocess.Popen(
            ["bash", self.script, str(number)], cwd=work, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", preexec_fn=_die_with_parent,
        )
        assert child.stdout is not None
        for line in child.stdout:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            tail.append(line)
            del tail[:-_TAIL]
            log_line(f"sqoop [{name}]: {self._mask(line)}")
        code = child.wait()
        if code != 0:
            # arrow_tables.ingest_table adds the table's name and masks the password
            raise JobError(f"sqoop import failed (exit {code}): {self._mask(_reason(tail))}", "transient" if _transient(tail) else "terminal", name)
        target = local_path(plan["targetDir"])
        if not os.path.isdir(target):
            return []
        return sorted(os.path.join(target, entry) for entry in os.listdir(target) if entry.endswith(".parquet") and not entry.startswith("."))

    def remove_outputs(self) -> None:
        for state in self.imports.values():
            shutil.rmtree(os.path.dirname(os.path.dirname(local_path(state["plan"]["targetDir"]))), ignore_errors=True)


def _reason(tail: List[str]) -> str:
    """Sqoop's own words: the first ERROR line, and the exception under it."""
    for position, line in enumerate(tail):
        if " ERROR " in line or line.startswith("ERROR"):
            text = line.split(" ERROR ", 1)[-1]
            following = [later.strip() for later in tail[position + 1:position + 3] if later.strip() and not later.startswith("\tat ")]
            return " ".join([text, *following])[:1500]
    return " ".join(tail[-3:])[:1500] or "no output"


def _transient(tail: List[str]) -> bool:
    text = "\n".join(tail)
    return "Access denied" not in text and any(marker in text for marker in _TRANSIENT)


def ingest(spec: Dict[str, Any], secrets: Dict[str, Any], folder: str) -> Dict[str, Any]:
    """folder: the job's private folder (0700), where the options, password and script files go."""
    refuse_tls(spec)
    if not spec.get("sqoop") or not spec["sqoop"].get("script"):
        raise JobError("the spec has no sqoop section (script, tables): this job needs libs/ingest's Sqoop plan")
    imports = SqoopImports(spec, os.path.join(folder, "sqoop"), sqoop_command())
    try:
        imports.prepare(spec, secrets["source"])
        return arrow_tables.ingest(spec, secrets, read_slice=imports.read_slice)
    finally:
        # the credentials never outlive the job; Sqoop's own files are no lake files
        shutil.rmtree(imports.folder, ignore_errors=True)
        imports.remove_outputs()


