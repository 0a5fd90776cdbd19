"""Transform's single-pass work (issue 11): row checks counted together, later models reading the
files just written. Each result must be what the one-query-per-check / recompute-everything
version gave. Run: .dataops/venv/bin/python -m pytest jobs/tests/test_transform_reuse.py -q
"""

import pytest

from conftest import spark_available

if not spark_available():
    pytest.skip("spark-submit or Java is missing (scripts/stack up installs them)", allow_module_level=True)

from dataops_jobs import transform_checks  # noqa: E402
from dataops_jobs.transform_models import _on_written  # noqa: E402


def _orders(spark):
    rows = [(1, "paid"), (2, None), (None, "lost"), (4, "shipped")]
    spark.createDataFrame(rows, "order_id bigint, status string").createOrReplaceTempView("`orders clean`")


CHECKS = [
    {"name": "nn", "type": "not_null", "model": "orders clean", "columns": ["order_id"], "severity": "error"},
    {"name": "av", "type": "accepted_values", "model": "orders clean", "column": "status", "values": ["paid", "shipped"], "severity": "error"},
    {"name": "min", "type": "min_rows", "model": "orders clean", "min": 5, "severity": "warn"},
    {"name": "uq", "type": "unique", "model": "orders clean", "columns": ["order_id"], "severity": "error"},
]


def test_row_checks_of_one_model_give_the_results_of_one_query_each(spark, monkeypatch):
    _orders(spark)
    together = transform_checks.run_checks(spark, CHECKS, [])
    monkeypatch.setattr(transform_checks, "_row_counts", lambda _spark, _checks: {})
    one_by_one = transform_checks.run_checks(spark, CHECKS, [])
    assert together == one_by_one
    assert [r["detail"] for r in together] == ["1 offending rows", "1 offending rows", "4 rows (minimum 5)", "0 offending rows"]


def test_a_check_on_a_missing_column_fails_alone_with_its_reason(spark):
    _orders(spark)
    broken = CHECKS[:2] + [{"name": "gone", "type": "not_null", "model": "orders clean", "columns": ["nope"], "severity": "error"}]
    results = transform_checks.run_checks(spark, broken, [])
    assert [r["status"] for r in results] == ["fail", "fail", "fail"]
    assert results[0]["detail"] == "1 offending rows"
    assert results[2]["detail"].startswith("check query failed:") and "nope" in results[2]["detail"]


def test_a_later_model_reads_the_written_files_when_its_schema_is_unchanged(spark, tmp_path):
    spark.createDataFrame([(1, "a"), (2, "b")], "id bigint, name string").createOrReplaceTempView("up")
    model = {"name": "down", "sql": "SELECT id, name FROM up WHERE id > 1"}
    defined = spark.sql(model["sql"])
    spark.table("up").write.parquet(str(tmp_path / "up"))
    spark.read.parquet(str(tmp_path / "up")).createOrReplaceTempView("up")
    frame = _on_written(spark, model, defined, {"down"})
    assert frame is not defined and "parquet" in frame._jdf.queryExecution().analyzed().toString().lower()
    assert sorted(frame.collect()) == sorted(defined.collect())


def test_a_later_model_keeps_its_first_plan_when_reading_the_files_would_change_its_schema(spark, tmp_path):
    spark.sql("SELECT 1L AS id, COUNT(*) AS n").createOrReplaceTempView("counted")  # n is NOT NULL
    model = {"name": "down", "sql": "SELECT id, n FROM counted"}
    defined = spark.sql(model["sql"])
    spark.table("counted").write.parquet(str(tmp_path / "counted"))
    spark.read.parquet(str(tmp_path / "counted")).createOrReplaceTempView("counted")  # n read back nullable
    assert _on_written(spark, model, defined, {"down"}) is defined


def test_raw_tables_are_reconciled_in_one_query_and_a_short_one_fails(spark):
    full = spark.range(5).toDF("id")
    short = spark.range(3).toDF("id")
    raws = [({"table": "orders", "rows": 5}, full), ({"table": "order items", "rows": 4}, short)]
    results = transform_checks.run_checks(spark, [], raws)
    assert results == [
        {"name": "reconcile_orders", "status": "pass", "severity": "error", "detail": "5 rows in committed files, manifests say 5"},
        {"name": "reconcile_order items", "status": "fail", "severity": "error", "detail": "3 rows in committed files, manifests say 4"},
    ]


def test_local_raw_files_are_counted_from_their_footers_as_spark_counts_them(spark, tmp_path, monkeypatch):
    spark.range(7).toDF("id").repartition(3).write.parquet(str(tmp_path / "orders"))
    spark.range(2).toDF("id").write.orc(str(tmp_path / "items"))
    parquet = sorted(str(p) for p in (tmp_path / "orders").glob("*.parquet"))
    orc = sorted(str(p) for p in (tmp_path / "items").glob("*.orc"))
    raws = [
        ({"table": "orders", "rows": 7, "files": parquet}, spark.read.parquet(*parquet)),
        ({"table": "items", "rows": 3, "files": orc, "layout": {"parts": [{"format": "orc", "basePath": str(tmp_path / "items"), "files": ["file:" + f for f in orc]}]}},
         spark.read.orc(*orc)),
    ]
    counted_by_spark = []
    real_spark_count = transform_checks.reduce
    monkeypatch.setattr(transform_checks, "reduce", lambda *args: counted_by_spark.append(1) or real_spark_count(*args))
    from_footers = transform_checks.run_checks(spark, [], raws)
    assert counted_by_spark == []
    assert [r["detail"] for r in from_footers] == ["7 rows in committed files, manifests say 7", "2 rows in committed files, manifests say 3"]
    assert [r["status"] for r in from_footers] == ["pass", "fail"]
    monkeypatch.setattr(transform_checks, "_footer_rows", lambda _raws: None)
    assert transform_checks.run_checks(spark, [], raws) == from_footers
    assert counted_by_spark == [1]


def test_min_rows_takes_the_rows_the_write_counted(spark):
    _orders(spark)
    results = transform_checks.run_checks(spark, [CHECKS[2]], [], {"orders clean": 9})
    assert results[0]["detail"] == "9 rows (minimum 5)" and results[0]["status"] == "pass"
