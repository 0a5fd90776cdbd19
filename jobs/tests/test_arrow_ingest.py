"""The Arrow engine (jobs/arrow_ingest.py) against the Spark job (jobs/ingest.py) on the same spec.

A throwaway database on the local MariaDB holds a table of every type at its edges, a sliced table
(NULL split keys, an empty slice, a name with a space) and an empty table. One spec, built the way
libs/ingest plans it (planner_port.py), is ingested by both engines; the Parquet they write must
read back with the same Arrow schema and the same rows.
"""

import json
import os
import struct
from pathlib import Path
from typing import Any, Dict, List

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import progress_lines, run_arrow, run_python_job, run_spark, spark_available
from planner_port import jdbc_url, slice_predicates, table_spec

TYPES_DDL = r"""
CREATE TABLE `types` (
  `id` INT NOT NULL PRIMARY KEY,
  `tiny` TINYINT, `flag` TINYINT(1), `tiny_u` TINYINT UNSIGNED,
  `small` SMALLINT, `small_u` SMALLINT UNSIGNED, `medium` MEDIUMINT, `medium_u` MEDIUMINT UNSIGNED,
  `int_s` INT, `int_u` INT UNSIGNED, `big` BIGINT, `big_u` BIGINT UNSIGNED,
  `dec_38` DECIMAL(38,10), `dec_9` DECIMAL(9,2), `dec_18` DECIMAL(18,4), `dec_65` DECIMAL(65,30),
  `flt` FLOAT, `flt_edge` FLOAT, `dbl` DOUBLE,
  `bits` BIT(64), `bit1` BIT(1),
  `d` DATE, `dt` DATETIME(6), `dt0` DATETIME, `ts` TIMESTAMP(6) NULL DEFAULT NULL,
  `tm` TIME, `tm6` TIME(6), `yr` YEAR,
  `js` JSON, `en` ENUM('small','large'), `st` SET('x','y','z'),
  `bl` BLOB, `vb` VARBINARY(16), `bn` BINARY(4),
  `ch` CHAR(10), `vc` VARCHAR(50), `tx` TEXT, `lat` VARCHAR(20) CHARACTER SET latin1,
  `geo` POINT NULL,
  `order items` VARCHAR(10), `a``b` INT, `prix €` DECIMAL(10,2), `select` VARCHAR(5)
) CHARACTER SET utf8mb4
"""

# FLOAT values that survive MariaDB's 6-significant-digit text (what Connector/J reads), and edges that do not
TYPES_ROWS = r"""
INSERT INTO `types` VALUES
 (1, 127, 1, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,
  9999999999999999999999999999.9999999999, 9999999.99, 99999999999999.9999, 99999999999999999999999999999999999.999999999999999999999999999999,
  1.5, 3.4028235e38, 1.7976931348623157e308,
  b'1111111111111111111111111111111111111111111111111111111111111111', b'1',
  '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59', '2038-01-19 03:14:07.999999',
  '838:59:59', '838:59:59.000000', 2155,
  '{"emoji": "😀", "n": 1.5}', 'large', 'x,z',
  x'00FF10', x'000102', x'01', 'ab', 'héllo 😀 中文', 'text 🎉', 'café',
  ST_GeomFromText('POINT(1 2)'), 'a b', 1, 12345678.90, 'sel'),
 (2, -128, 0, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
  -9999999999999999999999999999.9999999999, -9999999.99, -99999999999999.9999, -99999999999999999999999999999999999.999999999999999999999999999999,
  -0.25, -1.17549435e-38, -2.2250738585072014e-308,
  b'0', b'0',
  '1000-01-01', '1000-01-01 00:00:00.000001', '1000-01-01 00:00:00', '1970-01-01 00:00:01.000000',
  '-838:59:59', '-838:59:59.000000', 1901,
  '[]', 'small', '',
  x'', x'', x'00', '', '', '', '',
  ST_GeomFromText('POINT(-1.5 0)'), '', -1, -0.01, ''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL,
  NULL, NULL, NULL,
  NULL, NULL,
  '0000-00-00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00',
  NULL, NULL, NULL,
  NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL),
 (4, 0, 5, 128, 1, 32768, 0, 8388608, 0, 2147483648, 1, 9223372036854775808,
  0.0000000001, 0.01, 0.0001, 0.000000000000000000000000000001,
  0.1, 16777217, 0.1,
  b'1000000000000000000000000000000000000000000000000000000000000000', b'0',
  '2020-00-15', '2021-02-30 12:00:00.5', '2024-02-29 23:59:59', '2000-02-29 12:34:56.789012',
  '00:00:00', '-00:00:00.000001', 0,
  '{"a": [1, 2, {"b": null}]}', NULL, 'y',
  x'F09F9880', x'FF', x'FFFFFFFF', '  lead', 'trail  ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'Ærøskøbing',
  NULL, 'x', 2147483647, -99999999.99, 'from'),
 (5, 7, 1, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  1.5, 1.5, 1.5, 1.5,
  123456, 0.30000001192092896, 0.30000000000000004,
  b'101', b'1',
  '0000-01-01', '0000-01-01 00:00:00.000000', '1582-10-10 10:10:10', '1999-12-31 23:59:59.999999',
  '12:34:56', '12:34:56.789012', 1999,
  'null', 'large', 'x,y,z',
  x'00', x'00', x'00000000', 'ab        ', 'tab\there', 'line\nbreak', 'ñ',
  ST_GeomFromText('POINT(0 0)'), '🚀', 0, 0.00, 'end')
"""

