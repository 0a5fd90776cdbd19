"""Raw tables in ORC and in Hive-style partition folders (`partitionBy`), written by both ingest
engines from one spec, then read back by transform's reader (dataops_jobs/raw_reader.py).

The partition values include what Spark escapes or treats specially in a folder name: a slash, an
equals sign, a percent sign, a leading-zero code, an empty string and NULL (both become
__HIVE_DEFAULT_PARTITION__ and read back as NULL).
"""

import json
import subprocess
import os
from pathlib import Path
from typing import Any, Dict

import pytest

from conftest import JOBS, jobs_zip, run_arrow, run_spark, spark_available, spark_submit_command, stack_env
from planner_port import jdbc_url, slice_predicates, table_spec

STAFF_DDL = """
CREATE TABLE `staff` (
  `id` INT NOT NULL PRIMARY KEY,
  `department` VARCHAR(20) NULL,
  `code` VARCHAR(5) NOT NULL,
  `amount` DECIMAL(10,2),
  `hired` DATE,
  `seen` DATETIME(6)
) CHARACTER SET utf8mb4
"""
DEPARTMENTS = ["Sales", "R&D/Labs", "a=b", "100%", "", None]

LAYOUTS = {
    "parquet_by_department": {"format": "parquet", "partitionBy": ["department"]},
    "orc_flat": {"format": "orc", "partitionBy": []},
    "orc_by_code_department": {"format": "orc", "partitionBy": ["code", "department"]},
    "orc_by_department_empty": {"format": "orc", "partitionBy": ["department"], "where": "1=0"},
}

READ_BACK = r"""
import json, sys
from pyspark.sql import SparkSession
from dataops_jobs.raw_reader import read_raw
spark = SparkSession.builder.appName("raw-layouts-test").getOrCreate()
out = {}
for name, raw in json.load(open(sys.argv[1])).items():
    frame = read_raw(spark, raw)
    rows = [r.asDict() for r in frame.orderBy("id").collect()]
    out[name] = {"columns": frame.columns, "types": [f.dataType.simpleString() for f in frame.schema.fields],
                 "rows": [{k: (str(v) if v is not None else None) for k, v in r.items()} for r in rows]}
json.dump(out, open(sys.argv[2], "w"))
"""


@pytest.fixture(scope="module")
def source(admin_db, throwaway_database):
    values = []
    for i in range(1, 61):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        text = "NULL" if department is None else "'" + department + "'"
        values.append(f"({i}, {text}, '{i % 3:03d}', {i}.{i % 100:02d}, '2024-01-{1 + i % 28:02d}', '2024-02-{1 + i % 28:02d} 10:11:12.{i:06d}')")
    admin_db.run(STAFF_DDL + "; INSERT INTO `staff` VALUES " + ",".join(values), throwaway_database)
    return {"db": admin_db, "database": throwaway_database}


def spec_for(source, root: Path) -> Dict[str, Any]:
    db, database = source["db"], source["database"]
    columns = db.columns(database, "staff")
    tables = []
    for name, layout in LAYOUTS.items():
        table = table_spec("staff", columns, str(root / name), slice_predicates("id", [20, 40]), where=layout.get("where", "1=1"))
        tables.append({**table, "format": layout["format"], "partitionBy": layout["partitionBy"]})
    return {"url": jdbc_url(db.host, db.port, database), "maxConnections": 4, "compression": "snappy", "tables": tables}


@pytest.fixture(scope="module")
def written(source, tmp_path_factory):
    if not spark_available():
        pytest.skip("spark-submit or Java is missing (scripts/stack up installs them)")
    root = tmp_path_factory.mktemp("layouts")
    login = source["db"].login
    # one table name per job is what ingest sends; here the same table four times, each to its own folder
    spark = run_spark(root / "spark-job", spec_for(source, root / "spark"), login)
    assert spark["code"] == 0, f"spark ingest failed: {spark['result']}\n{spark['stderr'][-4000:]}"
    arrow = run_arrow(root / "arrow-job", spec_for(source, root / "arrow"), login)
    assert arrow["code"] == 0, f"arrow ingest failed: {arrow['result']}\n{arrow['stderr'][-4000:]}"
    return {"root": root, "spark": spark["result"]["result"]["tables"], "arrow": arrow["result"]["result"]["tables"]}


