"""Order-independent column checksums, the same on every hop (docs/reconciliation.md).

For each column: how many values are not NULL, and the sum over the rows of the first 15 hex digits
of md5(the value's canonical text) as an integer: equal sums mean, short of a collision, the same
multiset of values. The canonical text depends on the lake's (Spark) type, and MySQL, PostgreSQL,
Spark and DuckDB each render it the same way (libs/reconcile has the SQL of the databases):

    integers             plain decimal text                          -5, 18446744073709551615
    decimals             plain text without trailing fraction zeros  12.3 (for 12.30), 2 (for 2.00)
    strings              the text itself (JSON, ENUM, TIME and DECIMAL(65,30) arrive as text)
    dates                YYYY-MM-DD
    timestamps           YYYY-MM-DD HH:MM:SS.ffffff (an instant in UTC)
    booleans             true / false
    binary               md5 of the bytes themselves
    float, double        not hashed: their text differs between engines; the non-NULL count is kept

The rows' sum hashes each row's text (every hashed column's, joined) by md5's first 15 hex digits,
or, where the other side is the MySQL source (the ingest), by CRC32: a third of MariaDB's CPU for
the source's scan (issue 11). A result summed by CRC32 says so (``rowDigest``).
"""

from typing import Any, Dict, List, Sequence

# a row's canonical text (libs/reconcile checksums.ts, `row`): hashed columns in code-point order of
# their names, joined by U+001F, NULL as U+001E, bytes as upper-case hex
ROW_SEPARATOR = "\u001f"
ROW_NULL = "\u001e"

KINDS = ("integer", "decimal", "text", "date", "timestamp", "boolean", "binary", "float")


def checksum_kind(spark_type: str) -> str:
    """The canonical family of a Spark type name (simpleString or DDL, any case)."""
    t = spark_type.strip().lower()
    if t in ("tinyint", "smallint", "int", "integer", "bigint"):
        return "integer"
    if t.startswith("decimal"):
        return "decimal"
    if t in ("float", "double", "real"):
        return "float"
    if t == "date":
        return "date"
    if t.startswith("timestamp"):
        return "timestamp"
    if t == "boolean":
        return "boolean"
    if t == "binary":
        return "binary"
    return "text"


ROW_DIGESTS = ("md5", "crc32")


def spark_checksums(frame, row_digest: str = "md5") -> Dict[str, Any]:
    """Checksums of a DataFrame, in one pass over it; ``row_digest``: how the rows' sum hashes a
    row's text (docs/reconciliation.md, "The row digest")."""
    from pyspark.sql import functions as F

    from .runtime import quote_identifier

    _check_row_digest(row_digest)
    aggregates, names = [F.count(F.lit(1)).alias("__rows")], []
    for index, field in enumerate(frame.schema.fields):
        column = F.col(quote_identifier(field.name))
        kind = checksum_kind(field.dataType.simpleString())
        names.append((index, field.name, kind))
        aggregates.append(F.count(column).alias(f"n{index}"))
        if kind == "float":
            continue
        if kind == "binary":
            digest = F.md5(column)
        else:
            digest = F.md5(_spark_text(column, kind).cast("binary"))
        hashed = F.conv(F.substring(digest, 1, 15), 16, 10).cast("decimal(20,0)")
        aggregates.append(F.sum(hashed).cast("decimal(38,0)").cast("string").alias(f"h{index}"))
    texts = [(name, F.upper(F.hex(F.col(quote_identifier(name)))) if kind == "binary" else _spark_text(F.col(quote_identifier(name)), kind))
             for _, name, kind in names if kind != "float"]
    row_text = F.concat_ws(ROW_SEPARATOR, *[F.coalesce(text, F.lit(ROW_NULL)) for _, text in sorted(texts, key=lambda t: t[0])]) if texts else F.lit("")
    if row_digest == "crc32":
        digest = F.crc32(row_text.cast("binary")).cast("decimal(20,0)")
    else:
        digest = F.conv(F.substring(F.md5(row_text.cast("binary")), 1, 15), 16, 10).cast("decimal(20,0)")
    aggregates.append(F.sum(digest).cast("decimal(38,0)").cast("string").alias("__row"))
    row = frame.agg(*aggregates).collect()[0].asDict()
    return _with_digest({
        "rows": int(row["__rows"]),
        "columns": {name: {"nonNull": int(row[f"n{i}"]), "hash": None if kind == "float" else (row[f"h{i}"] or "0")} for i, name, kind in names},
        "row": row["__row"] or "0",
    }, row_digest)


