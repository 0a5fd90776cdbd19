"""Data-quality checks, run on the new model versions before they are published."""

import os
from functools import reduce
from typing import Any, Dict, List, Optional, Tuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from .raw_reader import committed_files
from .runtime import local_path
from .runtime import quote_identifier as _q

# checks that are a count of a model's rows matching a condition (min_rows: of all its rows)
_ROW_CHECKS = ("not_null", "accepted_values", "min_rows")


def _offending_sql(check: Dict[str, Any]) -> str:
    kind, model = check["type"], _q(check.get("model", ""))
    if kind in ("not_null", "accepted_values"):
        return f"SELECT * FROM {model} WHERE {_offending_condition(check)}"
    if kind == "unique":
        cols = ", ".join(_q(c) for c in check["columns"])
        return f"SELECT {cols}, COUNT(*) AS n FROM {model} GROUP BY {cols} HAVING COUNT(*) > 1"
    if kind == "relationships":
        return (f"SELECT c.* FROM {model} c LEFT ANTI JOIN {_q(check['to'])} p ON c.{_q(check['column'])} = p.{_q(check['field'])} "
                f"WHERE c.{_q(check['column'])} IS NOT NULL")
    if kind == "sql":
        return check["sql"]
    raise ValueError(f"unknown check type {kind}")


def _offending_condition(check: Dict[str, Any]) -> str:
    """The row condition of a not_null or accepted_values check; TRUE counts every row (min_rows)."""
    if check["type"] == "not_null":
        return " OR ".join(f"{_q(c)} IS NULL" for c in check["columns"])
    if check["type"] == "accepted_values":
        values = ", ".join("'" + str(v).replace("'", "''") + "'" if isinstance(v, str) else str(v) for v in check["values"])
        return f"{_q(check['column'])} IS NOT NULL AND {_q(check['column'])} NOT IN ({values})"
    return "TRUE"


def _row_counts(spark: SparkSession, checks: List[Dict[str, Any]]) -> Dict[int, int]:
    """The counts of every row check, one pass per model instead of one query per check (issue 11).

    A model whose combined query fails (a check names a column it lacks) gets no counts here: its
    checks then run one by one, so each failure keeps its own reason.
    """
    by_model: Dict[str, List[int]] = {}
    for index, check in enumerate(checks):
        if check["type"] in _ROW_CHECKS:
            by_model.setdefault(check["model"], []).append(index)
    counts: Dict[int, int] = {}
    for model, indexes in by_model.items():
        if len(indexes) < 2:
            continue
        columns = ", ".join(f"COUNT_IF({_offending_condition(checks[i])}) AS `c{n}`" for n, i in enumerate(indexes))
        try:
            row = spark.sql(f"SELECT {columns} FROM {_q(model)}").collect()[0]
        except Exception:  # noqa: BLE001 - each check then reports its own reason
            continue
        counts.update({i: row[n] for n, i in enumerate(indexes)})
    return counts


def _check_result(spark: SparkSession, check: Dict[str, Any], counted: Optional[int]) -> Dict[str, Any]:
    if check["type"] == "min_rows":
        rows = counted if counted is not None else spark.table(_q(check["model"])).count()
        failed = rows < check["min"]
        detail = f"{rows} rows (minimum {check['min']})"
    else:
        try:
            offending = counted if counted is not None else spark.sql(_offending_sql(check)).count()
        except Exception as error:  # noqa: BLE001 - a broken check is a failed check, with Spark's reason
            offending, failed, detail = -1, True, "check query failed: " + " ".join(str(error).splitlines()[:2])[:500]
        else:
            failed = offending > 0
            detail = f"{offending} offending rows" if failed else "0 offending rows"
    return {"name": check["name"], "status": "fail" if failed else "pass", "severity": check["severity"], "detail": detail}


def _footer_rows(raws: List[Tuple[Dict[str, Any], DataFrame]]) -> Optional[List[int]]:
    """The rows of each raw table's committed files from their footers (Parquet's and ORC's own row
    counts, which a Spark count reads too), where every file is on this machine: a Spark count of
    the six sample tables was a job of 0.7 s (issue 11). None elsewhere (HDFS, object stores)."""
    if not all(raw.get("files") for raw, _ in raws):
        return None
    files = [committed_files(raw) for raw, _ in raws]
    if not all((os.path.isabs(path) or path.startswith("file:")) and file_format in ("parquet", "orc") for table in files for path, file_format in table):
        return None
    try:
        import pyarrow.orc as orc
        import pyarrow.parquet as pq
    except ImportError:
        return None

    def rows(path: str, file_format: str) -> int:
        local = local_path(path)
        return pq.ParquetFile(local).metadata.num_rows if file_format == "parquet" else orc.ORCFile(local).nrows

    return [sum(rows(path, file_format) for path, file_format in table) for table in files]


def _committed_rows(raws: List[Tuple[Dict[str, Any], DataFrame]]) -> List[int]:
    """The rows in each raw table's committed files: from their footers where they are local, else
    all counted in one Spark query (issue 11: one query per table was a job, and its file listing, each)."""
    if not raws:
        return []
    footers = _footer_rows(raws)
    if footers is not None:
        return footers
    counts = [frame.groupBy().count().select(F.lit(index).alias("table"), F.col("count").alias("rows")) for index, (_, frame) in enumerate(raws)]
    found = {row["table"]: row["rows"] for row in reduce(DataFrame.unionAll, counts).collect()}
    return [found[index] for index in range(len(raws))]


def run_checks(spark: SparkSession, checks: List[Dict[str, Any]], raws: List[Tuple[Dict[str, Any], DataFrame]],
               model_rows: Optional[Dict[str, int]] = None) -> List[Dict[str, Any]]:
    """The checks' results, then each raw table's reconciliation: ``raws`` are the raw tables the
    models read, each with the frame of its committed files (read_raw), which must hold exactly the
    rows ingest committed. ``model_rows``: each model's rows as its write counted them, which a
    min_rows check takes instead of counting the model's files again."""
    counts = _row_counts(spark, checks)
    for index, check in enumerate(checks):
        if check["type"] == "min_rows" and index not in counts and check["model"] in (model_rows or {}):
            counts[index] = model_rows[check["model"]]
    results = [_check_result(spark, check, counts.get(index)) for index, check in enumerate(checks)]
    for (raw, _), found in zip(raws, _committed_rows(raws)):
        ok = found == raw["rows"]
        results.append({"name": f"reconcile_{raw['table']}", "status": "pass" if ok else "fail", "severity": "error",
                        "detail": f"{found} rows in committed files, manifests say {raw['rows']}"})
    return results
