"""The Arrow engine's pure parts (no database): spec parsing, text -> date/timestamp, errors."""

import datetime as dt
import json
import random

import pyarrow as pa
import pytest

from conftest import run_arrow
from dataops_jobs import arrow_tables
from dataops_jobs.arrow_tables import Chunking, Column, RowsRead, key_ranges, parse_custom_schema, parse_source, parse_temporal, slice_query
from dataops_jobs.runtime import JobError


def test_custom_schema_names_with_backticks_commas_and_unicode():
    text = "`id` INT, `a``b` DECIMAL(20,0), `x, y` STRING, `prix €` DECIMAL(10, 2), `select` TIMESTAMP_NTZ"
    assert parse_custom_schema(text) == [
        ("id", "INT"), ("a`b", "DECIMAL(20,0)"), ("x, y", "STRING"), ("prix €", "DECIMAL(10, 2)"), ("select", "TIMESTAMP_NTZ"),
    ]


def test_slice_query_reads_decimals_as_text():
    columns = [Column("a`b", "DECIMAL(20,0)", None), Column("d", "STRING", "DATE")]
    query = slice_query({"query": "(SELECT 1) AS dataops_read"}, columns, "`k` >= 5")
    assert query == "SELECT CAST(`a``b` AS CHAR) AS `a``b`, `d` FROM (SELECT 1) AS dataops_read WHERE `k` >= 5"


def test_unknown_types_and_casts_are_refused():
    with pytest.raises(JobError):
        Column("x", "INTERVAL", None)
    with pytest.raises(JobError):
        Column("x", "INT", "DATE")