def folders(files):
    return sorted({os.path.dirname(f["path"]) for f in files})


def test_both_engines_write_the_same_folders_and_formats(written):
    for index, (name, layout) in enumerate(LAYOUTS.items()):
        spark, arrow = written["spark"][index], written["arrow"][index]
        assert spark["rows"] == arrow["rows"], name
        assert folders(spark["files"]) == folders(arrow["files"]), name
        assert all(f["path"].endswith("." + layout["format"]) for f in spark["files"] + arrow["files"]), name
    by_department = folders(written["spark"][0]["files"])
    assert by_department == ["department=100%25", "department=R&D%2FLabs", "department=Sales", "department=__HIVE_DEFAULT_PARTITION__", "department=a%3Db"]
    assert "code=000/department=Sales" in folders(written["spark"][2]["files"])
    # an empty partitioned table: one file at the top carries the schema
    assert folders(written["arrow"][3]["files"]) == [""] and written["arrow"][3]["rows"] == 0


def test_transform_reads_both_engines_layouts_alike(written, tmp_path):
    raw = {}
    for engine in ("spark", "arrow"):
        for index, (name, layout) in enumerate(LAYOUTS.items()):
            base = str(written["root"] / engine / name)
            files = [os.path.join(base, f["path"]) for f in written[engine][index]["files"]]
            columns = [{"name": "id", "sparkType": "INT"}, {"name": "department", "sparkType": "STRING"}, {"name": "code", "sparkType": "STRING"},
                       {"name": "amount", "sparkType": "DECIMAL(10,2)"}, {"name": "hired", "sparkType": "DATE"}, {"name": "seen", "sparkType": "TIMESTAMP_NTZ"}]
            partition_columns = [{"name": c, "sparkType": "STRING"} for c in layout["partitionBy"]]
            raw[f"{engine}.{name}"] = {"table": "staff", "files": files, "layout": {"parts": [{"basePath": base, "format": layout["format"], "files": files}], "partitionColumns": partition_columns, "columns": columns}}
    (tmp_path / "raw.json").write_text(json.dumps(raw))
    (tmp_path / "read_back.py").write_text(READ_BACK)
    command = spark_submit_command(tmp_path, {"spec": tmp_path / "x", "secrets": tmp_path / "x", "result": tmp_path / "x"})
    command = command[: command.index(str(JOBS / "ingest.py"))] + [str(tmp_path / "read_back.py"), str(tmp_path / "raw.json"), str(tmp_path / "out.json")]
    done = subprocess.run(["nice", "-n", "15", *command], capture_output=True, text=True, timeout=900, env={**os.environ, **stack_env()})
    assert done.returncode == 0, done.stderr[-4000:]
    out = json.loads((tmp_path / "out.json").read_text())
    flat = out["spark.orc_flat"]
    assert len(flat["rows"]) == 60 and flat["columns"] == ["id", "department", "code", "amount", "hired", "seen"]
    # a DATETIME stays TIMESTAMP_NTZ from either engine's ORC (pyarrow's reads back as TIMESTAMP: cast back)
    assert flat["types"] == ["int", "string", "string", "decimal(10,2)", "date", "timestamp_ntz"]
    for name in LAYOUTS:
        assert out[f"spark.{name}"] == out[f"arrow.{name}"], name
        assert out[f"spark.{name}"]["columns"] == flat["columns"], name
    for name in ("parquet_by_department", "orc_by_code_department"):
        rows = out[f"spark.{name}"]["rows"]
        # the table's values, except that '' comes back as NULL (Spark's default partition), and '001' stays text
        expected = [{**row, "department": row["department"] or None} for row in flat["rows"]]
        assert rows == expected, name
        assert out[f"spark.{name}"]["types"] == flat["types"], name
    assert out["spark.orc_by_department_empty"]["rows"] == []
