"""Speed of the ingest engines on the sample database (`retail`, read-only login), in seconds.

    .dataops/venv/bin/python jobs/tests/bench_arrow_ingest.py [--repeat 3] [--skip-spark]

Prints, for the same tables and the same spec (planned like libs/ingest: every column's read
expression, 4 slices on the integer primary key at its quantiles, as `maxConnections: 4`):
  - mariadb --quick of every table in parallel to /dev/null (what the source can deliver),
  - the Arrow engine (jobs/arrow_ingest.py, a fresh Python process, start-up included),
  - the Spark engine (jobs/ingest.py through spark-submit, JVM start-up included).
Medians over --repeat runs. Not a test (no pass/fail on timing); pytest does not collect it.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import DATAOPS_HOME, MariaDB, read_options, run_arrow, run_spark, spark_available, stack_env  # noqa: E402
from planner_port import jdbc_url, quote_identifier, slice_predicates, table_spec  # noqa: E402

INTEGER = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint")


def plan(db: MariaDB, database: str, slices: int, lake: Path):
    tables = [row[0] for row in db.run(f"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{database}' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")]
    specs, total = [], 0
    for table in tables:
        columns = db.columns(database, table)
        keys = db.run(
            "SELECT k.COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE k "
            f"WHERE k.TABLE_SCHEMA = '{database}' AND k.TABLE_NAME = '{table}' AND k.CONSTRAINT_NAME = 'PRIMARY'"
        )
        split = keys[0][0] if len(keys) == 1 and dict(columns)[keys[0][0]].split("(")[0].split(" ")[0] in INTEGER else None
        rows = int(db.run(f"SELECT COUNT(*) FROM {quote_identifier(table)}", database)[0][0])
        total += rows
        points = []
        if split and rows >= 20_000 and slices > 1:
            for index in range(1, slices):
                value = db.run(f"SELECT {quote_identifier(split)} FROM {quote_identifier(table)} ORDER BY 1 LIMIT 1 OFFSET {rows * index // slices}", database)[0][0]
                if not points or points[-1] != int(value):
                    points.append(int(value))
        specs.append(table_spec(table, columns, str(lake / table), slice_predicates(split, points)))
    return {"url": jdbc_url(db.host, db.port, database), "maxConnections": slices, "compression": "snappy", "tables": specs}, tables, total


def mariadb_quick(db: MariaDB, database: str, tables) -> float:
    env = {**os.environ, "MYSQL_PWD": db.login["password"]}

    def one(table: str) -> int:
        command = ["nice", "-n", "15", "mariadb", "--quick", "-N", "-B", f"-h{db.host}", f"-P{db.port}", f"-u{db.login['user']}", database, "-e", f"SELECT * FROM {quote_identifier(table)}"]
        return subprocess.run(command, stdout=subprocess.DEVNULL, env=env, check=True).returncode

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(tables)) as pool:
        list(pool.map(one, tables))
    return time.monotonic() - start


def compare(arrow_lake: Path, spark_lake: Path, tables) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def read(folder: Path) -> pa.Table:
        table = pa.concat_tables([pq.read_table(path) for path in sorted(folder.glob("*.parquet"))])
        return table.sort_by([(name, "ascending") for name in table.column_names if not pa.types.is_binary(table.schema.field(name).type)])

    for table in tables:
        a, s = read(arrow_lake / table), read(spark_lake / table)
        same_schema = [(f.name, f.type) for f in a.schema] == [(f.name, f.type) for f in s.schema]
        same_rows = same_schema and a.num_rows == s.num_rows and all(a.column(i).equals(s.column(i)) for i in range(a.num_columns))
        print(f"  compare {table}: schema {'same' if same_schema else 'DIFFERENT'}, rows {a.num_rows} {'same' if same_rows else 'DIFFERENT'}", flush=True)


def timed(run, *args):
    start = time.monotonic()
    done = run(*args)
    seconds = time.monotonic() - start
    if done["code"] != 0:
        raise SystemExit(f"{run.__name__} failed: {done['result']}\n{done['stderr'][-3000:]}")
    return seconds, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="retail")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--compare", action="store_true", help="also check that both engines wrote the same schema and rows")
    args = parser.parse_args()
    env = stack_env()
    db = MariaDB(env.get("DATAOPS_MYSQL_HOST", "127.0.0.1"), int(env["DATAOPS_MYSQL_PORT"]), read_options(DATAOPS_HOME / "secrets" / "source-mysql.options"))
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-"))
    try:
        figures = {"mariadb --quick (parallel)": [], "arrow ingest": [], "spark ingest": []}
        rows = None
        for attempt in range(args.repeat):
            spec, tables, total = plan(db, args.database, args.slices, work / "arrow-lake")
            figures["mariadb --quick (parallel)"].append(mariadb_quick(db, args.database, tables))
            seconds, arrow = timed(run_arrow, work / f"arrow-job-{attempt}", spec, db.login)
            figures["arrow ingest"].append(seconds)
            rows = sum(t["rows"] for t in arrow["result"]["result"]["tables"])
            if not args.skip_spark and spark_available():
                spark_spec, _, _ = plan(db, args.database, args.slices, work / "spark-lake")
                seconds, spark = timed(run_spark, work / f"spark-job-{attempt}", spark_spec, db.login)
                figures["spark ingest"].append(seconds)
                spark_rows = sum(t["rows"] for t in spark["result"]["result"]["tables"])
                assert spark_rows == rows, (spark_rows, rows)
                if args.compare:
                    compare(work / "arrow-lake", work / "spark-lake", tables)
            print(f"run {attempt + 1}: " + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in figures.items() if len(values) > attempt), flush=True)
        print(f"\n{args.database}: {len(tables)} tables, {total} source rows, {rows} rows written, {args.slices} slices, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        quick = statistics.median(figures["mariadb --quick (parallel)"])
        for name, values in figures.items():
            if values:
                median = statistics.median(values)
                print(f"{name:28s} {median:7.2f} s   ({quick / median:.2f}x the mariadb --quick limit)   runs: {', '.join(f'{v:.2f}' for v in values)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
