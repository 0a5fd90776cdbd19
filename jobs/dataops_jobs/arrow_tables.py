"""The Arrow ingest engine: MySQL -> Arrow (ConnectorX) -> Parquet (pyarrow), without Spark.

It takes the same spec as jobs/ingest.py (planned by libs/ingest: read query, slices,
customSchema, casts, dataPath) and writes what the Spark job writes: Parquet files in each
table's dataPath with the same column names, the same Parquet/Arrow logical types and the same
values, and the same result ({"tables": [{table, rows, files, bytes}]}) and progress lines.

How a table is read: each slice is one query, ``SELECT <columns> FROM <query> WHERE <slice>``
(as Spark's JDBC reader sends it), streamed in record batches over its own connection. All slices
of all tables share one pool of ``maxConnections`` threads, so the connections open at once never
exceed the source's budget. Each slice becomes one Parquet file (like one Spark task).

Types (docs/type-mapping.md, docs/engines.md): the reader's own conversions are trusted only where
they are exact. DECIMAL columns travel as their exact text (``CAST(x AS CHAR)``; ConnectorX 0.4.6's
decimal conversion fails with "decimal scale is not equal to expected scale") and are parsed into decimal128(p,s) by Arrow; DATE/DATETIME/
TIMESTAMP arrive as the planner's text (YYYY-MM-DD[ HH:MM:SS.ffffff]) and are parsed here into date32 /
timestamp[us] / timestamp[us, UTC] with the proleptic Gregorian calendar, invalid or zero dates
becoming NULL like Spark's try_cast.
"""

import os
import re
import shutil
import socket
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .arrow_layout import OrcSliceWriter, PartitionedWriter, data_files
from .checksums import duckdb_checksums
from .runtime import JobError, progress
from .runtime import quote_identifier as _q

# rows per batch from the reader; a batch is the unit of conversion (memory per slice ~ batch + row group)
BATCH_ROWS = int(os.environ.get("DATAOPS_ARROW_BATCH_ROWS", "65536"))
# a long read tells how far it got this often (rows per second and time left for people watching)
PROGRESS_SECONDS = float(os.environ.get("DATAOPS_PROGRESS_SECONDS", "2"))
# a row group is written when this many rows or bytes are buffered (Spark's parquet.block.size is 128 MB)
ROW_GROUP_ROWS = 1_048_576
ROW_GROUP_BYTES = int(os.environ.get("DATAOPS_ARROW_ROW_GROUP_BYTES", str(32 * 1024 * 1024)))
# a slice of a table with an integer key is read as key ranges of about this many bytes, one query
# after the other: ConnectorX buffers a query's result ahead of the writer without bound, so the
# reader's memory follows its largest query, not the table's size (issue 11: streaming)
CHUNK_BYTES = int(os.environ.get("DATAOPS_ARROW_CHUNK_BYTES", str(32 * 1024 * 1024)))

# the session of each connection: UTC, so TIMESTAMP's text is the UTC instant (the Spark path's
# Connector/J sets connectionTimeZone=UTC + forceConnectionTimeZoneToSession), and utf8mb4 results
SESSION_SETUP = ["SET NAMES utf8mb4", "SET time_zone = '+00:00'"]

_TRANSIENT_MARKERS = (
    "Communications link failure",
    "Connection refused",
    "Connection reset",
    "Too many connections",
    "Lock wait timeout",
    "Deadlock found",
    "timed out",
    "Broken pipe",
    "os error 104",
    "os error 111",
)

# Spark's codec names -> (pyarrow codec, Spark's file name extension)
_CODECS = {
    "none": (None, ""),
    "uncompressed": (None, ""),
    "snappy": ("snappy", ".snappy"),
    "gzip": ("gzip", ".gz"),
    "zstd": ("zstd", ".zstd"),
    "lz4": ("lz4", ".lz4raw"),  # pyarrow writes LZ4_RAW, the Parquet codec every reader knows
    "lz4_raw": ("lz4", ".lz4raw"),
    "brotli": ("brotli", ".br"),
}