SLICED_DDL = """
CREATE TABLE `order items` (
  `row_id` INT NOT NULL PRIMARY KEY,
  `k` BIGINT NULL UNIQUE,
  `amount` DECIMAL(12,2),
  `created` DATETIME(6),
  `note` VARCHAR(40)
) CHARACTER SET utf8mb4
"""

EMPTY_DDL = "CREATE TABLE `empty` (`id` BIGINT UNSIGNED PRIMARY KEY, `at` DATETIME(6), `name` VARCHAR(10), `amount` DECIMAL(5,2), `data` BLOB) CHARACTER SET utf8mb4"


@pytest.fixture(scope="module")
def source(admin_db, throwaway_database):
    db = throwaway_database
    # zero and invalid dates as a legacy application writes them; TIMESTAMP text read as UTC
    session = "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; SET time_zone = '+00:00';"
    admin_db.run(session + TYPES_DDL + ";" + TYPES_ROWS, db)
    rows = ",".join(
        f"({i}, {'NULL' if i % 10 == 0 else i}, {i}.{i % 100:02d}, '2024-01-{1 + i % 28:02d} 10:00:00.{i:06d}', 'note {i} ✓')" for i in range(1, 101)
    )
    admin_db.run(session + SLICED_DDL + ";" + f"INSERT INTO `order items` VALUES {rows}", db)
    admin_db.run(EMPTY_DDL, db)
    return {"db": admin_db, "database": db}


def build_spec(source, root: Path) -> Dict[str, Any]:
    db, database = source["db"], source["database"]
    tables = [
        table_spec("types", db.columns(database, "types"), str(root / "types"), slice_predicates("id", [3])),
        table_spec("order items", db.columns(database, "order items"), str(root / "order-20items"), slice_predicates("k", [25, 50, 75, 1000])),
        table_spec("empty", db.columns(database, "empty"), str(root / "empty"), slice_predicates("id", [10, 20])),
    ]
    return {"url": jdbc_url(db.host, db.port, database), "maxConnections": 4, "compression": "snappy", "tables": tables}


@pytest.fixture(scope="module")
def runs(source, tmp_path_factory):
    if not spark_available():
        pytest.skip("spark-submit or Java is missing (scripts/stack up installs them)")
    root = tmp_path_factory.mktemp("engines")
    login = source["db"].login
    spark = run_spark(root / "spark-job", build_spec(source, root / "spark-lake"), login)
    assert spark["code"] == 0, f"spark ingest failed: {spark['result']}\n{spark['stderr'][-4000:]}"
    arrow = run_arrow(root / "arrow-job", build_spec(source, root / "arrow-lake"), login)
    assert arrow["code"] == 0, f"arrow ingest failed: {arrow['result']}\n{arrow['stderr'][-4000:]}"
    return {"spark": spark, "arrow": arrow, "root": root}


