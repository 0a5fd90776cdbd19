"""A kept driver's warm-up: jobs through the paths a transform takes, before the first run.

A JVM that just started runs its first Spark job several times slower than its tenth: classes load
(Parquet's reader and writer, the code generator), and the JIT has compiled nothing yet. A service
started at deploy time would hand that cost to the first night's run; the warm-up pays it while
nobody waits (the driver reports ready after it).

The JIT compiles a method for speed (C2) only after some ten thousand calls or loop turns, so a
warm-up of 20,000 rows warmed little: after it, the sample's first three runs through the services
took 35.0, 30.7 and 26.6 s, the fifth 22.3 s, the compiler threads' CPU time falling from 15 to 3 s
a run (issue 11). The rows here are enough for the row-by-row paths (Parquet's encoders and
decoders, unsafe rows, decimal arithmetic, strings, sorts, hash joins and aggregates) to reach C2,
and the pass runs twice: the second runs on compiled code and compiles what the first left
half-done. The first three runs then took 28.3, 26.6 and 25.2 s; the driver was ready 28 s after
the service started, against 20-29 s with the small warm-up.
"""

import shutil
import tempfile

from pyspark.sql import SparkSession

# rows of the generated fact table: a pass took 16 s on a cold JVM, 5 s once compiled (local[2], 2 cores)
FACT_ROWS = 300_000
PASSES = 2


def warm_up(spark: SparkSession, rows: int = FACT_ROWS, passes: int = PASSES) -> None:
    """Writes, reads back, dedupes, joins, aggregates, writes by partition and checks generated rows,
    in a folder removed afterwards: nothing of it outlives the call."""
    folder = tempfile.mkdtemp(prefix="dataops-spark-warm-up-")
    views = ["warm_up_facts", "warm_up_latest", "warm_up_lines", "warm_up_customers", "warm_up_regions"]
    try:
        for attempt in range(passes):
            _one_pass(spark, f"{folder}/{attempt}", rows)
    finally:
        for view in views:
            spark.catalog.dropTempView(view)
        shutil.rmtree(folder, ignore_errors=True)


def _one_pass(spark: SparkSession, folder: str, rows: int) -> None:
    # the lake's column types: integers, decimals (some NULL), texts, dates, timestamps
    spark.range(rows).selectExpr(
        "id", "CAST(id % 50000 AS INT) AS order_id", "CAST(id % 997 AS INT) AS customer_id",
        "CAST(id % 13 + 1 AS INT) AS quantity", "CAST(id % 10000 / 100 + 1 AS DECIMAL(10,2)) AS unit_price",
        "IF(id % 7 = 0, NULL, CAST(id % 30 / 100 AS DECIMAL(4,3))) AS discount",
        "element_at(array('pending','paid','shipped','delivered','cancelled'), CAST(id % 5 + 1 AS INT)) AS status",
        "concat('note ', id % 5003) AS note", "date_add(DATE'2026-01-01', CAST(id % 30 AS INT)) AS order_date",
        "timestamp_seconds(1767225600 + id * 7) AS updated_at",
    ).write.mode("overwrite").parquet(f"{folder}/raw")
    spark.range(997).selectExpr("CAST(id AS INT) AS customer_id", "CAST(id % 12 AS INT) AS region_id", "concat('customer ', id) AS full_name").createOrReplaceTempView("warm_up_customers")
    spark.range(12).selectExpr("CAST(id AS INT) AS region_id", "concat('region ', id) AS name").createOrReplaceTempView("warm_up_regions")
    spark.read.parquet(f"{folder}/raw").createOrReplaceTempView("warm_up_facts")
    spark.sql(
        "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC, id DESC) AS n FROM warm_up_facts) WHERE n = 1"
    ).write.mode("overwrite").parquet(f"{folder}/latest")
    spark.read.parquet(f"{folder}/latest").createOrReplaceTempView("warm_up_latest")
    lines = spark.sql(
        "SELECT f.id, f.order_id, l.status, c.full_name, r.name AS region_name, f.quantity, f.unit_price, f.discount, "
        "CAST(f.quantity * f.unit_price * (1 - COALESCE(f.discount, 0)) AS DECIMAL(20, 2)) AS line_total, l.order_date, f.note "
        "FROM warm_up_facts f JOIN warm_up_latest l ON l.order_id = f.order_id "
        "JOIN warm_up_customers c ON c.customer_id = f.customer_id JOIN warm_up_regions r ON r.region_id = c.region_id"
    )
    lines.write.mode("overwrite").parquet(f"{folder}/lines")
    spark.sql(
        "SELECT l.order_date, r.region_id, COUNT(DISTINCT l.order_id) AS orders, SUM(f.quantity) AS items, "
        "CAST(SUM(f.quantity * f.unit_price * (1 - COALESCE(f.discount, 0))) AS DECIMAL(20, 2)) AS revenue "
        "FROM warm_up_latest l JOIN warm_up_facts f ON f.order_id = l.order_id "
        "JOIN warm_up_customers c ON c.customer_id = l.customer_id JOIN warm_up_regions r ON r.region_id = c.region_id "
        "WHERE l.status <> 'cancelled' GROUP BY l.order_date, r.region_id"
    ).write.mode("overwrite").partitionBy("order_date").parquet(f"{folder}/daily")
    # the checks' shapes: NULL counts, duplicates, a relationship (anti join), a count
    spark.sql("SELECT count(*) FROM warm_up_latest WHERE order_id IS NULL OR status IS NULL").collect()
    spark.sql("SELECT order_id FROM warm_up_latest GROUP BY order_id HAVING count(*) > 1 LIMIT 1").collect()
    spark.read.parquet(f"{folder}/lines").createOrReplaceTempView("warm_up_lines")
    spark.sql("SELECT count(*) FROM warm_up_lines x LEFT ANTI JOIN warm_up_latest l ON l.order_id = x.order_id").collect()
    spark.read.parquet(f"{folder}/daily").count()
