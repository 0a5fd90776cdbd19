"""Staging-table loads over JDBC (batched) and local file output for SFTP."""

import os
from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BinaryType, DateType, DecimalType, StringType, StructField, StructType, TimestampNTZType, TimestampType

from .checksums import spark_checksums
from .jdbc_tls import jdbc_failure, jdbc_tls_url
from .runtime import JobError, progress, quote_identifier


def _model(spark: SparkSession, source: Dict[str, Any]):
    return spark.read.format(source["format"]).load(source["path"])


def _temporal_as_text(frame: DataFrame) -> DataFrame:
    """Dates and timestamps as their exact text, for MySQL/MariaDB targets.

    Connector/J 9 takes MariaDB 10's handshake version (5.5.5-10.x) for MySQL 5.5 and drops the
    fraction of every timestamp it binds (…20.840183 arrives as …20.000000); bound as text, the
    server parses the value itself, microseconds included. Spark renders timestamps in the session
    zone (UTC), the zone the DATETIME(6) columns hold.
    """
    temporal = (DateType, TimestampType, TimestampNTZType)
    return frame.select(*[
        F.col(quote_identifier(field.name)).cast("string").alias(field.name) if isinstance(field.dataType, temporal) else F.col(quote_identifier(field.name))
        for field in frame.schema.fields
    ])


def _copy_text(frame: DataFrame) -> DataFrame:
    """Every column as the text PostgreSQL's COPY reads back as the same value.

    Decimals in plain notation (never 1.0E-7), timestamps with all six fraction digits (an instant
    with its UTC offset), bytes as bytea's hex form (\\x0102: CSV cannot carry raw bytes).
    """
    def text(field):
        column = F.col(quote_identifier(field.name))
        if isinstance(field.dataType, BinaryType):
            return F.concat(F.lit("\\x"), F.lower(F.hex(column)))
        if isinstance(field.dataType, DecimalType):
            return column.cast("string")
        if isinstance(field.dataType, TimestampNTZType):
            return F.date_format(column, "yyyy-MM-dd HH:mm:ss.SSSSSS")
        if isinstance(field.dataType, TimestampType):
            return F.date_format(column, "yyyy-MM-dd HH:mm:ss.SSSSSSXXX")
        return column
    return frame.select(*[text(field).alias(field.name) for field in frame.schema.fields])


def write_load_files(spark: SparkSession, target: Dict[str, Any]) -> Dict[str, Any]:
    """A PostgreSQL target's rows as CSV files, which the export stage loads with COPY."""
    model = _model(spark, target["model"]).select(*[quote_identifier(c) for c in target["columns"]])
    # the warehouse side of the warehouse-to-target reconciliation, in the same pass as the count
    checksums = spark_checksums(model)
    rows = checksums["rows"]
    frame = _copy_text(model)
    # RFC 4180 as COPY … (FORMAT csv) reads it: NULL is an unquoted empty field, '' a quoted one
    (frame.write.mode("overwrite").option("header", False).option("quote", '"').option("escape", '"').option("escapeQuotes", True)
     .option("nullValue", "").option("emptyValue", '""').option("lineSep", "\n").csv(target["localDir"]))
    files = sorted(os.path.join(target["localDir"], name) for name in os.listdir(target["localDir"]) if name.startswith("part-"))
    progress(target=target["name"], phase="written", rows=rows)
    return {"name": target["name"], "rows": rows, "files": files, "checksums": checksums}


def load_staging(spark: SparkSession, target: Dict[str, Any], login: Dict[str, str]) -> Dict[str, Any]:
    if target.get("load") == "copy":
        return write_load_files(spark, target)
    if target.get("load") == "none":
        # another loader (sqoop export) fills the staging table: the warehouse side of the reconciliation only
        checksums = spark_checksums(_model(spark, target["model"]).select(*[quote_identifier(c) for c in target["columns"]]))
        return {"name": target["name"], "rows": checksums["rows"], "checksums": checksums}
    frame = _model(spark, target["model"]).select(*[quote_identifier(c) for c in target["columns"]])
    checksums = spark_checksums(frame)
    rows = checksums["rows"]
    if target["url"].startswith(("jdbc:mysql:", "jdbc:mariadb:")):
        frame = _temporal_as_text(frame)
    try:
        (frame.write.mode("append").format("jdbc")
         .option("url", jdbc_tls_url(spark, target.get("tls"), target["url"])).option("dbtable", target["staging"]).option("driver", target["driver"])
         .option("user", login["user"]).option("password", login["password"])
         .option("batchsize", 10000).option("isolationLevel", "READ_COMMITTED").save())
    except Exception as error:  # noqa: BLE001
        text = jdbc_failure(error)[:1500]
        transient = any(m in text for m in ("Connection refused", "Communications link failure", "The connection attempt failed"))
        raise JobError(f"target {target['name']}: loading staging table {target['staging']}: {text}", "transient" if transient else "terminal", target["name"])
    progress(target=target["name"], phase="staged", rows=rows)
    return {"name": target["name"], "rows": rows, "checksums": checksums}


