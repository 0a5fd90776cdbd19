"""The arrow export engine: the export job without Spark, for one machine (docs/engines.md).

It takes the export job's spec (libs/export: the JDBC targets' staging loads, the SFTP targets'
files) and returns the same result as jobs/export.py, but reads the model's files with pyarrow and
lets DuckDB turn them into text, in all cores, with no JVM to start:

    PostgreSQL target (load "copy")    CSV files COPY … (FORMAT csv) reads back as the same values
    MySQL target (load "infile")       CSV files LOAD DATA LOCAL INFILE reads back as the same values
    Sqoop-loaded target (load "none")  only the model's checksums (Sqoop fills the staging table)
    SFTP target                        the delivered CSV (gzip) or Parquet files, read back and summed

The warehouse side of every reconciliation is DuckDB's sum over the model's files
(checksums.duckdb_checksums), the same canonical text as Spark's; the database side is summed by
the database itself after the load (libs/reconcile), as with the spark engine.
"""

import gzip
import itertools
import os
import shutil
from typing import Any, Callable, Dict, Iterator, List

from .arrow_layout import data_files
from .checksums import checksum_kind, duckdb_checksums, duckdb_identifier, duckdb_relation_checksums, files_dataset, register_batches, register_files
from .runtime import JobError, progress


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class ModelFiles:
    """One model version's files (Parquet or ORC, Hive partition folders included), as DuckDB sees them."""

    def __init__(self, source: Dict[str, Any], columns: List[Dict[str, str]]):
        self.folder = source["path"]
        self.format = source["format"]
        self.columns = columns
        self.files = [f["path"] for f in data_files(self.folder, "." + self.format)]
        self.dataset = files_dataset(self.folder, self.files, self.format, columns) if self.files else None

    def kind(self, name: str) -> str:
        return checksum_kind(next(c["type"] for c in self.columns if c["name"] == name))

    def checksums(self, by_column: bool = True) -> Dict[str, Any]:
        return duckdb_checksums(self.folder, self.files, self.format, self.columns, by_column)

    def spark_type(self, name: str) -> str:
        return next(c["type"] for c in self.columns if c["name"] == name).strip().lower()

    def copy_to_csv(self, select: Callable[[str, str, str], str], names: List[str], path: str, options: str) -> None:
        """``COPY (SELECT <each column as text> FROM model) TO path``; an empty model gives an empty file.
        ``select(quoted column, checksum kind, Spark type)`` is the SQL of one column's text."""
        import duckdb

        if self.dataset is None:
            open(path, "w").close()
            return
        connection = duckdb.connect()
        try:
            register_files(connection, "model", self.dataset, self.columns)
            expressions = ", ".join(f"{select(duckdb_identifier(name), self.kind(name), self.spark_type(name))} AS {duckdb_identifier(name)}" for name in names)
            connection.execute(f"COPY (SELECT {expressions} FROM model) TO {_literal(path)} ({options})")
        finally:
            connection.close()

    def copy_slices_to_csv(self, select: Callable[[str, str, str], str], names: List[str], folder: str, options: str, slice_rows: int) -> Iterator[str]:
        """copy_to_csv in files of about ``slice_rows`` rows each (part-00000.csv, part-00001.csv, …),
        yielding each once it is complete: the stage loads one while the next is written (issue 11).
        One scan of the model; an empty model gives one empty file."""
        import duckdb
        import pyarrow as pa

        if self.dataset is None:
            path = os.path.join(folder, "part-00000.csv")
            open(path, "w").close()
            yield path
            return
        # small batches, one file at a time: with 65,536-row batches and pyarrow's default read-ahead
        # (four files at once) the first slice waited for whole row groups to decode on both cores,
        # and DuckDB took twice as long over all of them; the first load then started 0.9 s into
        # the job instead of 0.3 s (the sample's order_facts, issue 11)
        scanner = self.dataset.scanner(columns=names, batch_size=16384, fragment_readahead=1)
        batches = iter(scanner.to_reader())
        connection = duckdb.connect()
        try:
            expressions = ", ".join(f"{select(duckdb_identifier(name), self.kind(name), self.spark_type(name))} AS {duckdb_identifier(name)}" for name in names)
            for index in itertools.count():
                first = next(batches, None)
                if first is None and index > 0:
                    return
                head = [first] if first is not None else []
                piece = pa.RecordBatchReader.from_batches(scanner.projected_schema, itertools.chain(head, _rows_up_to(batches, slice_rows - (first.num_rows if first is not None else 0))))
                register_batches(connection, "model", piece, scanner.projected_schema, self.columns)
                path = os.path.join(folder, f"part-{index:05d}.csv")
                connection.execute(f"COPY (SELECT {expressions} FROM model) TO {_literal(path)} ({options})")
                connection.unregister("model__files")
                yield path
        finally:
            connection.close()


