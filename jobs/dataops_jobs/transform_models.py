"""SQL models: references, order, materialization."""

from typing import Any, Dict, List

from pyspark.sql import DataFrame, Observation, SparkSession, Window
from pyspark.sql import functions as F

from .raw_reader import read_raw
from .runtime import JobError, progress, timed
from .runtime import quote_identifier as _q
from .transform_checks import run_checks

def _seq(scala_seq) -> list:
    items, iterator = [], scala_seq.iterator()
    while iterator.hasNext():
        items.append(iterator.next())
    return items


def relations(spark: SparkSession, sql: str, where: str, subject: str) -> set:
    """Every table name a SQL text reads, from Spark's own parser (CTEs and subqueries included)."""
    try:
        plan = spark._jsparkSession.sessionState().sqlParser().parsePlan(sql)
    except Exception as error:  # noqa: BLE001
        raise JobError(f"{where}: {_spark_message(error)}", subject=subject)
    names, pending = set(), [plan]
    while pending:
        node = pending.pop()
        if node.getClass().getSimpleName() == "UnresolvedRelation":
            parts = _seq(node.multipartIdentifier())
            names.add(parts[-1])
        pending.extend(_seq(node.children()))
        pending.extend(_seq(node.innerChildren()))
        pending.extend(_seq(node.subqueries()))
    return names


def references(spark: SparkSession, model: Dict[str, Any], known: set) -> List[str]:
    """The known tables a model reads, found by Spark's own SQL parser."""
    found = relations(spark, model["sql"], f"model {model['name']} ({model['file']})", model["name"])
    return sorted((found & known) - {model["name"]})


def order_models(models: List[Dict[str, Any]], deps: Dict[str, List[str]]) -> List[Dict[str, Any]]:
    """Topological order; a cycle is an error that names the models in it."""
    by_name = {m["name"]: m for m in models}
    ordered, state = [], {}

    def visit(name, trail):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = trail[trail.index(name):] + [name]
            raise JobError(f"models reference each other in a cycle: {' -> '.join(cycle)}", subject=name)
        state[name] = "visiting"
        for dep in deps[name]:
            if dep in by_name:
                visit(dep, trail + [name])
        state[name] = "done"
        ordered.append(by_name[name])

    for model in sorted(models, key=lambda m: m["name"]):
        visit(model["name"], [])
    return ordered


def register_raw(spark: SparkSession, raw: Dict[str, Any]) -> DataFrame:
    """The raw table's view (its columns with their MySQL types, deduped where configured); returns
    the frame of its committed files as read, for the reconciliation."""
    committed = read_raw(spark, raw) if raw["files"] else None
    if committed is None:
        raise JobError(f"raw table {raw['table']} has no committed files", subject=raw["table"])
    frame = committed.drop("load_date", "run", "attempt")
    # lineage: each column carries its MySQL type as field metadata; Spark keeps it through
    # projections and aliases (not through expressions), and writes it into the model's files
    # (alias with metadata, not withMetadata: that parses the name, and a name may hold backticks and dots)
    types = raw.get("sourceTypes") or {}
    frame = frame.select(*[
        F.col(_q(name)).alias(name, metadata={"mysqlType": types[name]["mysqlType"], "lakeType": types[name]["sparkType"].lower()})
        if name in types else F.col(_q(name))
        for name in frame.columns
    ])
    if raw.get("dedupe"):
        key, order_by = raw["dedupe"]["key"], raw["dedupe"]["orderBy"]
        window = Window.partitionBy(*[F.col(_q(k)) for k in key]).orderBy(F.col(_q(order_by)).desc_nulls_last())
        frame = frame.withColumn("__dataops_rank", F.row_number().over(window)).where("__dataops_rank = 1").drop("__dataops_rank")
    frame.createOrReplaceTempView(_q(raw["table"]))
    return committed


def define(spark: SparkSession, model: Dict[str, Any]) -> DataFrame:
    try:
        frame = spark.sql(model["sql"])
        frame.schema  # analysis happens here: unknown tables and columns fail before any write
    except Exception as error:  # noqa: BLE001
        raise JobError(f"model {model['name']} ({model['file']}): {_spark_message(error)}", subject=model["name"])
    frame.createOrReplaceTempView(_q(model["name"]))
    return frame


def _is_merge(model: Dict[str, Any]) -> bool:
    """Whether the written version holds more than the model's own rows (previous rows merged in)."""
    return model["config"]["materialized"] == "incremental" and bool(model.get("previousPath"))


def _on_written(spark: SparkSession, model: Dict[str, Any], defined: DataFrame, reads_models: set) -> DataFrame:
    """The model's frame, now reading the files just written for the models it reads (issue 11).

    Its frame from ``define`` holds the SQL of those models, so their joins and windows would run
    again for each model that reads them. The views of rebuilt models now read their new files,
    whose rows are the frame's rows; merged incremental models keep their frame's view until all
    models are written. If the plan's schema is not exactly the same (names, types, nullability,
    field metadata: a read-back file has only nullable columns, and partition columns come last),
    the frame defined first is used.
    """
    if model["name"] not in reads_models:
        return defined
    again = spark.sql(model["sql"])
    return again if again.schema.json() == defined.schema.json() else defined