def _read(folder: str) -> pa.Table:
    files = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".parquet"))
    return pa.concat_tables([pq.read_table(path) for path in files])


def _comparable(table: pa.Table, key: str) -> List[Dict[str, Any]]:
    """Rows with temporal values as their integers (Python's datetime has no year 0)."""
    table = table.sort_by(key)
    columns = {}
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_timestamp(field.type):
            column = column.cast(pa.int64())
        elif pa.types.is_date32(field.type):
            column = column.cast(pa.int32())
        columns[field.name] = column.to_pylist()
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


KEYS = {"types": "id", "order items": "row_id", "empty": "id"}
# FLOAT edges: MariaDB's text protocol prints FLOAT with 6 significant digits; the planner reads
# FLOAT as CAST(col AS DOUBLE), so both engines get the stored value, not a 6-digit rounding.
FLOAT_EDGE = {1: 3.4028235e38, 2: -1.17549435e-38, 4: 16777217.0, 5: 0.30000001192092896}


def test_same_result_and_progress(runs):
    spark, arrow = runs["spark"]["result"]["result"], runs["arrow"]["result"]["result"]
    assert [t["table"] for t in arrow["tables"]] == [t["table"] for t in spark["tables"]]
    for s, a in zip(spark["tables"], arrow["tables"]):
        assert a["rows"] == s["rows"], s["table"]
        assert len(a["files"]) == len(s["files"]), s["table"]
        assert all(f["path"].endswith(".parquet") and f["path"].startswith("part-") for f in a["files"])
        assert a["bytes"] == sum(f["bytes"] for f in a["files"])
    assert {t["table"]: t["rows"] for t in arrow["tables"]} == {"types": 5, "order items": 100, "empty": 0}
    key = lambda p: (p["table"], p["phase"])  # noqa: E731
    # the rows a long read has read so far come only from the arrow engine (every few seconds): not compared
    milestones = lambda lines: sorted([p for p in lines if not (p["phase"] == "reading" and "rows" in p)], key=key)  # noqa: E731
    assert milestones(progress_lines(runs["arrow"]["stdout"])) == milestones(progress_lines(runs["spark"]["stdout"]))


def test_both_engines_checksum_the_lake_alike(runs):
    """Spark and DuckDB read the files back and agree on every column's checksum (the lake side
    of the source-to-lake reconciliation), edge values included."""
    spark, arrow = runs["spark"]["result"]["result"], runs["arrow"]["result"]["result"]
    for s, a in zip(spark["tables"], arrow["tables"]):
        assert a["checksums"] == s["checksums"], s["table"]
        assert a["checksums"]["rows"] == a["rows"]
    types = next(t for t in arrow["tables"] if t["table"] == "types")["checksums"]["columns"]
    assert sorted(name for name, c in types.items() if c["hash"] is None) == ["dbl", "flt", "flt_edge"]  # counted only
    assert all(int(c["hash"]) > 0 for c in types.values() if c["hash"] is not None and c["nonNull"] > 0)


@pytest.mark.parametrize("table", ["types", "order items", "empty"])
def test_same_schema(runs, table):
    spec_tables = {t["table"]: t for t in json.loads(runs["arrow"]["files"]["spec"].read_text())["tables"]}
    arrow_path = spec_tables[table]["dataPath"]
    spark_path = arrow_path.replace("arrow-lake", "spark-lake")
    arrow_schema, spark_schema = _read(arrow_path).schema, _read(spark_path).schema
    assert [(f.name, str(f.type), f.nullable) for f in arrow_schema] == [(f.name, str(f.type), f.nullable) for f in spark_schema]
    # and the Parquet schema itself: physical types, logical types, widths
    first = lambda path: pq.ParquetFile(os.path.join(path, sorted(n for n in os.listdir(path) if n.endswith(".parquet"))[0])).schema  # noqa: E731
    a, s = first(arrow_path), first(spark_path)
    describe = lambda schema: [(schema.column(i).name, schema.column(i).physical_type, str(schema.column(i).logical_type), schema.column(i).length) for i in range(len(schema))]  # noqa: E731
    assert describe(a) == describe(s)