def _rows_up_to(batches: Iterator[Any], rows: int) -> Iterator[Any]:
    """The next batches of ``batches`` until ``rows`` rows have passed (the last one may overshoot)."""
    while rows > 0:
        batch = next(batches, None)
        if batch is None:
            return
        rows -= batch.num_rows
        yield batch


# --- the text of each value, per reader --------------------------------------------------------------

def _utc_text(value: str) -> str:
    """An instant (a Spark timestamp, stored in UTC) as its UTC wall time with microseconds."""
    return f"strftime(make_timestamp(epoch_us({value})), '%Y-%m-%d %H:%M:%S.%f')"


def _postgres_text(value: str, kind: str, spark_type: str) -> str:
    """What PostgreSQL's COPY reads back as the same value: decimals in plain notation, timestamps
    with all six fraction digits (an instant with its UTC offset, a wall time without), bytes as
    bytea's hex form."""
    if kind == "binary":
        return f"'\\x' || lower(hex({value}))"
    if kind == "timestamp":
        return f"strftime({value}, '%Y-%m-%d %H:%M:%S.%f')" if spark_type == "timestamp_ntz" else f"{_utc_text(value)} || '+00'"
    return f"CAST({value} AS VARCHAR)"


def _mysql_text(value: str, kind: str, _spark_type: str) -> str:
    """What LOAD DATA reads back as the same value. Bytes travel as hex (the load UNHEXes them),
    booleans as 1/0 (TINYINT(1)), instants as their UTC wall time (the DATETIME(6) they go to)."""
    if kind == "binary":
        return f"hex({value})"
    if kind == "boolean":
        return f"CASE WHEN {value} IS NULL THEN NULL WHEN {value} THEN '1' ELSE '0' END"
    if kind == "timestamp":
        return _utc_text(value)
    return f"CAST({value} AS VARCHAR)"


# --- staging loads -----------------------------------------------------------------------------------

# a load file of a model has at most a few slices, each of at least this many rows: the first is
# loaded while the next are written, so the database starts about a slice's time after the job
LOAD_SLICES = 8
MIN_SLICE_ROWS = 100_000


