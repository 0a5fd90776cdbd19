"""jobs/localfs: Hadoop's local file system with permissions set in-process (issue 11).

A Spark write through it must leave exactly what Hadoop's own local file system leaves (the same
files, folders, permission bits and rows), without starting a `chmod` process per file and folder.
Run: .dataops/venv/bin/python -m pytest jobs/tests/test_local_filesystem.py -q
"""

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import PYTHON, spark_available, stack_env

ENV = stack_env()
JAR = ENV.get("DATAOPS_LOCAL_FS_JAR", "")

if not spark_available() or not Path(JAR).is_file():
    pytest.skip("spark-submit or the jobs/localfs jar is missing (scripts/stack up builds it)", allow_module_level=True)

# a partitioned write (40 day folders), then what the job saw: the file system class and the rows read back
WRITER = """
import json, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
frame = spark.range(0, 400).selectExpr("id", "date_add(DATE'2026-01-01', CAST(id % 40 AS INT)) AS day", "repeat('x', CAST(id % 7 AS INT)) AS text")
frame.repartition(3).write.mode("overwrite").partitionBy("day").parquet(sys.argv[1])
jvm = spark._jvm
fs = jvm.org.apache.hadoop.fs.FileSystem.get(jvm.java.net.URI("file:///"), spark._jsc.hadoopConfiguration())
rows = sorted(tuple(str(v) for v in row) for row in spark.read.parquet(sys.argv[1]).collect())
print("RESULT " + json.dumps({"fileSystem": fs.getClass().getName(), "rows": rows}))
"""


def _write(tmp_path: Path, name: str, conf: dict) -> dict:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    submit = ENV.get("DATAOPS_SPARK_SUBMIT")
    command = [submit, "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--conf", f"spark.pyspark.python={ENV.get('PYSPARK_PYTHON', PYTHON)}"]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    done = subprocess.run([*command, str(script), str(tmp_path / name)], capture_output=True, text=True, timeout=600, env={**os.environ, **ENV})
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _layout(root: Path) -> list:
    """Every file and folder under root with its permission bits; part files' random names folded."""
    entries = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        relative = "/".join("part-*" if "part-" in piece else piece for piece in relative.split("/"))
        entries.append((relative, "dir" if path.is_dir() else "file", oct(stat.S_IMODE(path.stat().st_mode))))
    return sorted(entries)


def test_a_partitioned_write_leaves_what_hadoops_own_local_file_system_leaves(tmp_path):
    ours = _write(tmp_path, "ours", {"spark.driver.extraClassPath": JAR, "spark.hadoop.fs.file.impl": "io.dataops.hadoop.NioLocalFileSystem"})
    hadoops = _write(tmp_path, "hadoops", {})

    assert ours["fileSystem"] == "io.dataops.hadoop.NioLocalFileSystem"
    assert hadoops["fileSystem"] != ours["fileSystem"]  # PySpark's default: Hive's ProxyLocalFileSystem over Hadoop's
    assert ours["rows"] == hadoops["rows"] and len(ours["rows"]) == 400
    assert _layout(tmp_path / "ours") == _layout(tmp_path / "hadoops")
    assert len([entry for entry in _layout(tmp_path / "ours") if entry[0].startswith("day=") and entry[1] == "dir"]) == 40
