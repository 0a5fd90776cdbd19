"""``sqoop export`` of a warehouse model into a BI table (libs/export/src/sqoop-export.ts, docs/sqoop.md).

Sqoop exports text, Avro, SequenceFile or Kite-Parquet folders; a model is plain Parquet, so the job
first writes the model as Sqoop's text: one line per row, every non-NULL value enclosed in ``"``
with ``\\`` and ``"`` escaped by ``\\``, NULL as the unenclosed ``\\\\N``, which Sqoop's parser reads as
``\\N``, the ``--input-null-string`` and ``--input-null-non-string``. What text cannot carry is refused, naming the column: binary values,
line breaks (Sqoop splits its input at line ends before it parses a field) and a string equal to
``\\N`` (it would arrive as NULL).

Then it writes the options file (``--connect``, ``--username``, ``--password-file``) and the password
file, 0600 in the job's private folder, runs ``sqoop export`` with the planner's arguments, forwards
Sqoop's log lines, and returns the rows Sqoop reports (``Exported N records``), checked against
the rows written.
"""

import glob
import os
import re
import shutil
import subprocess
from typing import Any, Dict, List

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .runtime import JobError, local_path, progress
from .sqoop_tables import _die_with_parent, _reason, _transient, log_line, options_file_text, sqoop_command, write_private

NULL = "\\N"
# NULL in the file: the escape character escaped, so the parser hands \N to the null check
NULL_TEXT = "\\\\N"
_EXPORTED = re.compile(r"Exported (\d+) records")


def _model_files(path: str) -> List[str]:
    local = local_path(path)
    files = sorted(f for f in glob.glob(os.path.join(local, "**", "*.parquet"), recursive=True) if "/." not in f and "/_" not in f[len(local):])
    if not files:
        raise JobError(f"the model folder {local} holds no Parquet file")
    return files


def _text(array: pa.Array, column: str, target: str) -> List[str]:
    """One column as Sqoop's input text (see the module's docstring)."""
    kind = array.type
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        raise JobError(f"export {target}: column {column} is binary, which sqoop export cannot read from text: use the jdbc exporter for this model")
    if pa.types.is_timestamp(kind):
        # java.sql.Timestamp.valueOf's layout; an instant in UTC (the Sqoop wrapper's JVM zone) without the Z
        values = [None if v is None else v.rstrip("Z") for v in pc.cast(array.cast(pa.timestamp("us", tz=kind.tz)), pa.string()).to_pylist()]
    elif pa.types.is_date(kind):
        values = pc.cast(array, pa.string()).to_pylist()
    elif pa.types.is_decimal(kind):
        values = [None if v is None else format(v, "f") for v in array.to_pylist()]
    elif pa.types.is_boolean(kind):
        values = [None if v is None else ("true" if v else "false") for v in array.to_pylist()]
    elif pa.types.is_floating(kind):
        values = [None if v is None else repr(float(v)) for v in array.to_pylist()]
    else:
        values = [None if v is None else str(v) for v in array.to_pylist()]
    out = []
    for value in values:
        if value is None:
            out.append(NULL_TEXT)
            continue
        if "\n" in value or "\r" in value:
            raise JobError(f"export {target}: column {column} holds a line break, which sqoop export cannot read from text: use the jdbc exporter for this model")
        if value == NULL:
            raise JobError(f"export {target}: column {column} holds the text \\N, which sqoop export would load as NULL: use the jdbc exporter for this model")
        out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return out


def write_text(files: List[str], columns: List[str], folder: str, target: str) -> int:
    """The model's rows as Sqoop text in folder/part-m-00000; the rows written."""
    os.makedirs(folder, exist_ok=True)
    rows = 0
    with open(os.path.join(folder, "part-m-00000"), "w", encoding="utf-8", newline="\n") as handle:
        for path in files:
            parquet = pq.ParquetFile(path)
            missing = [c for c in columns if c not in parquet.schema_arrow.names]
            if missing:
                raise JobError(f"export {target}: the model has no column {missing[0]} (model columns: {', '.join(parquet.schema_arrow.names)})")
            for batch in parquet.iter_batches(columns=columns, batch_size=65536):
                texts = [_text(batch.column(i), columns[i], target) for i in range(len(columns))]
                for row in zip(*texts):
                    handle.write(",".join(row) + "\n")
                rows += batch.num_rows
    return rows


def export(spec: Dict[str, Any], secrets: Dict[str, Any], folder: str) -> Dict[str, Any]:
    target = spec["name"]
    login = secrets["target"]
    work = os.path.join(folder, "sqoop-export")
    os.makedirs(work, mode=0o700, exist_ok=True)
    try:
        command = sqoop_command()
        progress(target=target, phase="writing text")
        rows = write_text(_model_files(spec["model"]["path"]), spec["columns"], os.path.join(work, "input"), target)
        password = os.path.join(work, "target.password")
        write_private(password, login["password"])
        credentials = os.path.join(work, "sqoop-credentials")
        write_private(credentials, options_file_text(spec["url"], login["user"], password))
        values = {"$SQOOP_CREDENTIALS": credentials, "$SQOOP_EXPORT_DIR": "file://" + os.path.join(work, "input"), "$SQOOP_WORK": os.path.join(work, "gen")}
        args = [values.get(arg, arg) for arg in spec["arguments"]]
        progress(target=target, phase="exporting", rows=rows)
        tail: List[str] = []
        exported = None
        child = subprocess.Popen([command, *args], cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", preexec_fn=_die_with_parent)
        assert child.stdout is not None
        for line in child.stdout:
            line = line.rstrip("\n").replace(login["password"], "***")
            if not line.strip():
                continue
            tail.append(line)
            del tail[:-60]
            found = _EXPORTED.search(line)
            if found:
                exported = int(found.group(1))
            log_line(f"sqoop export [{target}]: {line}")
        code = child.wait()
        if code != 0:
            raise JobError(f"export {target}: sqoop export failed (exit {code}): {_reason(tail)}", "transient" if _transient(tail) else "terminal", target)
        if exported != rows:
            raise JobError(f"export {target}: sqoop reported {exported} records exported, the model has {rows} rows", "terminal", target)
        progress(target=target, phase="exported", rows=rows)
        return {"name": target, "rows": rows}
    finally:
        shutil.rmtree(work, ignore_errors=True)