@pytest.mark.parametrize("table", ["types", "order items", "empty"])
def test_same_rows(runs, table):
    spec_tables = {t["table"]: t for t in json.loads(runs["arrow"]["files"]["spec"].read_text())["tables"]}
    arrow_path = spec_tables[table]["dataPath"]
    arrow_rows = _comparable(_read(arrow_path), KEYS[table])
    spark_rows = _comparable(_read(arrow_path.replace("arrow-lake", "spark-lake")), KEYS[table])
    assert len(arrow_rows) == len(spark_rows)
    for a, s in zip(arrow_rows, spark_rows):
        if table == "types" and a["id"] in FLOAT_EDGE:
            # the edges a 6-digit text would round: both engines keep the stored float32
            assert a["flt_edge"] == s["flt_edge"] == _float32(FLOAT_EDGE[a["id"]])
        assert a == s


def test_edge_values(runs):
    spec = json.loads(runs["arrow"]["files"]["spec"].read_text())
    table = _read(spec["tables"][0]["dataPath"])
    table = table.filter(pc.not_equal(table["id"], 5))  # row 5 holds year 0, which Python's datetime lacks
    rows = {r["id"]: r for r in table.to_pylist()}
    from decimal import Decimal

    assert rows[1]["big_u"] == Decimal("18446744073709551615")
    assert rows[1]["bits"] == Decimal("18446744073709551615")
    assert rows[1]["dec_38"] == Decimal("9999999999999999999999999999.9999999999")
    assert rows[1]["dec_65"] == "99999999999999999999999999999999999.999999999999999999999999999999"
    assert rows[1]["dt"].isoformat() == "9999-12-31T23:59:59.999999"
    assert rows[2]["dt"].isoformat() == "1000-01-01T00:00:00.000001"
    assert rows[1]["ts"].isoformat() == "2038-01-19T03:14:07.999999+00:00"
    assert rows[1]["tm"] == "838:59:59" and rows[2]["tm"] == "-838:59:59"
    assert rows[1]["yr"] == 2155 and rows[1]["flag"] == 1 and rows[4]["flag"] == 5
    assert rows[1]["vc"] == "héllo 😀 中文" and rows[1]["js"] == '{"emoji": "😀", "n": 1.5}'
    assert rows[1]["bn"] == b"\x01\x00\x00\x00" and rows[1]["bl"] == b"\x00\xff\x10"
    assert rows[1]["ch"] == "ab" and rows[1]["st"] == "x,z" and rows[1]["lat"] == "café"
    assert rows[1]["order items"] == "a b" and rows[1]["a`b"] == 1 and rows[1]["prix €"] == Decimal("12345678.90")
    assert rows[3]["d"] is None and rows[3]["dt"] is None and rows[3]["ts"] is None  # zero dates
    assert rows[4]["d"] is None and rows[4]["dt"] is None  # zero month, 30 February
    assert rows[1]["geo"] == bytes.fromhex("0101000000000000000000f03f0000000000000040")


def test_overwrite_leaves_no_stale_files(source, tmp_path):
    spec = build_spec(source, tmp_path / "lake")
    spec["tables"] = spec["tables"][1:2]
    target = Path(spec["tables"][0]["dataPath"])
    target.mkdir(parents=True)
    (target / "part-99999-crashed.snappy.parquet").write_bytes(b"junk")
    stale = target.parent / f".{target.name}.arrow-tmp-dead"
    stale.mkdir()
    done = run_arrow(tmp_path / "job", spec, source["db"].login)
    assert done["code"] == 0, done["result"]
    names = sorted(os.listdir(target))
    assert "part-99999-crashed.snappy.parquet" not in names and "_SUCCESS" in names
    assert not stale.exists() and not [n for n in os.listdir(target.parent) if n.startswith(".")]
    assert done["result"]["result"]["tables"][0]["rows"] == 100
    assert not done["files"]["secrets"].exists(), "the secrets file is removed once read"


