"""The arrow export engine's load files and checksums (dataops_jobs/arrow_exports.py), without a
database: each file must hold the text its reader (COPY, LOAD DATA) reads back as the model's value.
Run: .dataops/venv/bin/python -m pytest jobs/tests/test_arrow_export.py -q
"""

import os

import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq

from dataops_jobs.arrow_exports import load_staging
from dataops_jobs.checksums import duckdb_checksums


def _target(tmp_path, load, columns, fmt="parquet"):
    return {
        "name": f"t:{load}", "load": load, "localDir": str(tmp_path / f"load-{load}"),
        "columns": [c["name"] for c in columns], "modelColumns": columns,
        "model": {"path": str(tmp_path / "model"), "format": fmt},
    }


def test_a_null_boolean_is_neither_true_nor_false(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    pq.write_table(pa.table({"ok": pa.array([True, None, False])}), folder / "part-00000.parquet")
    pq.write_table(pa.table({"ok": pa.array([True, False])}), tmp_path / "without-null.parquet")
    columns = [{"name": "ok", "type": "boolean"}]
    with_null = duckdb_checksums(str(folder), ["part-00000.parquet"], "parquet", columns)
    without = duckdb_checksums(str(tmp_path), ["without-null.parquet"], "parquet", columns)
    assert with_null["columns"]["ok"] == {"nonNull": 2, "hash": without["columns"]["ok"]["hash"]}
    # MySQL's LOAD DATA gets the bare word NULL, not 0
    result = load_staging(_target(tmp_path, "infile", columns))
    with open(result["files"][0], encoding="utf-8") as handle:
        assert handle.read().splitlines() == ['"1"', "NULL", '"0"']


def test_a_spark_orc_timestamp_ntz_stored_as_microseconds_is_a_timestamp_again(tmp_path):
    # Spark's ORC writer keeps TIMESTAMP_NTZ as a bigint of microseconds since the epoch
    folder = tmp_path / "model"
    folder.mkdir()
    orc.write_table(pa.table({"at": pa.array([1704164645123456, None], pa.int64())}), str(folder / "part-00000.orc"))
    result = load_staging(_target(tmp_path, "copy", [{"name": "at", "type": "timestamp_ntz"}], fmt="orc"))
    with open(result["files"][0], encoding="utf-8") as handle:
        assert handle.read().splitlines() == ["2024-01-02 03:04:05.123456", ""]
    assert result["rows"] == 2 and result["checksums"]["columns"]["at"]["nonNull"] == 1
    assert os.path.basename(result["files"][0]) == "part-00000.csv"


def test_a_large_model_is_written_in_slices_each_announced_once_complete(tmp_path, monkeypatch):
    import dataops_jobs.arrow_exports as arrow_exports

    folder = tmp_path / "model"
    folder.mkdir()
    pq.write_table(pa.table({"id": pa.array(range(0, 20), pa.int64())}), folder / "part-00000.parquet")
    pq.write_table(pa.table({"id": pa.array(range(20, 35), pa.int64())}), folder / "part-00001.parquet")
    monkeypatch.setattr(arrow_exports, "MIN_SLICE_ROWS", 1)
    announced = []

    def on_progress(**fields):
        if fields.get("phase") == "files":
            # the announced file is complete: the stage starts loading it now
            with open(fields["files"][0], encoding="utf-8") as handle:
                announced.append((fields["files"][0], handle.read().splitlines()))

    monkeypatch.setattr(arrow_exports, "progress", on_progress)
    result = load_staging(_target(tmp_path, "copy", [{"name": "id", "type": "bigint"}]))
    assert [path for path, _ in announced] == result["files"]
    assert len(result["files"]) > 1
    assert sorted(int(line) for _, lines in announced for line in lines) == list(range(35))
    assert result["rows"] == 35


def test_an_empty_model_gives_one_empty_load_file(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    pq.write_table(pa.table({"id": pa.array([], pa.int64())}), folder / "part-00000.parquet")
    result = load_staging(_target(tmp_path, "copy", [{"name": "id", "type": "bigint"}]))
    assert len(result["files"]) == 1 and os.path.getsize(result["files"][0]) == 0 and result["rows"] == 0
