"""Spark's fixed cost, measured by scripts/benchmark/bench.ts: spark-submit of a job that starts a
SparkSession, runs one trivial action and stops. What every stage that submits a Spark job pays
before it reads a row."""

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("spark-startup").getOrCreate()
spark.range(1).count()
spark.stop()