# --- the spec -------------------------------------------------------------------------------------


class Source:
    """Where to read from, parsed from the spec's JDBC URL; the password is held, never shown."""

    def __init__(self, host: str, port: int, database: str, properties: Dict[str, str], user: str, password: str):
        self.host = host
        self.port = port
        self.database = database
        self.properties = properties
        self.user = user
        self.password = password

    def connectorx_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"mysql://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{host}:{self.port}/{quote(self.database, safe='')}"

    def mask(self, text: str) -> str:
        """Removes the password (plain and percent-encoded) from text that may be shown."""
        for secret in {self.password, quote(self.password, safe=""), quote(self.password)}:
            if secret:
                text = text.replace(secret, "***")
        return text


# Connector/J properties that ask for TLS: this engine does not negotiate it, so it refuses rather
# than silently read in clear text
_TLS_PROPERTIES = {
    "sslMode": ("REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"),
    "useSSL": ("true",),
    "requireSSL": ("true",),
}


def parse_source(url: str, login: Dict[str, str]) -> Source:
    if not isinstance(url, str) or not re.match(r"^jdbc:(mysql|mariadb)://", url):
        raise JobError("the arrow engine reads jdbc:mysql:// (or jdbc:mariadb://) sources only")
    parts = urlsplit(url[len("jdbc:"):])
    if "," in parts.netloc:
        raise JobError("the arrow engine reads from one host: a JDBC URL with several hosts needs the spark engine")
    try:
        host = parts.hostname or "localhost"
        port = parts.port or 3306
    except ValueError as error:
        raise JobError(f"the source URL has an invalid host or port: {error}") from None
    database = unquote(parts.path.lstrip("/"))
    properties = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, values in _TLS_PROPERTIES.items():
        if str(properties.get(key, "")).upper() in {v.upper() for v in values}:
            raise JobError(
                f"the source asks for TLS ({key}={properties[key]}), which the arrow engine (ConnectorX) does not negotiate: "
                "set source.engine: spark, or leave engine unset (a source connection with tls is read by Spark)"
            )
    return Source(host, port, database, properties, login["user"], login["password"])


