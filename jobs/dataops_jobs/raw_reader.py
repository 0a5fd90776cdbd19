"""Reading a raw table's current view: Parquet or ORC files, with or without Hive-style partition folders."""

from functools import reduce
from typing import Any, Dict, List, Tuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from .runtime import quote_identifier as _q

_INFERENCE = "spark.sql.sources.partitionColumnTypeInference.enabled"


def read_raw(spark: SparkSession, raw: Dict[str, Any]) -> DataFrame:
    """One frame per run (its run folder is the base of its partition folders), unioned by name.

    Partition values come back as text and are cast to the type the manifest recorded: Spark's own
    inference would read a department code '007' as the number 7. So is any column whose files say
    otherwise: ORC written by pyarrow has no TIMESTAMP_NTZ (Spark marks it with an ORC type
    attribute pyarrow cannot write), so a DATETIME reads back as TIMESTAMP; in the session's UTC the
    cast keeps its wall-clock value. The columns keep the table's order (Spark puts partition
    columns last).
    """
    layout = raw.get("layout")
    if not layout or not layout.get("parts"):
        return spark.read.parquet(*raw["files"])
    previous = spark.conf.get(_INFERENCE, "true")
    spark.conf.set(_INFERENCE, "false")
    try:
        # partition discovery happens here, at load time, so the setting can be restored right after
        frames = [
            spark.read.format(part["format"]).option("basePath", part["basePath"]).load(part["files"])
            for part in layout["parts"] if part["files"]
        ]
    finally:
        spark.conf.set(_INFERENCE, previous)
    frame = reduce(lambda left, right: left.unionByName(right, allowMissingColumns=True), frames)
    read = {field.name: field.dataType.simpleString() for field in frame.schema.fields}
    wanted = {column["name"]: column["sparkType"] for column in layout.get("columns", []) if column["name"] in read}
    wanted.update({column["name"]: column["sparkType"] for column in layout.get("partitionColumns", []) if column["name"] in read})
    order = list(wanted) + [name for name in frame.columns if name not in wanted]
    return frame.select(*[
        F.col(_q(name)).cast(wanted[name]).alias(name) if name in wanted and read[name] != wanted[name].lower() else F.col(_q(name))
        for name in order
    ])


def committed_files(raw: Dict[str, Any]) -> List[Tuple[str, str]]:
    """Each committed file of a raw table with its format: the files read_raw reads."""
    parts = (raw.get("layout") or {}).get("parts")
    if not parts:
        return [(path, "parquet") for path in raw["files"]]
    return [(path, part["format"]) for part in parts for path in part["files"]]