def _reference(text, with_time):
    """What Spark's try_cast gives, via Python's calendar (years 1..9999)."""
    try:
        if with_time:
            value = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")
            return (value - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
        return (dt.datetime.strptime(text, "%Y-%m-%d").date() - dt.date(1970, 1, 1)).days
    except ValueError:
        return None


def test_temporal_text_matches_the_calendar():
    rng = random.Random(7)
    dates, stamps = [], []
    for _ in range(20000):
        y, m, d = rng.randint(1, 9999), rng.randint(0, 13), rng.randint(0, 32)
        dates.append(f"{y:04d}-{m:02d}-{d:02d}")
        stamps.append(f"{y:04d}-{m:02d}-{d:02d} {rng.randint(0, 24):02d}:{rng.randint(0, 60):02d}:{rng.randint(0, 60):02d}.{rng.randint(0, 999999):06d}")
    edges = ["1000-01-01", "9999-12-31", "1582-10-10", "1600-02-29", "1700-02-29", "2000-02-29", "2024-02-29", "2023-02-29", "0000-00-00", "2020-00-15"]
    dates += edges
    stamps += [e + " 00:00:00.000001" for e in edges] + ["9999-12-31 23:59:59.999999", "0000-00-00 00:00:00.000000"]
    got = parse_temporal(pa.array(dates + [None]), pa.date32()).cast(pa.int32()).to_pylist()
    assert got == [_reference(t, False) for t in dates] + [None]
    got = parse_temporal(pa.array(stamps + [None]), pa.timestamp("us")).cast(pa.int64()).to_pylist()
    assert got == [_reference(t, True) for t in stamps] + [None]


def test_year_zero_and_other_layouts():
    # year 0 is a valid proleptic Gregorian year for Spark (java.time); Python's datetime lacks it
    assert parse_temporal(pa.array(["0000-01-01", "0000-02-29", "0000-00-01"]), pa.date32()).cast(pa.int32()).to_pylist() == [-719528, -719469, None]
    # text not in the planner's layout takes the slow path, still exact
    got = parse_temporal(pa.array(["2024-01-02 03:04:05", "2024-01-02T03:04:05.5", "junk", "2024-1-2 3:04:05.123"]), pa.timestamp("us", tz="UTC"))
    assert got.cast(pa.int64()).to_pylist() == [1704164645000000, 1704164645500000, None, 1704164645123000]


def test_source_url_and_tls_refusal():
    source = parse_source("jdbc:mysql://db.example:3307/my%20db?connectionTimeZone=UTC", {"user": "u@x", "password": "p@ss:w/rd%€"})
    assert (source.host, source.port, source.database) == ("db.example", 3307, "my db")
    assert source.connectorx_url() == "mysql://u%40x:p%40ss%3Aw%2Frd%25%E2%82%AC@db.example:3307/my%20db"
    assert "p@ss" not in source.mask("failed for mysql://u%40x:p%40ss%3Aw%2Frd%25%E2%82%AC@db.example and p@ss:w/rd%€")
    with pytest.raises(JobError, match="TLS"):
        parse_source("jdbc:mysql://h/db?sslMode=REQUIRED", {"user": "u", "password": "p"})


def test_failure_reaches_the_result_file_without_the_password(tmp_path):
    password = "s3cr3t:p@ss/%€"
    spec = {
        "url": "jdbc:mysql://127.0.0.1:1/nowhere",  # nothing listens on port 1
        "maxConnections": 2,
        "compression": "snappy",
        "tables": [{"table": "t", "query": "(SELECT 1 AS `a`) AS dataops_read", "slices": ["1=1"], "customSchema": "`a` INT", "casts": {}, "dataPath": str(tmp_path / "lake" / "t")}],
    }
    done = run_arrow(tmp_path / "job", spec, {"user": "nobody", "password": password})
    assert done["code"] == 1
    error = done["result"]["error"]
    assert error["subject"] == "t" and error["errorClass"] == "transient", error
    everything = json.dumps(done["result"]) + done["stdout"] + done["stderr"]
    assert "s3cr3t" not in everything and "s3cr3t%3Ap%40ss" not in everything
    assert not done["files"]["secrets"].exists()
    lake = tmp_path / "lake"
    assert not lake.exists() or not list(lake.iterdir()), "a failed table leaves nothing behind"


def test_fast_and_exact_temporal_paths_agree():
    from dataops_jobs.arrow_tables import _parse_temporal_exact

    rng = random.Random(11)
    stamps = [f"{rng.randint(0, 9999):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999999):06d}" for _ in range(20000)]
    stamps += ["0000-02-29 00:00:00.000000", "2000-02-29 23:59:59.999999", "1900-02-28 00:00:00.000000", None]
    for target in (pa.timestamp("us"), pa.timestamp("us", tz="UTC")):
        fast = parse_temporal(pa.array(stamps), target)
        assert fast.equals(_parse_temporal_exact(pa.array(stamps), target, True))
    dates = pa.array([s[:10] if s else None for s in stamps])
    assert parse_temporal(dates, pa.date32()).equals(_parse_temporal_exact(dates, pa.date32(), False))


def test_a_long_read_tells_its_rows_every_few_seconds_not_every_batch(capsys):
    now = [0.0]
    read = RowsRead("orders", every=2, clock=lambda: now[0])
    for _ in range(10):  # ten batches in one second: nothing told yet
        now[0] += 0.1
        read.add(1000)
    now[0] += 1.5
    read.add(1000)
    now[0] += 0.5
    read.add(1000)
    lines = [json.loads(line.split(" ", 1)[1]) for line in capsys.readouterr().out.splitlines()]
    assert lines == [{"table": "orders", "phase": "reading", "rows": 11000}]


@pytest.mark.parametrize("low,high,count", [(1, 1000, 7), (-5, 5, 3), (10, 10, 4), (0, 2**63 - 1, 16), (3, 9, 100)])
def test_key_ranges_put_every_key_of_the_slice_in_exactly_one_range(low, high, count):
    ranges = key_ranges(low, high, count)
    assert ranges[0][0] is None and ranges[-1][1] is None and len(ranges) <= count
    assert all(end == start for (_, end), (start, _) in zip(ranges, ranges[1:]))  # contiguous, no gap, no overlap
    for key in {low, high, (low + high) // 2, low + 1, high - 1} & set(range(low, high + 1)) if high - low < 10**6 else {low, high, (low + high) // 2}:
        assert sum((start is None or key >= start) and (end is None or key < end) for start, end in ranges) == 1


def test_a_slice_larger_than_a_chunk_is_read_in_key_ranges_and_its_null_keys(monkeypatch):
    monkeypatch.setattr(arrow_tables, "CHUNK_BYTES", 1000)
    chunking = Chunking("k`ey", rows=400, row_bytes=10, slices=2)  # 2000 bytes per slice: two ranges
    assert chunking.predicates("p", 1, 100) == ["(p) AND `k``ey` IS NULL", "(p) AND `k``ey` < 51", "(p) AND `k``ey` >= 51"]
    assert chunking.predicates("p", None, None) == ["p"]  # a slice without rows
    assert Chunking("k", rows=100, row_bytes=10, slices=2).predicates("p", 1, 100) == ["p"]  # fits one chunk



def test_the_jobs_without_spark_start_without_loading_pyspark():
    # PySpark's import alone is ~0.1 s of every arrow ingest, export and Sqoop job's start (issue 11)
    import os
    import subprocess
    import sys

    modules = "dataops_jobs.arrow_tables, dataops_jobs.arrow_exports, dataops_jobs.sqoop_tables, dataops_jobs.sqoop_exports"
    code = f"import sys, {modules}; print('pyspark' in sys.modules)"
    jobs = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    loaded = subprocess.run([sys.executable, "-c", code], cwd=jobs, capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "False"