def materialize(spark: SparkSession, model: Dict[str, Any], frame: DataFrame) -> DataFrame:
    """The new version's rows: rebuilt, or the previous version with the new rows merged in."""
    config, previous = model["config"], model.get("previousPath")
    if config["materialized"] != "incremental" or not previous:
        return frame
    old = spark.read.format(model["format"]).load(previous)
    if config.get("strategy") == "merge":
        keys = config["uniqueKey"]
        kept = old.join(frame.select(*keys).distinct(), on=keys, how="left_anti")
    else:
        parts = config["partitionBy"]
        if not parts:
            raise JobError(f"model {model['name']}: overwrite_partitions needs partitionBy", subject=model["name"])
        kept = old.join(frame.select(*parts).distinct(), on=parts, how="left_anti")
    return kept.unionByName(frame, allowMissingColumns=True)


def write(frame: DataFrame, model: Dict[str, Any]) -> int:
    """Writes the model's new version; returns its rows, counted by the write itself (an observed
    metric, merged from the tasks that succeeded): counting the written files again was one more
    job and, for a model partitioned by day, a listing of every folder (issue 11)."""
    observation = Observation(f"rows of {model['name']}")
    observed = frame.observe(observation, F.count(F.lit(1)).alias("rows"))
    writer = observed.write.mode("overwrite").format(model["format"]).option("compression", model["compression"])
    if model["config"]["partitionBy"]:
        writer = writer.partitionBy(*model["config"]["partitionBy"])
    writer.save(model["path"])
    return observation.get["rows"]


def transform(spark: SparkSession, spec: Dict[str, Any], _secrets: Dict[str, Any]) -> Dict[str, Any]:
    spark.conf.set("spark.sql.caseSensitive", "true")
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "static")
    raw_names = {raw["table"] for raw in spec["raw"]}
    clash = raw_names & {m["name"] for m in spec["models"]}
    if clash:
        raise JobError(f"model names clash with raw tables: {', '.join(sorted(clash))}; rename the model files")
    known = raw_names | {m["name"] for m in spec["models"]}
    # only the raw tables the models and checks read are registered: a table no model uses (an odd
    # name, a table excluded since an earlier run) can never break today's run
    used = set()
    with timed("parsing the models and checks"):
        for model in spec["models"]:
            used |= set(references(spark, model, known))
        for check in spec["checks"]:
            if check["type"] == "sql":
                used |= relations(spark, check["sql"], f"check {check['name']}", check["name"]) & known
    reconciliation = []
    with timed("registering the raw tables"):
        for raw in spec["raw"]:
            if raw["table"] in used:
                reconciliation.append((raw, register_raw(spark, raw)))
    deps = {m["name"]: references(spark, m, known) for m in spec["models"]}
    ordered = order_models(spec["models"], deps)
    with timed("defining the models"):
        frames = {m["name"]: define(spark, m) for m in ordered}
    reads_models = {name for name, reads in deps.items() if any(dep in frames for dep in reads)}
    results, merged = [], []
    for model in ordered:
        progress(model=model["name"], phase="writing")
        spark.sparkContext.setJobDescription(f"model {model['name']}")
        with timed(f"model {model['name']}: planning (the previous version, the models it reads)"):
            rows_of = materialize(spark, model, _on_written(spark, model, frames[model["name"]], reads_models))
        with timed(f"model {model['name']}: writing"):
            rows = write(rows_of, model)
        with timed(f"model {model['name']}: opening the written version"):
            written = _with_metadata(spark.read.format(model["format"]).load(model["path"]), frames[model["name"]])
        if _is_merge(model):
            merged.append((model, written))  # later models read its new rows only, as they were defined
        else:
            written.createOrReplaceTempView(_q(model["name"]))  # checks and later models read the new version
        progress(model=model["name"], phase="written", rows=rows)
        results.append({
            "name": model["name"], "rows": rows, "path": model["path"], "format": model["format"],
            "columns": [_column(f) for f in written.schema.fields],
            "dependsOn": deps[model["name"]],
        })
    for model, written in merged:
        written.createOrReplaceTempView(_q(model["name"]))  # checks see the new version
    with timed("checks"):
        checks = run_checks(spark, spec["checks"], reconciliation, {result["name"]: result["rows"] for result in results})
    return {"models": results, "checks": checks}


def _with_metadata(written: DataFrame, defined: DataFrame) -> DataFrame:
    """The read-back version with the field metadata (lineage) of the model's own frame: Spark's ORC
    files keep no field metadata (Parquet files do), so an ORC model would lose it here."""
    metadata = {field.name: field.metadata for field in defined.schema.fields if field.metadata}
    if not metadata or all(field.metadata for field in written.schema.fields if field.name in metadata):
        return written
    return written.select(*[F.col(_q(f.name)).alias(f.name, metadata=metadata.get(f.name, f.metadata)) for f in written.schema.fields])


def _column(field) -> Dict[str, Any]:
    column = {"name": field.name, "type": field.dataType.simpleString(), "nullable": field.nullable}
    # only a column passed through unchanged: its type is still the lake's (a cast drops the
    # metadata anyway; this also guards functions that keep it)
    if field.metadata.get("mysqlType") and field.metadata.get("lakeType") == column["type"]:
        column["sourceType"] = field.metadata["mysqlType"]
    return column


def _spark_message(error: Exception) -> str:
    text = str(error).strip()
    return " ".join(text.splitlines()[:4])[:1500]
