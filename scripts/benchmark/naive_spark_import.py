"""The baseline of issue 11: a naive Spark JDBC import, as a user would write it without DataOps.

One `spark.read.jdbc` per table, one after the other, no partitioning options (so one partition,
one connection, one task per table), Connector/J's default fetch size, Parquet written with Spark's
defaults. Run by scripts/benchmark/bench.ts through spark-submit:

  spark-submit naive_spark_import.py --url jdbc:mysql://host:port/db --tables a,b --out DIR --secrets FILE

The secrets file (JSON: {"user": ..., "password": ...}, mode 0600) is read and removed at once:
credentials never appear in arguments. The bench counts the rows written afterwards, outside the
timed process.
"""

import argparse
import json
import os

from pyspark.sql import SparkSession


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--tables", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--secrets", required=True)
    args = parser.parse_args()
    with open(args.secrets, encoding="utf-8") as handle:
        secrets = json.load(handle)
    os.remove(args.secrets)
    spark = SparkSession.builder.appName("naive-jdbc-import").getOrCreate()
    properties = {"user": secrets["user"], "password": secrets["password"], "driver": "com.mysql.cj.jdbc.Driver"}
    for table in args.tables.split(","):
        frame = spark.read.jdbc(args.url, f"`{table}`", properties=properties)
        frame.write.mode("overwrite").parquet(os.path.join(args.out, table))
    spark.stop()


if __name__ == "__main__":
    main()