def _check_row_digest(row_digest: str, by_column: bool = False) -> None:
    """``by_column``: DuckDB is to sum each column too, which it has CRC32 for only by rows."""
    if row_digest not in ROW_DIGESTS:
        raise ValueError(f"rowDigest {row_digest!r} is not one of {', '.join(ROW_DIGESTS)}")
    if row_digest == "crc32" and by_column:
        raise ValueError("the crc32 row digest sums the rows only: ask for each column's sums (md5) without it")


def _with_digest(checksums: Dict[str, Any], row_digest: str) -> Dict[str, Any]:
    # md5 is the default both sides assume; another digest is named, so a side summed otherwise differs
    return checksums if row_digest == "md5" else {**checksums, "rowDigest": row_digest}


def _spark_text(column, kind: str):
    from pyspark.sql import functions as F

    if kind == "date":
        return F.date_format(column, "yyyy-MM-dd")
    if kind == "timestamp":
        return F.date_format(column, "yyyy-MM-dd HH:mm:ss.SSSSSS")
    if kind == "decimal":
        # a wider scale elsewhere (12.300 in a numeric(6,3)) is the same value
        text = column.cast("string")
        return F.when(text.contains("."), F.regexp_replace(F.regexp_replace(text, "0+$", ""), "\\.$", "")).otherwise(text)
    return column.cast("string")


def duckdb_identifier(name: str) -> str:
    """A DuckDB identifier for any column name (double quotes, doubled inside)."""
    return '"' + name.replace('"', '""') + '"'


def duckdb_checksums(folder: str, files: Sequence[str], fmt: str, columns: List[Dict[str, str]], by_column: bool = True,
                     row_digest: str = "md5") -> Dict[str, Any]:
    """Checksums of the lake files of one table, read back and summed by DuckDB, in one pass.

    ``files``: paths relative to ``folder`` (Hive partition folders included); ``columns``: name and
    lake (Spark) type of each column; ``by_column``: each column's sum too, not only the rows'.
    Parquet files without partition folders are read by DuckDB itself, whose memory stays small;
    others through pyarrow, read ahead one batch at a time. A pyarrow dataset scanned with its
    defaults read a 1.1 GiB table with a 1.3 GiB peak (issue 11).
    """
    import duckdb

    _check_row_digest(row_digest, by_column)
    if not files:
        nothing = {"n0": 0, "h0": "0"}
        return _with_digest({"rows": 0, "columns": {c["name"]: _column_sums(nothing, 0, checksum_kind(c["type"]), by_column) for c in columns}, "row": "0"},
                            row_digest)
    connection = duckdb.connect()
    try:
        if fmt == "parquet" and not any("/" in path for path in files):
            _register_parquet(connection, "lake", [f"{folder}/{path}" for path in files], columns)
        else:
            register_files(connection, "lake", files_dataset(folder, files, fmt, columns), columns, once=True)
        return duckdb_relation_checksums(connection, "lake", columns, by_column, row_digest)
    finally:
        connection.close()


