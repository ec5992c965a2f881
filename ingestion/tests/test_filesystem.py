"""filesystem pipelines: csv, jsonl and parquet files dropped under `<lake>/<bucket_path>/`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ORDERS = [
    {"order_id": 1, "customer_id": 10, "quantity": 2, "unit_price": 9.5, "status": "placed", "ordered_at": "2024-03-01T10:00:00Z"},
    {"order_id": 2, "customer_id": 11, "quantity": 1, "unit_price": 19.99, "status": "shipped", "ordered_at": "2024-03-01T11:00:00Z"},
    {"order_id": 3, "customer_id": 10, "quantity": 5, "unit_price": 4.99, "status": "delivered", "ordered_at": "2024-03-02T09:30:00Z"},
]


def write_file(folder: Path, name: str, fmt: str, records: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if fmt == "csv":
        header = list(records[0])
        lines = [",".join(header)] + [",".join(str(r[c]) for c in header) for r in records]
        path.write_text("\n".join(lines) + "\n")
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    else:
        pq.write_table(pa.Table.from_pylist(records), path)
    return path


def fs_source(fmt: str, **overrides: Any) -> dict[str, Any]:
    block = {
        "bucket_path": "landing/orders",
        "file_glob": f"*.{fmt}",
        "format": fmt,
        "table": "orders",
        "primary_key": "order_id",
        "write_disposition": "merge",
        "incremental": True,
    }
    return {"type": "filesystem", "filesystem": {**block, **overrides}}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_loads_each_format_with_typed_columns(workspace, capsys, fmt):
    drop = workspace.lake / "landing" / "orders"
    write_file(drop, f"day1.{fmt}", fmt, ORDERS[:2])
    write_file(drop, f"day2.{fmt}", fmt, ORDERS[2:])
    write_file(drop, "ignored.txt", "jsonl", ORDERS)  # not matched by the glob
    workspace.write_pipeline("orders_fs", fs_source(fmt))

    code, record, _ = workspace.run(capsys, "--pipeline", "orders_fs")

    assert code == 0, record
    assert record["rows"] == {"orders": 3}
    assert workspace.query("select order_id, quantity, unit_price, status from raw_orders_fs.orders order by 1") == [
        (1, 2, 9.5, "placed"),
        (2, 1, 19.99, "shipped"),
        (3, 5, 4.99, "delivered"),
    ]
    types = dict(workspace.query("select column_name, data_type from information_schema.columns where table_schema = 'raw_orders_fs' and table_name = 'orders'"))
    assert types["order_id"] == "BIGINT" and types["unit_price"] == "DOUBLE"
    # Every raw table carries dlt's lineage columns, whatever the reader (the dbt models read them).
    assert {"_dlt_load_id", "_dlt_id"} <= set(types)
    assert workspace.query("select count(*) from raw_orders_fs.orders where _dlt_load_id is null or _dlt_id is null") == [(0,)]


def test_incremental_only_reads_new_or_changed_files_and_merges_on_primary_key(workspace, capsys):
    drop = workspace.lake / "landing" / "orders"
    first = write_file(drop, "day1.csv", "csv", ORDERS[:2])
    workspace.write_pipeline("orders_inc", fs_source("csv"))
    assert workspace.run(capsys, "--pipeline", "orders_inc")[1]["rows"] == {"orders": 2}

    # Nothing new: nothing loaded, even from a fresh container.
    workspace.forget_local_state()
    code, record, _ = workspace.run(capsys, "--pipeline", "orders_inc")
    assert code == 0 and record["rows"] == {}

    # A new file, and a re-export of day 1 with a changed status: only those two files are read.
    write_file(drop, "day2.csv", "csv", ORDERS[2:])
    write_file(drop, "day1.csv", "csv", [{**ORDERS[0], "status": "cancelled"}, ORDERS[1]])
    later = first.stat().st_mtime + 10
    for p in (drop / "day1.csv", drop / "day2.csv"):
        os.utime(p, (later, later))
    code, record, _ = workspace.run(capsys, "--pipeline", "orders_inc")
    assert code == 0 and record["rows"] == {"orders": 3}
    assert workspace.query("select order_id, status from raw_orders_inc.orders order by 1") == [(1, "cancelled"), (2, "shipped"), (3, "delivered")]


def test_merge_without_primary_key_is_rejected_with_the_field(workspace, capsys):
    path = workspace.write_pipeline("nopk", fs_source("csv", primary_key=None))
    code, record, _ = workspace.run(capsys, "--pipeline", "nopk")
    assert code == 1
    assert str(path) in record["error"] and "source.filesystem.primary_key" in record["error"]


def test_shipped_sample_orders_match_the_orders_files_contract():
    """The offline platform drops these files; the dbt project models their columns and statuses."""
    import csv

    folder = Path(__file__).resolve().parents[1] / "sample_data" / "landing" / "orders"
    files = sorted(folder.glob("*.csv"))
    assert 2 <= len(files) <= 3
    rows = [r for f in files for r in csv.DictReader(f.open())]
    assert 150 <= len(rows) <= 250
    assert list(rows[0]) == ["order_id", "customer_id", "product_id", "quantity", "unit_price", "status", "ordered_at"]
    assert {r["status"] for r in rows} <= {"placed", "shipped", "delivered", "cancelled", "returned"}
    assert len({r["order_id"] for r in rows}) == len(rows)


def warnings_in(stderr: str) -> list[str]:
    """The WARNING-or-worse lines of a run's JSON log (ingestion/logs.py), dlt's included."""
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [line["message"] for line in lines if line.get("severity") in ("WARNING", "ERROR", "CRITICAL")]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_arrow_files_with_a_primary_key_load_without_a_schema_warning(workspace, capsys, fmt):
    # Stands for: the shipped orders_files pipeline (csv, merge on order_id) loading quietly. dlt
    # declares a primary key column not null while Arrow readers declare every column nullable;
    # unless the batch's schema agrees, dlt warns "several column hints were different" on every
    # load. Proven by a real dlt run into DuckDB; the key column must still be NOT NULL in the table.
    write_file(workspace.lake / "landing" / "orders", f"day1.{fmt}", fmt, ORDERS)
    workspace.write_pipeline("orders_pk", fs_source(fmt))

    code, record, err = workspace.run(capsys, "--pipeline", "orders_pk")

    assert code == 0, record
    assert warnings_in(err) == []
    assert workspace.query("select is_nullable from information_schema.columns where table_schema = 'raw_orders_pk' and table_name = 'orders' and column_name = 'order_id'") == [
        ("NO",)
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([{**ORDERS[0], "order_id": None}, ORDERS[1]], "a key column with a value in every row (1 row(s) have none)"),
        ([{k: v for k, v in r.items() if k != "order_id"} for r in ORDERS], "a column of the files (they have customer_id, quantity"),
    ],
    ids=["null key", "no key column"],
)
def test_a_file_whose_primary_key_is_missing_or_empty_fails_with_the_field(workspace, capsys, rows, expected):
    # Stands for: a partner's export without a key (or with a blank one) stopping the run with the
    # spec's field, instead of dlt loading rows that cannot merge. Real dlt run; parquet keeps the null.
    write_file(workspace.lake / "landing" / "orders", "day1.parquet", "parquet", rows)
    path = workspace.write_pipeline("orders_badkey", fs_source("parquet"))

    code, record, _ = workspace.run(capsys, "--pipeline", "orders_badkey")

    assert code == 1 and record["status"] == "FAILED"
    assert f"{path}: source.filesystem.primary_key: expected {expected}" in record["error"], record["error"]