def _load_files(target: Dict[str, Any], model: ModelFiles) -> Iterator[str]:
    os.makedirs(target["localDir"], exist_ok=True)
    names = target["columns"]
    rows = model.dataset.count_rows() if model.dataset is not None else 0
    slice_rows = max(MIN_SLICE_ROWS, -(-rows // LOAD_SLICES))
    if target["load"] == "copy":
        # RFC 4180 as COPY … (FORMAT csv) reads it: NULL is an unquoted empty field, '' a quoted one
        return model.copy_slices_to_csv(_postgres_text, names, target["localDir"], "FORMAT csv, HEADER false", slice_rows)
    # LOAD DATA … FIELDS ENCLOSED BY '"' ESCAPED BY '': every value quoted, NULL the bare word
    return model.copy_slices_to_csv(_mysql_text, names, target["localDir"], "FORMAT csv, HEADER false, NULLSTR 'NULL', FORCE_QUOTE *", slice_rows)


def load_staging(target: Dict[str, Any]) -> Dict[str, Any]:
    """The load files, each announced (phase "files") once written, so the stage loads it while the
    next is written and the model is summed here: the database's load overlaps the job (issue 11)."""
    if target["load"] not in ("copy", "infile", "none"):
        raise JobError(f"target {target['name']}: the arrow export engine loads by COPY or LOAD DATA only, not {target['load']}; use the spark engine", subject=target["name"])
    model = ModelFiles(target["model"], [c for c in target["modelColumns"] if c["name"] in target["columns"]])
    loaded: Dict[str, Any] = {}
    if target["load"] != "none":
        files = []
        for path in _load_files(target, model):
            files.append(path)
            progress(target=target["name"], phase="files", files=[path])
        loaded = {"files": files}
    # the database sums the rows first; each column's sum only when they differ, to name it (the
    # stage then asks again with columnChecksums): one md5 per row here instead of one per value
    checksums = model.checksums(by_column=target.get("columnChecksums", True))
    if loaded:
        progress(target=target["name"], phase="written", rows=checksums["rows"])
    return {"name": target["name"], "rows": checksums["rows"], "checksums": checksums, **loaded}


# --- SFTP files ----------------------------------------------------------------------------------------

def _file_text(value: str, kind: str, spark_type: str) -> str:
    """The documented CSV dialect of SFTP files (docs/export.md), as the spark engine writes it:
    bytes as base64, instants as ISO 8601 in UTC (…T10:00:00.000000Z), wall times without a zone."""
    if kind == "binary":
        return f"base64({value})"
    if kind == "timestamp":
        if spark_type == "timestamp_ntz":
            return f"strftime({value}, '%Y-%m-%d %H:%M:%S.%f')"
        return f"strftime(make_timestamp(epoch_us({value})), '%Y-%m-%dT%H:%M:%S.%fZ')"
    return f"CAST({value} AS VARCHAR)"


def _csv_back_checksums(path: str, model: ModelFiles) -> Dict[str, Any]:
    """The CSV file read back as a reader of the documented dialect would, in the model's types, summed."""
    import duckdb

    connection = duckdb.connect()
    try:
        # bytes (base64) and timestamps (ISO 8601, 'T' and 'Z' for an instant) are read as their text
        # and turned back into the model's types here; every other column by read_csv's own type
        as_text = {c["name"] for c in model.columns if checksum_kind(c["type"]) in ("binary", "timestamp")}
        columns = "{" + ", ".join(f"{_literal(c['name'])}: {_literal('VARCHAR' if c['name'] in as_text else _duckdb_type(c['type']))}" for c in model.columns) + "}"
        connection.execute(
            f"CREATE VIEW back__text AS SELECT * FROM read_csv({_literal(path)}, header=true, columns={columns}, quote='\"', escape='\"', "
            f"allow_quoted_nulls=false, compression='auto')"
        )

        def typed(column: Dict[str, str]) -> str:
            value = duckdb_identifier(column["name"])
            if checksum_kind(column["type"]) == "binary":
                return f"from_base64({value}) AS {value}"
            if checksum_kind(column["type"]) == "timestamp":
                return f"CAST(replace(rtrim({value}, 'Z'), 'T', ' ') AS TIMESTAMP) AS {value}"
            return value

        connection.execute(f"CREATE VIEW back AS SELECT {', '.join(typed(c) for c in model.columns)} FROM back__text")
        return duckdb_relation_checksums(connection, "back", model.columns)
    finally:
        connection.close()


def _duckdb_type(spark_type: str) -> str:
    t = spark_type.strip().lower()
    simple = {"tinyint": "TINYINT", "smallint": "SMALLINT", "int": "INTEGER", "integer": "INTEGER", "bigint": "BIGINT", "date": "DATE", "boolean": "BOOLEAN"}
    if t in simple:
        return simple[t]
    if t.startswith("decimal"):
        return t.upper()
    return "VARCHAR"


def write_files(target: Dict[str, Any]) -> Dict[str, Any]:
    model = ModelFiles(target["model"], target["modelColumns"])
    out = target["localDir"]
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    checksums = model.checksums()
    names = [c["name"] for c in model.columns]
    if target["format"] == "csv":
        plain = os.path.join(out, "part-00000.csv")
        model.copy_to_csv(_file_text, names, plain, "FORMAT csv, HEADER true, NEW_LINE '\\r\\n'")
        if os.path.getsize(plain) == 0:  # an empty model still gets its header line
            with open(plain, "w", encoding="utf-8", newline="") as handle:
                handle.write(",".join(_csv_name(n) for n in names) + "\r\n")
        path = plain
        if target.get("gzip"):
            path = plain + ".gz"
            with open(plain, "rb") as source, gzip.open(path, "wb", compresslevel=6) as sink:
                shutil.copyfileobj(source, sink, 1024 * 1024)
            os.remove(plain)
        back = _csv_back_checksums(path, model)
    else:
        import pyarrow.parquet as pq

        path = os.path.join(out, "part-00000.snappy.parquet")
        table = model.dataset.to_table(columns=names) if model.dataset is not None else None
        if table is None:
            raise JobError(f"target {target['name']}: model has no files at {model.folder}", subject=target["name"])
        pq.write_table(table, path, compression="snappy")
        back = duckdb_checksums(out, [os.path.basename(path)], "parquet", model.columns)
    rows = back["rows"]
    progress(target=target["name"], phase="written", files=1)
    return {"name": target["name"], "files": [{"local": path, "name": os.path.basename(path), "rows": rows}], "checksums": checksums, "fileChecksums": back}


def _csv_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if any(ch in name for ch in ',"\r\n') else name


def export(spec: Dict[str, Any], _secrets: Dict[str, Any]) -> Dict[str, Any]:
    staged = [load_staging(t) for t in spec["jdbc"]]
    written = [write_files(t) for t in spec["files"]]
    return {"staged": staged, "written": written}