def duckdb_relation_checksums(connection, relation: str, columns: List[Dict[str, str]], by_column: bool = True,
                              row_digest: str = "md5") -> Dict[str, Any]:
    """Checksums of a DuckDB relation whose columns hold the values in their Spark types' DuckDB
    types (a view over lake files, or over a CSV file read back), in one pass. Without
    ``by_column``: the rows' sum and each column's non-NULL count only (a hashed column then has no
    ``hash``), one md5 per row instead of one per value. ``row_digest`` crc32: the rows' sum of
    CRC32, which DuckDB has no function for, so the rows' texts are streamed here and hashed by
    zlib (rows only)."""
    _check_row_digest(row_digest, by_column)
    if row_digest == "crc32":
        return _with_digest(_duckdb_crc32_checksums(connection, relation, columns), row_digest)
    aggregates, names = ["count(*) AS __rows"], []
    for index, column in enumerate(columns):
        kind = checksum_kind(column["type"])
        names.append((index, column["name"], kind))
        value = duckdb_identifier(column["name"])
        aggregates.append(f"count({value}) AS n{index}")
        if kind == "float" or not by_column:
            continue
        digest = f"md5({value})" if kind == "binary" else f"md5({_duckdb_text(value, kind)})"
        aggregates.append(f"coalesce(sum(('0x' || left({digest}, 15))::UBIGINT::HUGEINT), 0)::VARCHAR AS h{index}")
    row_text = _duckdb_row_text(names)
    aggregates.append(f"coalesce(sum(('0x' || left(md5({row_text}), 15))::UBIGINT::HUGEINT), 0)::VARCHAR AS __row")
    cursor = connection.execute(f"SELECT {', '.join(aggregates)} FROM {relation}")
    row = dict(zip([d[0] for d in cursor.description], cursor.fetchone()))
    return {
        "rows": int(row["__rows"]),
        "columns": {name: _column_sums(row, i, kind, by_column) for i, name, kind in names},
        "row": str(row["__row"]),
    }


def _duckdb_row_text(names) -> str:
    """A row's canonical text (libs/reconcile checksums.ts, `row`) from (index, name, kind) triples."""
    texts = sorted((name, f"upper(hex({duckdb_identifier(name)}))" if kind == "binary" else _duckdb_text(duckdb_identifier(name), kind)) for _, name, kind in names if kind != "float")
    return f"concat_ws(chr(31), {', '.join(f'coalesce({text}, chr(30))' for _, text in texts)})" if texts else "''"


def _duckdb_crc32_checksums(connection, relation: str, columns: List[Dict[str, str]]) -> Dict[str, Any]:
    """The rows' CRC32 sum and each column's non-NULL count, in one pass: DuckDB renders each row's
    text (as UTF-8 bytes: encode, not a cast, which would read backslash escapes) and the columns'
    NULL flags, batch by batch; zlib hashes the texts (about 0.5 s per million rows, one core)."""
    import zlib

    import pyarrow.compute as pc

    names = [(index, column["name"], checksum_kind(column["type"])) for index, column in enumerate(columns)]
    flags = [f"{duckdb_identifier(name)} IS NOT NULL AS n{index}" for index, name, _ in names]
    reader = connection.sql(f"SELECT encode({_duckdb_row_text(names)}) AS __row{''.join(', ' + flag for flag in flags)} FROM {relation}").to_arrow_reader(65536)
    rows, total, non_null = 0, 0, [0] * len(names)
    for batch in reader:
        rows += batch.num_rows
        total += sum(map(zlib.crc32, batch.column(0).to_pylist()))
        for index in range(len(names)):
            non_null[index] += pc.sum(batch.column(index + 1)).as_py() or 0
    return {
        "rows": rows,
        "columns": {name: {"nonNull": non_null[index], "hash": None} if kind == "float" else {"nonNull": non_null[index]} for index, name, kind in names},
        "row": str(total),
    }


def _register_parquet(connection, name: str, paths: Sequence[str], columns: List[Dict[str, str]]) -> None:
    """Parquet files (no partition folders) as DuckDB view ``name`` of the listed columns."""
    listed = ", ".join("'" + path.replace("'", "''") + "'" for path in paths)
    # hive_partitioning off: the lake's own folders (load_date=…/run=…) are no columns of the table
    connection.execute(f"CREATE VIEW {name} AS SELECT {', '.join(duckdb_identifier(c['name']) for c in columns) or '1 AS none'} "
                       f"FROM read_parquet([{listed}], hive_partitioning = false)")


def _column_sums(row: Dict[str, Any], index: int, kind: str, by_column: bool) -> Dict[str, Any]:
    if kind == "float":
        return {"nonNull": int(row[f"n{index}"]), "hash": None}  # counted, never hashed
    if not by_column:
        return {"nonNull": int(row[f"n{index}"])}
    return {"nonNull": int(row[f"n{index}"]), "hash": str(row[f"h{index}"])}


