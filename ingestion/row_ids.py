"""`_dlt_id` for Arrow data (csv through DuckDB, parquet), made in bulk while extracting.

dlt's row-wise normalizer gives every dict row a `_dlt_id`; Arrow data skips it, and dlt's option to
add the column anyway (`NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID`) makes normalize read and rewrite
every extracted parquet file, building the ids one Python call per row (about 4 s per million rows
on a loaded 2-core machine, most of a local parquet load). Here the column is appended to each Arrow
batch as it is extracted, from one block of random bytes per batch (about 0.05 s per million), so
normalize finds nothing to change and imports the extracted file as it is. Same column for the
loaders and dbt: `_dlt_id`, text, not null, unique, dlt's row key; `_dlt_load_id` stays dlt's.
"""

from __future__ import annotations

import base64
import os
from typing import Any

DLT_ID = "_dlt_id"
# 15 random bytes = 120 bits per id (collision odds negligible at any table size we load), which
# base64 encodes into exactly 20 characters without padding: fixed width, so one buffer holds all.
ID_BYTES = 15
ID_CHARS = 20


def random_ids(n: int) -> Any:
    """`n` unique ids as an Arrow string array, without a Python call per row."""
    import pyarrow as pa

    raw = base64.b64encode(os.urandom(ID_BYTES * n))
    fixed = pa.Array.from_buffers(pa.binary(ID_CHARS), n, [None, pa.py_buffer(raw)])
    return fixed.cast(pa.string())


def add_dlt_ids(item: Any) -> Any:
    """A map step for any resource: Arrow tables and batches get `_dlt_id`; dict rows pass
    unchanged (dlt's relational normalizer gives them theirs); a source's own `_dlt_id` is kept."""
    import pyarrow as pa

    if not isinstance(item, (pa.Table, pa.RecordBatch)) or DLT_ID in item.schema.names:
        return item
    return item.append_column(pa.field(DLT_ID, pa.string(), nullable=False), random_ids(item.num_rows))


def with_row_ids(resource: Any) -> Any:
    """`add_dlt_ids` on a resource that yields Arrow data, with the hints dlt itself gives `_dlt_id`
    (merged into the resource's columns, not replacing them)."""
    from dlt.common.schema.utils import dlt_id_column

    return resource.add_map(add_dlt_ids).apply_hints(columns=[dlt_id_column()])