def test_a_table_read_in_key_ranges_holds_the_rows_of_one_read_per_slice(source, tmp_path):
    """Streaming (issue 11): each slice cut into many small key ranges, NULL keys included."""
    login = source["db"].login
    source["db"].run("ANALYZE TABLE `order items`", source["database"])  # the row length the engine sizes ranges by
    whole = build_spec(source, tmp_path / "whole")
    whole["tables"] = whole["tables"][1:2]
    chunked = build_spec(source, tmp_path / "chunked")
    chunked["tables"] = chunked["tables"][1:2]
    chunked["tables"][0].update(chunkColumn="k", estimatedRows=100)

    read_whole = run_arrow(tmp_path / "whole-job", whole, login)
    read_chunked = run_arrow(tmp_path / "chunked-job", chunked, login, env={"DATAOPS_ARROW_CHUNK_BYTES": "400"})

    assert read_whole["code"] == 0 and read_chunked["code"] == 0, (read_whole["result"], read_chunked["result"])
    ranges = [line for line in read_chunked["stderr"].splitlines() if "key range(s)" in line]
    counts = [int(line.split(" read in ")[1].split()[0]) for line in ranges]
    # five slices; the last (k >= 1000) holds no rows, so it is one range
    assert len(counts) == 5 and sorted(counts)[1:] == [count for count in sorted(counts)[1:] if count > 2], read_chunked["stderr"][-2000:]
    rows = {name: _comparable(_read(spec["tables"][0]["dataPath"]), "row_id") for name, spec in (("whole", whole), ("chunked", chunked))}
    assert len(rows["chunked"]) == 100 and rows["chunked"] == rows["whole"]
    assert read_chunked["result"]["result"]["tables"][0]["checksums"] == read_whole["result"]["result"]["tables"][0]["checksums"]


def test_the_lake_is_summed_by_row_and_by_column_on_request(source, tmp_path):
    """The engine sums the rows it wrote; jobs/lake_checksums.py sums each column of the same files
    (ingest asks when the source's rows differ, to name the column): both agree on the rows."""
    spec = build_spec(source, tmp_path / "lake")
    spec["tables"] = spec["tables"][1:2]
    spec["tables"][0]["columnChecksums"] = False
    done = run_arrow(tmp_path / "job", spec, source["db"].login)
    assert done["code"] == 0, done["result"]
    written = done["result"]["result"]["tables"][0]
    assert all("hash" not in column or column["hash"] is None for column in written["checksums"]["columns"].values())

    table = spec["tables"][0]
    by_column = run_python_job("lake_checksums.py", tmp_path / "sums", {
        "folder": table["dataPath"], "files": [f["path"] for f in written["files"]], "format": "parquet", "columns": table["checksumColumns"],
    })
    assert by_column["code"] == 0, by_column["result"]
    sums = by_column["result"]["result"]
    assert sums["rows"] == written["rows"] == 100 and sums["row"] == written["checksums"]["row"]
    assert {name: column["nonNull"] for name, column in sums["columns"].items()} == {name: column["nonNull"] for name, column in written["checksums"]["columns"].items()}
    assert all(isinstance(column["hash"], str) for name, column in sums["columns"].items() if column["hash"] is not None)
    assert sums["columns"]["note"]["hash"] not in (None, "0")


def test_sql_error_is_terminal_with_the_table_as_subject(source, tmp_path):
    spec = build_spec(source, tmp_path / "lake")
    # its own folder: two tables sharing one would clean each other's staging folders
    broken = dict(
        spec["tables"][2],
        table="missing",
        dataPath=str(tmp_path / "lake" / "missing"),
        query="(SELECT `id` FROM `no such table`) AS dataops_read",
        customSchema="`id` DECIMAL(20,0)",
        casts={},
    )
    spec["tables"] = [spec["tables"][2], broken]
    done = run_arrow(tmp_path / "job", spec, source["db"].login)
    assert done["code"] == 1
    error = done["result"]["error"]
    assert error["errorClass"] == "terminal" and error["subject"] == "missing", error
    assert "no such table" in error["message"]
    everything = json.dumps(done["result"]) + done["stdout"] + done["stderr"]
    assert source["db"].login["password"] not in everything
