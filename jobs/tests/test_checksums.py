"""The lake side's row sums (dataops_jobs/checksums.py): the CRC32 digest the ingest sums by must
hash exactly the row text the md5 digest does, the text MySQL builds (libs/reconcile sql.ts).
Run: .dataops/venv/bin/python -m pytest jobs/tests/test_checksums.py -q
"""

import hashlib
import zlib
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataops_jobs.checksums import duckdb_checksums

COLUMNS = [{"name": "id", "type": "bigint"}, {"name": "note", "type": "string"}, {"name": "amount", "type": "decimal(12,2)"},
           {"name": "raw", "type": "binary"}, {"name": "ratio", "type": "double"}]

# each row's canonical text as MySQL's CONCAT_WS builds it: hashed columns in code-point order of
# their names (amount, id, note, raw), joined by U+001F, NULL as U+001E, bytes as upper-case hex
TEXTS = [
    "12.3\u001f1\u001fa backslash \\x41 stays text\u001f00FF",
    "\u001e\u001f2\u001f\U0001F600 utf8mb4\u001f\u001e",
    "7\u001f3\u001f\u001e\u001f",
]


def _lake(folder):
    folder.mkdir()
    table = pa.table({
        "id": pa.array([1, 2, 3], pa.int64()),
        "note": pa.array(["a backslash \\x41 stays text", "\U0001F600 utf8mb4", None]),
        "amount": pa.array([Decimal("12.30"), None, Decimal("7.00")], pa.decimal128(12, 2)),
        "raw": pa.array([b"\x00\xff", None, b""], pa.binary()),
        "ratio": pa.array([0.5, None, 1.5]),
    })
    pq.write_table(table, folder / "part-00000.parquet")
    return ["part-00000.parquet"]


def _md5_sum(texts):
    return sum(int(hashlib.md5(text.encode()).hexdigest()[:15], 16) for text in texts)


def test_the_crc32_row_sum_hashes_the_row_text_mysql_builds(tmp_path):
    files = _lake(tmp_path / "lake")
    summed = duckdb_checksums(str(tmp_path / "lake"), files, "parquet", COLUMNS, by_column=False, row_digest="crc32")
    assert summed == {
        "rows": 3,
        "columns": {"id": {"nonNull": 3}, "note": {"nonNull": 2}, "amount": {"nonNull": 2}, "raw": {"nonNull": 2}, "ratio": {"nonNull": 2, "hash": None}},
        "row": str(sum(zlib.crc32(text.encode()) for text in TEXTS)),
        "rowDigest": "crc32",
    }


def test_both_digests_hash_the_same_text(tmp_path):
    files = _lake(tmp_path / "lake")
    by_md5 = duckdb_checksums(str(tmp_path / "lake"), files, "parquet", COLUMNS, by_column=False)
    assert by_md5["row"] == str(_md5_sum(TEXTS)) and "rowDigest" not in by_md5


def test_a_partitioned_table_read_once_is_summed_in_one_pass(tmp_path):
    folder = tmp_path / "lake"
    for department, ids in ((1, [1, 2]), (2, [3])):
        (folder / f"department={department}").mkdir(parents=True)
        pq.write_table(pa.table({"id": pa.array(ids, pa.int64())}), folder / f"department={department}" / "part-00000.parquet")
    columns = [{"name": "id", "type": "bigint"}, {"name": "department", "type": "int"}]
    summed = duckdb_checksums(str(folder), ["department=1/part-00000.parquet", "department=2/part-00000.parquet"], "parquet", columns,
                              by_column=False, row_digest="crc32")
    # department before id: code-point order of the names
    assert summed["rows"] == 3 and summed["row"] == str(sum(zlib.crc32(t.encode()) for t in ("1\u001f1", "1\u001f2", "2\u001f3")))


def test_crc32_sums_rows_only_and_unknown_digests_are_refused(tmp_path):
    files = _lake(tmp_path / "lake")
    with pytest.raises(ValueError, match="sums the rows only"):
        duckdb_checksums(str(tmp_path / "lake"), files, "parquet", COLUMNS, by_column=True, row_digest="crc32")
    with pytest.raises(ValueError, match="rowDigest 'sha1' is not one of md5, crc32"):
        duckdb_checksums(str(tmp_path / "lake"), files, "parquet", COLUMNS, by_column=False, row_digest="sha1")


def test_an_empty_table_sums_to_zero_by_either_digest(tmp_path):
    summed = duckdb_checksums(str(tmp_path), [], "parquet", COLUMNS[:1], by_column=False, row_digest="crc32")
    assert summed == {"rows": 0, "columns": {"id": {"nonNull": 0}}, "row": "0", "rowDigest": "crc32"}
