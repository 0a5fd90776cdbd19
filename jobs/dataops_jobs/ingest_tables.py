"""Reading MySQL tables with Spark's JDBC source, streamed, and writing Parquet or ORC (optionally in Hive-style partition folders)."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from .jdbc_tls import jdbc_failure, jdbc_tls_url
from .checksums import spark_checksums
from .runtime import JobError, progress
from .runtime import quote_identifier as _q

# Connector/J streams a result set only with this exact fetch size; otherwise it buffers every row
# of a slice in the executor's memory (https://dev.mysql.com/doc/connector-j/en/connector-j-reference-implementation-notes.html)
STREAMING_FETCH_SIZE = "-2147483648"


def _read_table(spark: SparkSession, spec: Dict[str, Any], table: Dict[str, Any], login: Dict[str, str]):
    properties = {
        "user": login["user"],
        "password": login["password"],
        "driver": "com.mysql.cj.jdbc.Driver",
        "fetchsize": STREAMING_FETCH_SIZE,
        "customSchema": table["customSchema"],
    }
    frame = spark.read.jdbc(url=login["url"], table=table["query"], predicates=table["slices"], properties=properties)
    # dates and times arrive as exact text; Spark's own (proleptic Gregorian) cast makes them typed.
    # try_cast: a zero date's text ('0000-00-00') becomes NULL, as documented and counted
    # metadata={} drops the CHAR(n)/VARCHAR(n) marks JDBC leaves on string columns, so no later
    # reader of the Parquet files pads or truncates them
    casts = table.get("casts", {})
    return frame.select(*[
        (F.expr(f"try_cast({_q(name)} AS {casts[name]})") if name in casts else F.col(_q(name))).alias(name, metadata={})
        for name in frame.columns
    ])



def _files(spark: SparkSession, path: str, fmt: str = "parquet") -> List[Dict[str, Any]]:
    """The data files under the run folder, with their paths relative to it (partition folders included)."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    files, pending = [], [(hadoop_path, "")]
    while pending:
        folder, prefix = pending.pop()
        for status in fs.listStatus(folder):
            name = status.getPath().getName()
            if name.startswith(("_", ".")):
                continue
            if status.isDirectory():
                pending.append((status.getPath(), f"{prefix}{name}/"))
            elif name.endswith(f".{fmt}"):
                files.append({"path": prefix + name, "bytes": int(status.getLen())})
    return sorted(files, key=lambda f: f["path"])


def _ingest_one(spark: SparkSession, spec: Dict[str, Any], table: Dict[str, Any], login: Dict[str, str]) -> Dict[str, Any]:
    name = table["table"]
    progress(table=name, phase="reading", slices=len(table["slices"]))
    try:
        frame = _read_table(spark, spec, table, login)
        spark.sparkContext.setJobDescription(f"ingest {name}")
        fmt = table.get("format", "parquet")
        # overwrite: a crashed attempt's leftovers in this run folder are replaced, never mixed in
        writer = frame.write.mode("overwrite").format(fmt).option("compression", spec.get("compression", "snappy"))
        if table.get("partitionBy"):
            writer = writer.partitionBy(*table["partitionBy"])
        writer.save(table["dataPath"])
        if table.get("partitionBy") and not _files(spark, table["dataPath"], fmt):
            # no rows: no partition folder and no file; one empty file carries the schema, as without partitionBy
            frame.write.mode("overwrite").format(fmt).save(table["dataPath"])
        # what the lake now holds, read back from the files, for the source-to-lake reconciliation
        checksums = spark_checksums(spark.read.format(fmt).load(table["dataPath"]), table.get("rowDigest", "md5"))
        rows = checksums["rows"]
    except Exception as error:  # noqa: BLE001 - reported with the table's name
        raise JobError(f"table {name}: {jdbc_failure(error)[:1500]}", "transient" if _transient(error) else "terminal", name)
    files = _files(spark, table["dataPath"], table.get("format", "parquet"))
    progress(table=name, phase="written", rows=rows)
    return {"table": name, "rows": rows, "files": files, "bytes": sum(f["bytes"] for f in files), "checksums": checksums}


def _transient(error: Exception) -> bool:
    text = str(error)
    return any(marker in text for marker in ("Communications link failure", "Connection refused", "Too many connections", "Lock wait timeout"))


def ingest(spark: SparkSession, spec: Dict[str, Any], secrets: Dict[str, Any]) -> Dict[str, Any]:
    spark.conf.set("spark.sql.caseSensitive", "true")
    # TLS: Connector/J's trust store (and client key store) made once for every table, named in the URL
    login = {**secrets["source"], "url": jdbc_tls_url(spark, spec.get("tls"), spec["url"])}
    tables = spec["tables"]
    # tables in parallel, bounded so the slices reading at once never exceed the source's connection budget
    widest = max([len(t["slices"]) for t in tables] or [1])
    workers = max(1, min(len(tables) or 1, spec["maxConnections"] // widest))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda t: _ingest_one(spark, spec, t, login), tables))
    return {"tables": results}