# RFC 4180: quote with ", escape a quote by doubling it (Spark's default escape is a backslash);
# the timestamps' formats are both the writer's and, reading the files back, the reader's
_CSV_FORMATS = {"timestampNTZFormat": "yyyy-MM-dd HH:mm:ss.SSSSSS", "timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"}


def _binary_as_base64(frame: DataFrame) -> DataFrame:
    """CSV has no bytes: binary columns (BLOB, BINARY, WKB geometry) travel as base64 text."""
    return frame.select(*[
        F.base64(F.col(quote_identifier(f.name))).alias(f.name) if isinstance(f.dataType, BinaryType) else F.col(quote_identifier(f.name))
        for f in frame.schema.fields
    ])


def _csv_back(spark: SparkSession, frame: DataFrame, paths: List[str]) -> DataFrame:
    """The CSV files as a reader of the documented dialect sees them, in the model's types."""
    binary = {f.name for f in frame.schema.fields if isinstance(f.dataType, BinaryType)}
    schema = StructType([StructField(f.name, StringType() if f.name in binary else f.dataType, f.nullable) for f in frame.schema.fields])
    # NULL is an unquoted empty field, '' a quoted one (""): Spark's reader would make both NULL,
    # so a quoted empty field is read as a marker no data contains, then turned back into ''
    empty = "\u0000dataops-empty\u0000"
    back = (spark.read.schema(schema).option("header", True).option("multiLine", True).option("quote", '"').option("escape", '"')
            .option("nullValue", "").option("emptyValue", empty).options(**_CSV_FORMATS).csv(paths))

    def value(field):
        column = F.col(quote_identifier(field.name))
        if isinstance(field.dataType, StringType):
            column = F.when(column == F.lit(empty), F.lit("")).otherwise(column)
        return (F.unbase64(column) if field.name in binary else column).alias(field.name)
    return back.select(*[value(f) for f in schema.fields])


def write_files(spark: SparkSession, target: Dict[str, Any]) -> Dict[str, Any]:
    frame = _model(spark, target["model"])
    out = target["localDir"]
    written = _binary_as_base64(frame) if target["format"] == "csv" else frame
    writer = written.coalesce(target.get("files", 1)).write.mode("overwrite")
    if target["format"] == "csv":
        writer = (writer.option("header", True).option("quote", '"').option("escape", '"').option("escapeQuotes", True)
                  .option("nullValue", "").option("emptyValue", '""').option("lineSep", "\r\n").options(**_CSV_FORMATS))
        if target.get("gzip"):
            writer = writer.option("compression", "gzip")
        writer.csv(out)
    else:
        writer.parquet(out)
    files = []
    for name in sorted(os.listdir(out)):
        if name.startswith("part-"):
            path = os.path.join(out, name)
            reader = spark.read.option("header", True).option("multiLine", True).option("escape", '"').csv(path) if target["format"] == "csv" else spark.read.parquet(path)
            files.append({"local": path, "name": name, "rows": reader.count()})
    progress(target=target["name"], phase="written", files=len(files))
    # warehouse and files: the files read back as a BI tool would (the model's types, the documented
    # CSV dialect) must hold the model's values, before anything is uploaded
    paths = [f["local"] for f in files]
    if target["format"] == "csv":
        back = _csv_back(spark, frame, paths) if paths else frame.limit(0)
    else:
        back = spark.read.parquet(*paths) if paths else frame.limit(0)
    return {"name": target["name"], "files": files, "checksums": spark_checksums(frame), "fileChecksums": spark_checksums(back)}


def export(spark: SparkSession, spec: Dict[str, Any], secrets: Dict[str, Any]) -> Dict[str, Any]:
    staged = [load_staging(spark, t, secrets[t["connection"]]) for t in spec["jdbc"]]
    written = [write_files(spark, t) for t in spec["files"]]
    return {"staged": staged, "written": written}