def parse_custom_schema(text: str) -> List[Tuple[str, str]]:
    """Spark's customSchema DDL (`name` TYPE, ...) -> [(name, TYPE)], backtick-quoted names with `` escapes."""
    columns: List[Tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text[i] == "`":
            i += 1
            name_chars = []
            while True:
                if i >= n:
                    raise JobError(f"customSchema: unterminated identifier in {text[:200]!r}")
                if text[i] == "`":
                    if i + 1 < n and text[i + 1] == "`":
                        name_chars.append("`")
                        i += 2
                        continue
                    i += 1
                    break
                name_chars.append(text[i])
                i += 1
            name = "".join(name_chars)
        else:
            start = i
            while i < n and text[i] not in " \t":
                i += 1
            name = text[start:i]
        start, depth = i, 0
        while i < n and not (text[i] == "," and depth == 0):
            depth += text[i] == "("
            depth -= text[i] == ")"
            i += 1
        type_ = text[start:i].strip()
        # Spark allows `name TYPE NOT NULL` / COMMENT '...' in DDL; only the type matters here
        type_ = re.split(r"\s+(?:NOT\s+NULL|COMMENT)\b", type_, flags=re.IGNORECASE)[0].strip()
        if not type_:
            raise JobError(f"customSchema: column {name!r} has no type")
        columns.append((name, type_.upper()))
        i += 1
    return columns


def arrow_type(spark_type: str) -> pa.DataType:
    """The Arrow type pyarrow reads back from the Parquet Spark writes for this Spark type."""
    t = spark_type.strip().upper()
    simple = {
        "TINYINT": pa.int8(), "BYTE": pa.int8(),
        "SMALLINT": pa.int16(), "SHORT": pa.int16(),
        "INT": pa.int32(), "INTEGER": pa.int32(),
        "BIGINT": pa.int64(), "LONG": pa.int64(),
        "FLOAT": pa.float32(), "REAL": pa.float32(),
        "DOUBLE": pa.float64(),
        "STRING": pa.string(),
        "BINARY": pa.binary(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us", tz="UTC"),
        "TIMESTAMP_LTZ": pa.timestamp("us", tz="UTC"),
        "TIMESTAMP_NTZ": pa.timestamp("us"),
    }
    if t in simple:
        return simple[t]
    if re.fullmatch(r"(VAR)?CHAR\(\d+\)", t):
        return pa.string()
    match = re.fullmatch(r"(?:DECIMAL|DEC|NUMERIC)(?:\((\d+)(?:,\s*(\d+))?\))?", t)
    if match:
        precision = int(match.group(1) or 10)
        scale = int(match.group(2) or 0)
        if precision > 38:
            raise JobError(f"DECIMAL({precision},{scale}) is wider than Spark's 38 digits")
        return pa.decimal128(precision, scale)
    raise JobError(f"the arrow engine does not know the Spark type {spark_type!r}")


class Column:
    def __init__(self, name: str, read_type: str, cast: Optional[str]):
        self.name = name
        self.read_type = read_type
        self.cast = cast
        self.target = arrow_type(cast or read_type)
        self.source = arrow_type(read_type)
        if cast and not (pa.types.is_string(self.source) and cast.upper() in ("DATE", "TIMESTAMP", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ")):
            raise JobError(f"column {name}: the arrow engine casts text to DATE/TIMESTAMP/TIMESTAMP_NTZ only, not {read_type} to {cast}")

    def select_expression(self) -> str:
        """What the slice query selects: decimals as exact text (see the module's docstring)."""
        if pa.types.is_decimal(self.target):
            return f"CAST({_q(self.name)} AS CHAR) AS {_q(self.name)}"
        return _q(self.name)


def table_columns(table: Dict[str, Any]) -> List[Column]:
    casts = table.get("casts") or {}
    columns = [Column(name, type_, casts.get(name)) for name, type_ in parse_custom_schema(table["customSchema"])]
    names = [c.name for c in columns]
    unknown = set(casts) - set(names)
    if unknown:
        raise JobError(f"casts name columns not in customSchema: {sorted(unknown)}")
    if len(set(names)) != len(names):
        raise JobError("customSchema names a column twice")
    return columns


def slice_query(table: Dict[str, Any], columns: Sequence[Column], predicate: str) -> str:
    # what Spark's JDBC reader sends for a slice: SELECT <columns> FROM <table> WHERE <predicate>
    return f"SELECT {', '.join(c.select_expression() for c in columns)} FROM {table['query']} WHERE {predicate}"


def target_schema(columns: Sequence[Column]) -> pa.Schema:
    # Spark writes every Parquet column as optional (nullable)
    return pa.schema([pa.field(c.name, c.target, nullable=True) for c in columns])


# --- values ---------------------------------------------------------------------------------------


_DAYS_IN_MONTH = pa.array([31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], pa.int64())  # index 0: unused


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _is_valid_date(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    return day <= _DAYS_IN_MONTH[month].as_py() + (month == 2 and leap)


# the planner's DATE_FORMAT patterns: '%Y-%m-%d' and '%Y-%m-%d %H:%i:%s.%f'
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$"
_LOOSE = re.compile(r"^\s*(\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*$")


def _loose_value(text: str, with_time: bool) -> Optional[int]:
    """The slow path for text not in the planner's layout: Spark-like parsing, None when invalid."""
    match = _LOOSE.match(text)
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if not _is_valid_date(year, month, day):
        return None
    days = _days_from_civil(year, month, day)
    if not with_time:
        return days
    hour, minute, second = int(match.group(4) or 0), int(match.group(5) or 0), int(match.group(6) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    fraction = int((match.group(7) or "0").ljust(9, "0")[:6])
    return ((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + fraction


def _digits(text: pa.Array, start: int, width: int) -> pa.Array:
    return pc.cast(pc.utf8_slice_codeunits(text, start, start + width), pa.int64())


def parse_temporal(array: pa.Array, target: pa.DataType) -> pa.Array:
    """Text -> date32 / timestamp[us] like Spark's try_cast: invalid or zero dates become NULL.

    Vectorized with Arrow compute on the planner's fixed layouts; calendar checks (month 1..12,
    day within the month of that proleptic Gregorian year, hour/minute/second in range) decide
    validity, as java.time does for Spark.
    """
    with_time = pa.types.is_timestamp(target)
    if not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    # fast path: Arrow's own ISO-8601 parser (C++), which checks the calendar too; it refuses the
    # whole batch if one value is invalid (a zero date), which then takes the exact path below
    try:
        if with_time:
            return pc.cast(pc.cast(array, pa.timestamp("us")), target)
        return pc.cast(array, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return _parse_temporal_exact(array, target, with_time)


def _parse_temporal_exact(array: pa.Array, target: pa.DataType, with_time: bool) -> pa.Array:
    shaped = pc.fill_null(pc.match_substring_regex(array, _TIMESTAMP_PATTERN if with_time else _DATE_PATTERN), False)
    filler = "1970-01-01 00:00:00.000000" if with_time else "1970-01-01"
    text = pc.if_else(shaped, array, pa.scalar(filler, pa.string()))
    year, month, day = _digits(text, 0, 4), _digits(text, 5, 2), _digits(text, 8, 2)
    leap = pc.or_(
        pc.and_(pc.equal(pc.bit_wise_and(year, 3), 0), pc.not_equal(pc.subtract(year, pc.multiply(pc.divide(year, 100), 100)), 0)),
        pc.equal(pc.subtract(year, pc.multiply(pc.divide(year, 400), 400)), 0),
    )
    month_ok = pc.and_(pc.greater_equal(month, 1), pc.less_equal(month, 12))
    month_index = pc.if_else(month_ok, month, 0)
    days_in_month = pc.add(pc.take(_DAYS_IN_MONTH, month_index), pc.cast(pc.and_(pc.equal(month, 2), leap), pa.int64()))
    ok = pc.and_(shaped, pc.and_(month_ok, pc.and_(pc.greater_equal(day, 1), pc.less_equal(day, days_in_month))))
    # days from civil, shifted by one 400-year era so every division is of non-negative numbers
    y = pc.add(pc.subtract(year, pc.cast(pc.less_equal(month_index, 2), pa.int64())), 400)
    era = pc.divide(y, 400)
    yoe = pc.subtract(y, pc.multiply(era, 400))
    mp = pc.subtract(pc.add(month_index, 9), pc.multiply(pc.divide(pc.add(month_index, 9), 12), 12))
    doy = pc.add(pc.divide(pc.add(pc.multiply(mp, 153), 2), 5), pc.subtract(day, 1))
    doe = pc.add(pc.subtract(pc.add(pc.multiply(yoe, 365), pc.divide(yoe, 4)), pc.divide(yoe, 100)), doy)
    days = pc.subtract(pc.add(pc.multiply(era, 146097), doe), 719468 + 146097)
    if with_time:
        hour, minute, second, micros = _digits(text, 11, 2), _digits(text, 14, 2), _digits(text, 17, 2), _digits(text, 20, 6)
        ok = pc.and_(ok, pc.and_(pc.less_equal(hour, 23), pc.and_(pc.less_equal(minute, 59), pc.less_equal(second, 59))))
        seconds = pc.add(pc.multiply(pc.add(pc.multiply(pc.add(pc.multiply(days, 24), hour), 60), minute), 60), second)
        values = pc.add(pc.multiply(seconds, 1_000_000), micros)
    else:
        values = days
    result = pc.if_else(ok, values, pa.scalar(None, pa.int64()))
    # text in another layout (never from the planner's DATE_FORMAT): parsed one by one
    odd = pc.indices_nonzero(pc.and_(pc.invert(shaped), pc.is_valid(array)))
    if len(odd):
        python_values = result.to_pylist()
        for index, value in zip(odd.to_pylist(), array.take(odd).to_pylist()):
            python_values[index] = _loose_value(value, with_time)
        result = pa.array(python_values, pa.int64())
    if with_time:
        return result.cast(target)
    return result.cast(pa.int32()).cast(target)


def convert_batch(batch: pa.RecordBatch, columns: Sequence[Column], schema: pa.Schema) -> pa.RecordBatch:
    if batch.num_columns != len(columns):
        raise JobError(f"the read returned {batch.num_columns} columns, customSchema has {len(columns)}")
    arrays = []
    for array, column in zip(batch.columns, columns):
        if column.cast:
            arrays.append(parse_temporal(array, column.target))
        elif array.type == column.target:
            arrays.append(array)
        else:
            # integers widen (unsigned -> next signed), large_binary -> binary, decimal text -> decimal128:
            # checked casts, so a value that does not fit fails the table instead of changing
            arrays.append(pc.cast(array, column.target, safe=True))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


# --- reading and writing --------------------------------------------------------------------------


def _local_path(path: str) -> str:
    if path.startswith("file://"):
        path = unquote(urlsplit(path).path)
    if not path.startswith("/"):
        raise JobError(f"the arrow engine writes to local paths only, not {path!r}: use the spark engine for object stores")
    return path.rstrip("/") or "/"


class _SliceWriter:
    """One slice -> one Parquet file, row groups of ~ROW_GROUP_BYTES, opened at the first row."""

    def __init__(self, folder: str, name: str, schema: pa.Schema, codec: Optional[str]):
        self.path = os.path.join(folder, name)
        self.schema = schema
        self.codec = codec
        self.writer: Optional[pq.ParquetWriter] = None
        self.pending: List[pa.RecordBatch] = []
        self.pending_rows = 0
        self.pending_bytes = 0
        self.rows = 0

    def _open(self) -> pq.ParquetWriter:
        if self.writer is None:
            self.writer = pq.ParquetWriter(
                self.path,
                self.schema,
                compression=self.codec or "none",
                # like Spark's files: no Arrow schema blob, so every reader derives the types from
                # the Parquet schema alone (binary, not large_binary; string, not large_string)
                store_schema=False,
                # DECIMAL(p<=9) as INT32, p<=18 as INT64, wider as fixed bytes, as Spark writes them
                store_decimal_as_integer=True,
                coerce_timestamps="us",
                write_statistics=True,
            )
        return self.writer

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        self.pending_bytes += batch.nbytes
        if self.pending_rows >= ROW_GROUP_ROWS or self.pending_bytes >= ROW_GROUP_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        table = pa.Table.from_batches(self.pending, schema=self.schema)
        self._open().write_table(table, row_group_size=max(table.num_rows, 1))
        self.rows += table.num_rows
        self.pending, self.pending_rows, self.pending_bytes = [], 0, 0

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()

    def abandon(self) -> None:
        """After a failed read: closes the file (the staging folder is removed with it)."""
        self.pending = []
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:  # noqa: BLE001 - the file is thrown away
                pass
            self.writer = None

    def write_empty(self) -> None:
        """A table without rows still gets one file carrying its schema, as Spark writes it."""
        self._open()
        self.writer.write_table(self.schema.empty_table())
        self.writer.close()


class RowsRead:
    """The rows a table's slices have read so far, told at most every `every` seconds, never per batch."""

    def __init__(self, table: str, every: float = PROGRESS_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.table = table
        self.every = every
        self.clock = clock
        self.rows = 0
        self.told = clock()
        self.lock = threading.Lock()

    def add(self, rows: int) -> None:
        # under the lock: slices of one table read in threads, and counts must never go back
        with self.lock:
            self.rows += rows
            now = self.clock()
            if now - self.told < self.every:
                return
            self.told = now
            progress(table=self.table, phase="reading", rows=self.rows)


def _read_slice(source: Source, query: str, columns: Sequence[Column], schema: pa.Schema, writer: _SliceWriter, read: RowsRead) -> None:
    """One query into the slice's writer (the Sqoop engine passes its own reader of the same shape)."""
    _read_query(source, query, columns, schema, writer, read, BATCH_ROWS)
    writer.close()


def _read_query(source: Source, query: str, columns: Sequence[Column], schema: pa.Schema, writer: _SliceWriter, read: RowsRead, batch_rows: int) -> None:
    import connectorx as cx  # imported here: the module loads without it (tests of the pure parts)

    reader = cx.read_sql(
        source.connectorx_url(),
        query,
        return_type="arrow_stream",
        protocol="binary",
        pre_execution_query=list(SESSION_SETUP),
        batch_size=batch_rows,
    )
    for batch in reader:
        writer.add(convert_batch(batch, columns, schema))
        read.add(batch.num_rows)


def _query_row(source: Source, sql: str) -> List[Any]:
    import connectorx as cx

    table = cx.read_sql(source.connectorx_url(), sql, return_type="arrow", protocol="text", pre_execution_query=list(SESSION_SETUP))
    return [table.column(index)[0].as_py() if table.num_rows else None for index in range(table.num_columns)]


class Chunking:
    """How a table's slices are read in key ranges: its integer key, its rows, and bytes per row."""

    def __init__(self, key: str, rows: int, row_bytes: int, slices: int):
        self.key = key
        self.rows = rows
        self.row_bytes = max(1, row_bytes)
        self.slices = max(1, slices)

    @property
    def batch_rows(self) -> int:
        # a batch is converted whole: a few per chunk keeps wide rows' batches small too
        return max(1024, min(BATCH_ROWS, CHUNK_BYTES // 4 // self.row_bytes))

    def predicates(self, predicate: str, low: Optional[int], high: Optional[int]) -> List[str]:
        """The slice's predicate cut into key ranges over [low, high] (its keys), plus its NULL keys."""
        chunks = -(-int(self.rows / self.slices * self.row_bytes) // CHUNK_BYTES)
        if low is None or high is None or chunks <= 1:
            return [predicate]
        key = _q(self.key)

        def condition(start: Optional[int], end: Optional[int]) -> str:
            return " AND ".join(([f"{key} >= {start}"] if start is not None else []) + ([f"{key} < {end}"] if end is not None else []))

        return [f"({predicate}) AND {key} IS NULL"] + [f"({predicate}) AND {condition(*bounds)}" for bounds in key_ranges(low, high, chunks)]


def key_ranges(low: int, high: int, count: int) -> List[Tuple[Optional[int], Optional[int]]]:
    """At most `count` ranges [start, end) of equal width covering low..high, the first open below
    and the last open above (None), so every key of the slice falls in exactly one."""
    width = max(1, -(-(high - low + 1) // count))
    bounds = list(range(low + width, high + 1, width))
    edges: List[Optional[int]] = [None, *bounds, None]
    return list(zip(edges, edges[1:]))


def _chunking(source: Source, table: Dict[str, Any], schema: pa.Schema, slices: int) -> Optional[Chunking]:
    """Chunking for a table worth it (an integer key, more rows than one chunk holds), else None."""
    key, rows = table.get("chunkColumn"), int(table.get("estimatedRows") or 0)
    if not key or rows == 0:
        return None
    name = str(table["table"]).replace("\\", "\\\\").replace("'", "''")
    average = _query_row(source, f"SELECT CAST(AVG_ROW_LENGTH AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{name}'")[0]
    # InnoDB's statistics can be stale (0 for a table just filled): then the columns' widths
    row_bytes = int(average or 0) or schema_row_bytes(schema)
    if rows * row_bytes <= CHUNK_BYTES:
        return None
    return Chunking(key, rows, row_bytes, slices)


def schema_row_bytes(schema: pa.Schema, variable: int = 64) -> int:
    """A row's size from its Arrow types: fixed widths as they are, text and bytes as `variable`."""
    return sum(max(1, field.type.bit_width // 8) if pa.types.is_primitive(field.type) or pa.types.is_decimal(field.type) else variable for field in schema)


def _read_slice_in_chunks(source: Source, table: Dict[str, Any], columns: Sequence[Column], predicate: str, chunking: Chunking,
                          schema: pa.Schema, writer: _SliceWriter, read: RowsRead) -> None:
    key = _q(chunking.key)
    low, high = _query_row(source, f"SELECT CAST(MIN({key}) AS CHAR), CAST(MAX({key}) AS CHAR) FROM {table['query']} WHERE {predicate}")
    chunks = chunking.predicates(predicate, None if low is None else int(low), None if high is None else int(high))
    # one write per line: slices log from threads
    sys.stderr.write(f"table {table['table']}: slice {predicate} read in {len(chunks)} key range(s) of ~{CHUNK_BYTES} bytes "
                     f"({chunking.row_bytes} bytes per row at the source)\n")
    sys.stderr.flush()
    for chunk in chunks:
        _read_query(source, slice_query(table, columns, chunk), columns, schema, writer, read, chunking.batch_rows)
    writer.close()


def _clean_stale_siblings(target: str) -> None:
    parent, base = os.path.split(target)
    prefix = f".{base}.arrow-"
    for entry in os.listdir(parent):
        if entry.startswith(prefix):
            shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)


def _replace_folder(staging: str, target: str) -> None:
    """Moves the finished folder into place: the old one aside first, then removed."""
    parent, base = os.path.split(target)
    old = None
    if os.path.lexists(target):
        old = os.path.join(parent, f".{base}.arrow-old-{uuid.uuid4().hex}")
        os.rename(target, old)
    os.rename(staging, target)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _slice_writer(folder: str, name: str, schema: pa.Schema, codec: Optional[str], table: Dict[str, Any]):
    """Parquet or ORC (arrow_layout), in partition folders when the table has partitionBy."""
    make = (lambda where, file, columns: OrcSliceWriter(where, file, columns, codec)) if table.get("format") == "orc" else (
        lambda where, file, columns: _SliceWriter(where, file, columns, codec))
    partition_by = table.get("partitionBy") or []
    return PartitionedWriter(folder, name, schema, partition_by, make) if partition_by else make(folder, name, schema)


def _transient(text: str) -> bool:
    # ConnectorX's pool retries a refused login until its 30 s timeout: "timed out ... Access denied"
    if "Access denied" in text or "Unknown database" in text:
        return False
    return any(marker in text for marker in _TRANSIENT_MARKERS)


def _reachable(source: Source) -> None:
    """Fails at once when nothing listens (ConnectorX's pool would retry for 30 s)."""
    try:
        socket.create_connection((source.host, source.port), timeout=10).close()
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        raise JobError(f"cannot reach the source at {source.host}:{source.port}: {reason}", "transient") from None


def ingest_table(spec: Dict[str, Any], table: Dict[str, Any], source: Source, slice_pool: ThreadPoolExecutor, read_slice: Optional[Callable[..., None]] = None) -> Dict[str, Any]:
    """read_slice: fills one slice's writer (default: ConnectorX); the Sqoop engine reads Sqoop's files instead."""
    name = table["table"]
    slices = table.get("slices") or ["1=1"]
    progress(table=name, phase="reading", slices=len(slices))
    staging = None
    try:
        columns = table_columns(table)
        schema = target_schema(columns)
        _reachable(source)
        codec_name = str(spec.get("compression", "snappy")).lower()
        if codec_name not in _CODECS:
            raise JobError(f"compression {codec_name!r} is not one the arrow engine writes ({', '.join(sorted(_CODECS))})")
        codec, extension = _CODECS[codec_name]
        target = _local_path(table["dataPath"])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _clean_stale_siblings(target)
        staging = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.arrow-tmp-{uuid.uuid4().hex}")
        os.makedirs(staging)
        job = uuid.uuid4()
        fmt = table.get("format", "parquet")
        writers = [_slice_writer(staging, f"part-{index:05d}-{job}-c000{extension}.{fmt}", schema, codec, table) for index in range(len(slices))]
        queries = [slice_query(table, columns, predicate) for predicate in slices]
        chunking = None if read_slice else _chunking(source, table, schema, len(slices))
        read = RowsRead(name)
        errors: List[BaseException] = []

        def run(index: int) -> None:
            if errors:
                return  # another slice failed: the table fails, no need to read on
            try:
                if chunking:
                    _read_slice_in_chunks(source, table, columns, slices[index], chunking, schema, writers[index], read)
                else:
                    (read_slice or _read_slice)(source, queries[index], columns, schema, writers[index], read)
            except BaseException as error:  # noqa: BLE001 - ConnectorX panics are BaseExceptions
                if isinstance(error, (KeyboardInterrupt, SystemExit)):
                    raise
                errors.append(error)
                writers[index].abandon()

        # one connection per slice; the pool, shared by all tables, holds the source's budget
        for future in [slice_pool.submit(run, index) for index in range(len(slices))]:
            future.result()
        if errors:
            raise errors[0]
        rows = sum(writer.rows for writer in writers)
        if rows == 0:
            writers[0].write_empty()
        with open(os.path.join(staging, "_SUCCESS"), "wb"):
            pass
        _replace_folder(staging, target)
        staging = None
    except JobError as error:
        raise JobError(f"table {name}: {source.mask(str(error))}", error.error_class, name) from None
    except BaseException as error:  # noqa: BLE001 - reported with the table's name, password masked
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        text = source.mask(str(error).strip().splitlines()[0][:1500] if str(error).strip() else type(error).__name__)
        raise JobError(f"table {name}: {text}", "transient" if _transient(text) else "terminal", name) from None
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
    files = data_files(target, f".{table.get('format', 'parquet')}")
    progress(table=name, phase="written", rows=rows)
    # what the lake now holds, read back from the files, for the source-to-lake reconciliation: the
    # rows' sum (one digest per row, the one the source sums by); each column's only if asked
    # (lake_column_checksums, on a difference)
    checksums = duckdb_checksums(target, [f["path"] for f in files], table.get("format", "parquet"), table.get("checksumColumns") or [],
                                 by_column=table.get("columnChecksums", True), row_digest=table.get("rowDigest", "md5"))
    return {"table": name, "rows": rows, "files": files, "bytes": sum(f["bytes"] for f in files), "checksums": checksums}


def lake_column_checksums(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Each column's checksums of a table's lake files (jobs/lake_checksums.py)."""
    return duckdb_checksums(_local_path(spec["folder"]), spec["files"], spec.get("format", "parquet"), spec["columns"])


def ingest(spec: Dict[str, Any], secrets: Dict[str, Any], read_slice: Optional[Callable[..., None]] = None) -> Dict[str, Any]:
    login = secrets["source"]
    source = parse_source(spec["url"], login)
    tables = spec["tables"]
    max_connections = max(1, int(spec["maxConnections"]))
    # every slice of every table is one task of one pool of maxConnections threads: never more
    # connections at once than the source's budget, and no slot idles while a table's last slice
    # is still reading (the Spark job runs whole tables side by side instead)
    with ThreadPoolExecutor(max_workers=max_connections, thread_name_prefix="slice") as slice_pool:
        # the most sliced (largest) tables start first, so they are not the last to finish
        order = sorted(range(len(tables)), key=lambda index: -len(tables[index].get("slices") or ["1=1"]))
        with ThreadPoolExecutor(max_workers=max(1, min(len(tables), max_connections)), thread_name_prefix="table") as table_pool:
            futures = {index: table_pool.submit(ingest_table, spec, tables[index], source, slice_pool, read_slice) for index in order}
            results = [futures[index].result() for index in range(len(tables))]
    return {"tables": results}
