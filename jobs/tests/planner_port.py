"""A Python copy of the TypeScript planner's read plan (libs/ingest/src/type-mapping.ts and
ingest-job.ts), so the tests build ingest specs exactly as the services do."""

import re
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote, urlencode

LOSSLESS_PROPERTIES = {
    "tinyInt1isBit": "false",
    "yearIsDateType": "false",
    "zeroDateTimeBehavior": "CONVERT_TO_NULL",
    "connectionTimeZone": "UTC",
    "forceConnectionTimeZoneToSession": "true",
    "characterEncoding": "UTF-8",
    "useCursorFetch": "false",
}


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def plan_column(name: str, column_type: str) -> Dict[str, object]:
    """(expression, spark type, read as text) for one column, as planColumn does."""
    type_ = column_type.lower()
    column = quote_identifier(name)

    def plan(spark_type: str, expression: str = column, text: bool = False):
        return {"name": name, "expression": expression, "sparkType": spark_type, "readAsText": text}

    def temporal(spark_type: str):
        # temporalText: DATE_FORMAT's text (six fraction digits) by CAST, at half its cost
        digits = re.search(r"\((\d)\)", type_)
        if base == "date" or (digits and digits.group(1) == "6"):
            return plan(spark_type, f"CAST({column} AS CHAR)", True)
        return plan(spark_type, f"CAST(CAST({column} AS DATETIME(6)) AS CHAR)", True)

    unsigned = "unsigned" in type_
    base = re.sub(r" .*$", "", re.sub(r"\(.*$", "", type_))
    if base == "tinyint":
        return plan("SMALLINT" if unsigned else "TINYINT")
    if base == "smallint":
        return plan("INT" if unsigned else "SMALLINT")
    if base == "mediumint":
        return plan("INT")
    if base in ("int", "integer"):
        return plan("BIGINT" if unsigned else "INT")
    if base == "bigint":
        return plan("DECIMAL(20,0)" if unsigned else "BIGINT")
    if base in ("decimal", "numeric"):
        match = re.search(r"\((\d+)(?:,\s*(\d+))?\)", type_)
        precision = int(match.group(1)) if match else 10
        scale = int(match.group(2)) if match and match.group(2) else 0
        if precision > 38:
            return plan("STRING", f"CAST({column} AS CHAR)")
        return plan(f"DECIMAL({precision},{scale})")
    if base == "float":
        return plan("FLOAT", f"CAST({column} AS DOUBLE)")
    if base in ("double", "real"):
        return plan("DOUBLE")
    if base == "bit":
        return plan("DECIMAL(20,0)", f"CAST({column} AS UNSIGNED)")
    if base == "date":
        return temporal("DATE")
    if base == "datetime":
        return temporal("TIMESTAMP_NTZ")
    if base == "timestamp":
        return temporal("TIMESTAMP")
    if base == "time":
        return plan("STRING", f"CAST({column} AS CHAR)")
    if base == "year":
        return plan("SMALLINT", f"CAST({column} AS UNSIGNED)")
    if base in ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"):
        return plan("BINARY")
    if base in ("geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection"):
        return plan("BINARY", f"ST_AsBinary({column})")
    return plan("STRING")


def jdbc_url(host: str, port: int, database: str, properties: Optional[Dict[str, str]] = None) -> str:
    query = urlencode({**LOSSLESS_PROPERTIES, **(properties or {})})
    return f"jdbc:mysql://{host}:{port}/{quote(database, safe='')}?{query}"


def table_spec(table: str, columns: Sequence[Tuple[str, str]], data_path: str, slices: Optional[List[str]] = None, where: str = "1=1") -> Dict[str, object]:
    plans = [plan_column(name, column_type) for name, column_type in columns]
    select = ", ".join(f"{p['expression']} AS {quote_identifier(p['name'])}" for p in plans)
    return {
        "table": table,
        "query": f"(SELECT {select} FROM {quote_identifier(table)} WHERE {where}) AS dataops_read",
        "slices": slices or ["1=1"],
        "customSchema": ", ".join(f"{quote_identifier(p['name'])} {'STRING' if p['readAsText'] else p['sparkType']}" for p in plans),
        "casts": {p["name"]: p["sparkType"] for p in plans if p["readAsText"]},
        "dataPath": data_path,
        "checksumColumns": [{"name": p["name"], "type": p["sparkType"]} for p in plans],
    }


def slice_predicates(column: Optional[str], points: List[int]) -> List[str]:
    if not column or not points:
        return ["1=1"]
    key = quote_identifier(column)
    slices = [f"({key} < {points[0]} OR {key} IS NULL)"]
    for index in range(1, len(points)):
        slices.append(f"({key} >= {points[index - 1]} AND {key} < {points[index]})")
    slices.append(f"{key} >= {points[-1]}")
    return slices