def register_files(connection, name: str, dataset, columns: List[Dict[str, str]], once: bool = False) -> None:
    """The dataset as DuckDB view ``name``, each column in the type its Spark type says: Spark's ORC
    writer stores a TIMESTAMP_NTZ as a bare bigint of microseconds (pyarrow reads an int64), which
    becomes a timestamp again here. ``once``: the view is read once, as a stream that reads ahead
    one batch (a dataset scan reads ahead many, a lot of memory for a wide table)."""
    source = dataset.scanner(batch_size=16384, batch_readahead=1, fragment_readahead=1).to_reader() if once else dataset
    register_batches(connection, name, source, dataset.schema, columns)


def register_batches(connection, name: str, source, schema, columns: List[Dict[str, str]]) -> None:
    """``source`` (a dataset, or a reader of some of its batches) as DuckDB view ``name``, in the
    columns' Spark types (register_files)."""
    import pyarrow as pa

    connection.register(f"{name}__files", source)
    spark_types = {c["name"]: c["type"].strip().lower() for c in columns}

    def expression(field) -> str:
        if spark_types.get(field.name, "").startswith("timestamp") and pa.types.is_integer(field.type):
            return f"make_timestamp({duckdb_identifier(field.name)}) AS {duckdb_identifier(field.name)}"
        return duckdb_identifier(field.name)

    connection.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(expression(f) for f in schema)} FROM {name}__files")


def files_dataset(folder: str, files: Sequence[str], fmt: str, columns: List[Dict[str, str]]):
    """The files (paths relative to ``folder``) as one pyarrow dataset. Parquet and ORC alike; Hive
    partition folders (department=3/, order_date=2026-11-29/) come back as columns of their Spark
    type, not of what pyarrow would guess from the folder name (a date is no string)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    keys = []
    for path in files:
        for segment in path.split("/")[:-1]:
            key = segment.split("=", 1)[0]
            if "=" in segment and key not in keys:
                keys.append(key)
    spark_types = {c["name"]: c["type"] for c in columns}
    fields = [pa.field(key, _arrow_type(spark_types.get(key, "string"))) for key in keys]
    partitioning = ds.partitioning(pa.schema(fields), flavor="hive") if fields else None
    return ds.dataset([f"{folder}/{f}" for f in files], format=fmt, partitioning=partitioning, partition_base_dir=folder)


def _arrow_type(spark_type: str):
    """The Arrow type of a partition column, from its Spark type (the folder names are its text)."""
    import pyarrow as pa

    t = spark_type.strip().lower()
    simple = {
        "tinyint": pa.int8(), "smallint": pa.int16(), "int": pa.int32(), "integer": pa.int32(), "bigint": pa.int64(),
        "boolean": pa.bool_(), "date": pa.date32(), "float": pa.float32(), "double": pa.float64(),
        "timestamp": pa.timestamp("us", tz="UTC"), "timestamp_ntz": pa.timestamp("us"),
    }
    if t in simple:
        return simple[t]
    if t.startswith("decimal("):
        precision, scale = (int(x) for x in t[len("decimal("):-1].split(","))
        return pa.decimal128(precision, scale)
    return pa.string()


def _duckdb_text(value: str, kind: str) -> str:
    if kind == "date":
        return f"strftime({value}, '%Y-%m-%d')"
    if kind == "timestamp":
        # an instant (TIMESTAMPTZ) as its UTC wall time, without the ICU time-zone extension
        return f"strftime(make_timestamp(epoch_us({value})), '%Y-%m-%d %H:%M:%S.%f')"
    if kind == "boolean":
        return f"CASE WHEN {value} IS NULL THEN NULL WHEN {value} THEN 'true' ELSE 'false' END"
    if kind == "decimal":
        text = f"CAST({value} AS VARCHAR)"
        return f"CASE WHEN contains({text}, '.') THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END"
    return f"CAST({value} AS VARCHAR)"
