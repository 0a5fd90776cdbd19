"""The arrow engine's file layouts beyond one Parquet file per slice: ORC files, and Hive-style
partition folders (`department=Sales/`) under the run folder, named as Spark names them, so both
engines write the same lake (docs/engines.md)."""

import datetime
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.compute as pc

# Spark's ExternalCatalogUtils.escapePathName: these characters become %XX (upper-case hex)
_ESCAPED = set('"#%\'*/:=?\\\x7f{[]^') | {chr(code) for code in range(1, 32)}
# what Spark writes for a NULL (and an empty string) partition value, and reads back as NULL
DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# pyarrow's ORC writer names the codecs its own way
_ORC_CODECS = {None: "uncompressed", "snappy": "snappy", "gzip": "zlib", "zstd": "zstd", "lz4": "lz4"}


def escape_path_name(text: str) -> str:
    return "".join(f"%{ord(char):02X}" if char in _ESCAPED else char for char in text)


def partition_text(value: Any) -> str:
    if value is None or value == "":
        return DEFAULT_PARTITION
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, int, str)):
        return escape_path_name(value.isoformat() if isinstance(value, datetime.date) else str(value))
    raise ValueError(f"cannot name a partition folder after a {type(value).__name__} value")


class OrcSliceWriter:
    """One slice -> one ORC file (same interface as the Parquet slice writer), opened at the first row."""

    def __init__(self, folder: str, name: str, schema: pa.Schema, codec: Optional[str]):
        self.path = os.path.join(folder, name)
        self.schema = schema
        self.compression = _ORC_CODECS.get(codec, "uncompressed")
        self.writer = None
        self.rows = 0

    def _open(self):
        if self.writer is None:
            import pyarrow.orc as orc  # only ORC tables need it

            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self.writer = orc.ORCWriter(self.path, compression=self.compression)
        return self.writer

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self._open().write(pa.Table.from_batches([batch], schema=self.schema))
            self.rows += batch.num_rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def abandon(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the file is thrown away
            pass
        self.writer = None

    def write_empty(self) -> None:
        self._open().write(self.schema.empty_table())
        self.writer.close()


WriterFactory = Callable[[str, str, pa.Schema], Any]


class PartitionedWriter:
    """Routes each batch's rows to one writer per partition folder; the partition columns are not
    stored in the files (their values are the folder names), as Spark writes them."""

    def __init__(self, folder: str, name: str, schema: pa.Schema, partition_by: Sequence[str], make: WriterFactory):
        self.folder, self.name, self.schema, self.partition_by, self.make = folder, name, schema, list(partition_by), make
        self.data_schema = pa.schema([field for field in schema if field.name not in self.partition_by])
        self.writers: Dict[Tuple[str, ...], Any] = {}

    @property
    def rows(self) -> int:
        return sum(writer.rows for writer in self.writers.values())

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        table = pa.Table.from_batches([batch])
        for key, rows in _groups(table, self.partition_by):
            writer = self.writers.get(key)
            if writer is None:
                folder = os.path.join(self.folder, *[f"{escape_path_name(column)}={text}" for column, text in zip(self.partition_by, key)])
                os.makedirs(folder, exist_ok=True)
                writer = self.writers[key] = self.make(folder, self.name, self.data_schema)
            for part in rows.select(self.data_schema.names).to_batches():
                writer.add(part)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()

    def abandon(self) -> None:
        for writer in self.writers.values():
            writer.abandon()

    def write_empty(self) -> None:
        """No rows, no partition folder: one empty file at the top carries the whole schema."""
        self.make(self.folder, self.name, self.schema).write_empty()


def _groups(table: pa.Table, columns: List[str]):
    keys = table.select(columns).group_by(columns).aggregate([])
    for values in keys.to_pylist():
        mask = None
        for column in columns:
            value = values[column]
            match = pc.is_null(table[column]) if value is None else pc.fill_null(pc.equal(table[column], pa.scalar(value, table.schema.field(column).type)), False)
            mask = match if mask is None else pc.and_(mask, match)
        yield tuple(partition_text(values[column]) for column in columns), table.filter(mask)


def data_files(folder: str, extension: str) -> List[Dict[str, Any]]:
    """Every data file under the run folder, with its path relative to it (partition folders included)."""
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in names:
            if name.endswith(extension) and not name.startswith((".", "_")):
                path = os.path.join(root, name)
                files.append({"path": os.path.relpath(path, folder), "bytes": os.path.getsize(path)})
    return sorted(files, key=lambda f: f["path"])
