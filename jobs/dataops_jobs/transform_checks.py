"""Data-quality checks, run on the new model versions before they are published."""

from typing import Any, Dict, List

from pyspark.sql import SparkSession

from .raw_reader import read_raw
from .runtime import quote_identifier as _q



def _offending_sql(check: Dict[str, Any]) -> str:
    kind, model = check["type"], _q(check.get("model", ""))
    if kind == "not_null":
        return f"SELECT * FROM {model} WHERE " + " OR ".join(f"{_q(c)} IS NULL" for c in check["columns"])
    if kind == "unique":
        cols = ", ".join(_q(c) for c in check["columns"])
        return f"SELECT {cols}, COUNT(*) AS n FROM {model} GROUP BY {cols} HAVING COUNT(*) > 1"
    if kind == "accepted_values":
        values = ", ".join("'" + str(v).replace("'", "''") + "'" if isinstance(v, str) else str(v) for v in check["values"])
        return f"SELECT * FROM {model} WHERE {_q(check['column'])} IS NOT NULL AND {_q(check['column'])} NOT IN ({values})"
    if kind == "relationships":
        return (f"SELECT c.* FROM {model} c LEFT ANTI JOIN {_q(check['to'])} p ON c.{_q(check['column'])} = p.{_q(check['field'])} "
                f"WHERE c.{_q(check['column'])} IS NOT NULL")
    if kind == "sql":
        return check["sql"]
    raise ValueError(f"unknown check type {kind}")


def run_checks(spark: SparkSession, checks: List[Dict[str, Any]], raw_tables: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    results = []
    for check in checks:
        if check["type"] == "min_rows":
            rows = spark.table(_q(check["model"])).count()
            failed = rows < check["min"]
            detail = f"{rows} rows (minimum {check['min']})"
        else:
            try:
                offending = spark.sql(_offending_sql(check)).count()
            except Exception as error:  # noqa: BLE001 - a broken check is a failed check, with Spark's reason
                offending, failed, detail = -1, True, "check query failed: " + " ".join(str(error).splitlines()[:2])[:500]
            else:
                failed = offending > 0
                detail = f"{offending} offending rows" if failed else "0 offending rows"
        results.append({"name": check["name"], "status": "fail" if failed else "pass", "severity": check["severity"], "detail": detail})
    for raw in raw_tables:
        # reconciliation: the files the views read hold exactly the rows ingest committed
        found = read_raw(spark, raw).count() if raw["files"] else 0
        ok = found == raw["rows"]
        results.append({"name": f"reconcile_{raw['table']}", "status": "pass" if ok else "fail", "severity": "error",
                        "detail": f"{found} rows in committed files, manifests say {raw['rows']}"})
    return results
