"""`source.type: filesystem` → dlt's filesystem source over `<raw bucket>/<bucket_path>/`.

CSV is read by DuckDB (typed columns, no pandas), parquet as Arrow batches, JSON lines as records.
`incremental: true` only picks up files modified since the last successful run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dlt
from dlt.sources.filesystem import filesystem, read_csv_duckdb, read_jsonl, read_parquet

from ..errors import SpecError
from ..row_ids import with_row_ids
from ..spec import require
from . import SourceContext

# Readers whose items are Arrow tables: dlt's normalizer does not give them `_dlt_id`; row_ids does.
ARROW_FORMATS = ("csv", "parquet")
READERS = {
    "csv": lambda: read_csv_duckdb(use_pyarrow=True, chunk_size=100_000),
    "jsonl": lambda: read_jsonl(chunksize=10_000),
    "parquet": lambda: read_parquet(use_pyarrow=True, chunksize=100_000),
}


def build_filesystem_source(ctx: SourceContext) -> Any:
    spec, block, prefix = ctx.spec, ctx.spec.source, "source.filesystem"
    bucket_path = require(spec, block, "bucket_path", str, "a folder like landing/orders", prefix).strip("/")
    fmt = block.get("format")
    if fmt not in READERS:
        raise SpecError(spec.file, f"{prefix}.format", "csv, jsonl or parquet", fmt)
    table = require(spec, block, "table", str, "a table name", prefix)
    file_glob = block.get("file_glob") or "*"
    write_disposition = block.get("write_disposition") or "append"
    if write_disposition == "merge" and not block.get("primary_key"):
        raise SpecError(spec.file, f"{prefix}.primary_key", "a column (write_disposition merge needs one)", None)

    files = filesystem(bucket_url=ctx.paths.lake(bucket_path), file_glob=file_glob)
    if block.get("incremental", True):
        files.apply_hints(incremental=dlt.sources.incremental("modification_date"))
    reader = (files | READERS[fmt]()).with_name(table)
    hints: dict[str, Any] = {"write_disposition": write_disposition}
    if block.get("primary_key"):
        hints["primary_key"] = block["primary_key"]
    reader.apply_hints(**hints)
    if fmt not in ARROW_FORMATS:
        return reader
    if block.get("primary_key"):
        reader = reader.add_map(keys_not_null(spec.file, f"{prefix}.primary_key", block["primary_key"]))
    return with_row_ids(reader)


def keys_not_null(file: str, field: str, primary_key: str | list[str]) -> Callable[[Any], Any]:
    """A map step for Arrow data: the primary key columns, checked to hold a value in every row and
    declared not null in the batch's schema.

    A primary key hint makes dlt declare its columns not null, while an Arrow reader (DuckDB's CSV
    reader, a parquet file) declares every column nullable; dlt then warns on every load that the
    two schemas disagree and leaves it to the destination. Here the data says what the hint says,
    checked rather than assumed: a file without the key column, or with a row that lacks a key,
    fails the run with the spec's field instead of loading rows that cannot merge."""
    columns = [primary_key] if isinstance(primary_key, str) else list(primary_key)

    def enforce(item: Any) -> Any:
        import pyarrow as pa

        if not isinstance(item, (pa.Table, pa.RecordBatch)):
            return item
        schema = item.schema
        for column in columns:
            index = schema.get_field_index(column)
            if index < 0:
                raise SpecError(file, field, f"a column of the files (they have {', '.join(schema.names)})", column)
            nulls = item.column(index).null_count
            if nulls:
                raise SpecError(file, field, f"a key column with a value in every row ({nulls} row(s) have none)", column)
            schema = schema.set(index, schema.field(index).with_nullable(False))
        return item if schema.equals(item.schema) else item.cast(schema)

    return enforce
