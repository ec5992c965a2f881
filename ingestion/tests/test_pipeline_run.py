"""The pipeline-run record (ingestion/pipeline_run.py, copied into the dbt image): merging the steps'
parts into one record per run id, its bucket layout, and its warehouse row.

Stands for: what an operator or analyst reads about a run (`npm run runs`, platform.pipeline_runs).
What proves it: the real module against a real folder (the bucket's local stand-in, through the same
fsspec calls) and a real DuckDB file (own stand-in for the bucket; DuckDB is the local warehouse itself).
What it cannot prove: GCS/S3 permissions and Snowflake's SQL (the snowflake-emulated tier runs the
Snowflake path against fakesnow).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import duckdb
import pytest

from ingestion import pipeline_run as pr


def part(status: str, **extra: object) -> dict[str, object]:
    return {"status": status, "run_type": "MANUAL", "started_at": "2026-12-01T10:00:00.000Z", "finished_at": "2026-12-01T10:01:00.000Z", **extra}


@pytest.mark.parametrize(
    ("parts", "status", "failed_step"),
    [
        ({}, "QUEUED", None),
        ({"ingestion": part("RUNNING", finished_at=None)}, "RUNNING", None),
        ({"ingestion": part("SUCCESS")}, "RUNNING", None),  # dbt has yet to report
        ({"ingestion": part("FAILED", error="boom")}, "FAILED", "ingestion"),  # the flow stops: dbt never runs
        ({"ingestion": part("SUCCESS"), "dbt": part("RUNNING", finished_at=None)}, "RUNNING", None),
        ({"ingestion": part("SUCCESS"), "dbt": part("SUCCESS")}, "SUCCESS", None),
        ({"ingestion": part("SUCCESS"), "dbt": part("PARTIAL", error="test x fail")}, "PARTIAL", "dbt"),
        ({"ingestion": part("SUCCESS"), "dbt": part("FAILED", error="dbt broke")}, "FAILED", "dbt"),
        ({"ingestion": part("SKIPPED"), "dbt": part("SUCCESS")}, "SUCCESS", None),  # Fivetran loads, dbt builds
        ({"dbt": part("SUCCESS")}, "SUCCESS", None),  # a Fivetran pipeline in the cloud runs no ingestion job
        ({"ingestion": part("SKIPPED"), "dbt": part("SKIPPED")}, "SKIPPED", None),
        ({"ingestion": part("SKIPPED")}, "SKIPPED", None),  # a local source without its secrets: nothing follows
    ],
)
def test_status_of_a_run_follows_its_steps(parts, status, failed_step):
    record = pr.merge("p", "r1", parts)
    assert (record["status"], record["failed_step"]) == (status, failed_step)
    if failed_step:
        assert record["error"] == parts[failed_step]["error"]
    assert record["finished_at"] == (None if status in ("QUEUED", "RUNNING") else "2026-12-01T10:01:00.000Z")


def test_a_part_with_a_status_outside_the_vocabulary_is_refused_naming_run_step_and_value():
    with pytest.raises(ValueError, match=r"run p/r1: step dbt status 'success': expected one of QUEUED, RUNNING"):
        pr.merge("p", "r1", {"dbt": part("success")})


def test_record_holds_rows_models_tests_and_the_span_of_all_steps():
    ingestion = part("SUCCESS", started_at="2026-12-01T10:00:00.000Z", finished_at="2026-12-01T10:00:30.000Z", rows={"posts": 100, "users": 10})
    dbt = part("PARTIAL", started_at="2026-12-01T10:00:31.000Z", finished_at="2026-12-01T10:02:00.000Z", models_built=4, models_failed=0, models_skipped=0,
               tests_passed=7, tests_warned=0, tests_failed=1, tests_skipped=0, error="test unique_posts_id fail")  # fmt: skip
    record = pr.merge("p", "r1", {"ingestion": ingestion, "dbt": dbt})
    assert record["rows"] == {"posts": 100, "users": 10}
    assert record["models"] == {"built": 4, "failed": 0, "skipped": 0}
    assert record["tests"] == {"passed": 7, "warned": 0, "failed": 1, "skipped": 0}
    assert (record["started_at"], record["finished_at"], record["run_type"]) == ("2026-12-01T10:00:00.000Z", "2026-12-01T10:02:00.000Z", "MANUAL")
    assert set(record["steps"]) == {"ingestion", "dbt"}


def test_each_step_merges_its_part_and_the_record_is_rebuilt_from_all_parts(tmp_path: Path):
    store = pr.open_part_store(str(tmp_path / "artifacts"))
    pr.record_step(store, "p", "r1", "ingestion", part("SUCCESS", rows={"t": 3}))
    record, uri = pr.record_step(store, "p", "r1", "dbt", part("SUCCESS", models_built=2))
    assert uri == f"{tmp_path / 'artifacts'}/runs/p/r1.json"
    on_disk = json.loads(Path(uri).read_text())
    assert on_disk["status"] == "SUCCESS" and on_disk["rows"] == {"t": 3} and on_disk["models"] == {"built": 2}
    assert sorted(p.name for p in (tmp_path / "artifacts" / "runs" / "p" / "r1").iterdir()) == ["dbt.json", "ingestion.json"]
    # A retried step replaces its own part only.
    pr.record_step(store, "p", "r1", "dbt", part("FAILED", error="second attempt"))
    assert pr.read_record(store, "p", "r1")["steps"]["ingestion"]["rows"] == {"t": 3}
    assert json.loads(Path(uri).read_text())["failed_step"] == "dbt"


def test_concurrent_writers_of_one_run_lose_no_part(tmp_path: Path):
    # Steps of a run are sequential in the orchestrations; should two ever write at once, each part
    # survives and the record is rebuilt from both by the next write or any reader.
    store = pr.open_part_store(str(tmp_path))
    threads = [threading.Thread(target=pr.record_step, args=(store, "p", "r1", step, part("SUCCESS"))) for step in pr.STEPS for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(pr.read_record(store, "p", "r1")["steps"]) == set(pr.STEPS)
    assert not list(tmp_path.rglob("*.tmp"))


def test_secrets_are_redacted_in_parts_and_record(tmp_path: Path):
    store = pr.open_part_store(str(tmp_path))
    pr.record_step(store, "p", "r1", "ingestion", part("FAILED", error="auth failed for s3cr3t-value"), redact=lambda t: t.replace("s3cr3t-value", "[secret]"))
    assert "s3cr3t-value" not in "".join(p.read_text() for p in tmp_path.rglob("*.json"))


def test_bad_run_id_or_step_is_refused_before_anything_is_written(tmp_path: Path):
    store = pr.open_part_store(str(tmp_path))
    with pytest.raises(ValueError, match=r"run id: expected .* found '\.\./x'"):
        pr.record_step(store, "p", "../x", "dbt", part("SUCCESS"))
    with pytest.raises(ValueError, match="step 'fivetran': expected one of ingestion, dbt"):
        pr.record_step(store, "p", "r1", "fivetran", part("SUCCESS"))
    assert not list(tmp_path.rglob("*"))


def test_the_warehouse_holds_one_row_per_run_replaced_as_steps_report(tmp_path: Path):
    db = str(tmp_path / "w.duckdb")
    pr.write_duckdb(db, pr.merge("p", "r1", {"ingestion": part("SUCCESS", rows={"a": 2, "b": 3})}))
    pr.write_duckdb(db, pr.merge("p", "r1", {"ingestion": part("SUCCESS", rows={"a": 2, "b": 3}), "dbt": part("PARTIAL", models_built=1, tests_failed=2, error="x")}))
    pr.write_duckdb(db, pr.merge("p", "r2", {"ingestion": part("FAILED", error="boom")}))
    with duckdb.connect(db, read_only=True) as con:
        rows = con.sql(
            "select run_id, run_type, status, rows_loaded, models_built, tests_failed, failed_step, error, started_at, finished_at from platform.pipeline_runs order by run_id"
        ).fetchall()
        record = json.loads(con.sql("select record from platform.pipeline_runs where run_id = 'r1'").fetchall()[0][0])
    assert [r[:8] for r in rows] == [("r1", "MANUAL", "PARTIAL", 5, 1, 2, "dbt", "x"), ("r2", "MANUAL", "FAILED", 0, None, None, "ingestion", "boom")]
    assert str(rows[0][8]) == "2026-12-01 10:00:00" and str(rows[0][9]) == "2026-12-01 10:01:00"
    assert record["steps"]["dbt"]["status"] == "PARTIAL"


def test_generated_run_ids_sort_by_time_and_timestamps_are_rfc3339_utc():
    first, second = pr.new_run_id(), pr.new_run_id()
    assert first[:18] <= second[:18] and first != second
    assert pr.check_run_id(first) == first
    assert pr.now().endswith("Z") and len(pr.now()) == len("2026-12-01T10:00:00.000Z")
