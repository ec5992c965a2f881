"""The fast paths of a local load keep what dlt gives every load (issue 20).

Each test runs the real CLI (dlt, DuckDB) in-process on a throwaway `.local/`; what proves it is the
warehouse and dlt's own load package read back afterwards. What they cannot prove: speed (that is
`npm run bench:local`), or the cloud path (Snowflake staging), which these changes leave to dlt.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.cli import serve
from ingestion.row_ids import ID_CHARS, add_dlt_ids, random_ids
from ingestion.tests.test_rest_api import rest_source, rows


def completed_files(workspace, pipeline: str) -> list[Path]:
    """The files dlt loaded, from its own load packages."""
    return sorted((workspace.local / "dlt" / pipeline / "load" / "loaded").glob("*/completed_jobs/*"))


def test_random_ids_are_unique_fixed_width_text():
    # Stands for: `_dlt_id` is a unique row id. Proven on 200k ids; cannot prove a collision bound.
    ids = random_ids(200_000)
    assert ids.type == pa.string() and ids.null_count == 0
    assert set(len(s) for s in ids.to_pylist()) == {ID_CHARS}
    assert len(set(ids.to_pylist())) == 200_000


def test_add_dlt_ids_touches_arrow_only_and_keeps_a_sources_own_ids():
    table = pa.table({"a": [1, 2, 3]})
    with_ids = add_dlt_ids(table)
    assert with_ids.schema.names == ["a", "_dlt_id"] and not with_ids.schema.field("_dlt_id").nullable
    batch = add_dlt_ids(pa.record_batch({"a": [1]}))
    assert batch.schema.names == ["a", "_dlt_id"]
    assert add_dlt_ids(with_ids) is with_ids  # already there: kept, not replaced
    row = {"a": 1}
    assert add_dlt_ids(row) is row  # dict rows: dlt's normalizer gives them theirs


def test_parquet_load_is_imported_as_extracted_and_keeps_dlt_columns(workspace, capsys, monkeypatch):
    # Stands for: normalize no longer rewrites Arrow files, yet every row has `_dlt_id` (unique, not
    # null, dlt's row key) and `_dlt_load_id`, and the schema records dlt's hints. Proven by the
    # table, dlt's stored schema, and dlt's rewrite routine never being called (normalize runs in
    # this process: dlt's pool is "none" with one worker).
    folder = workspace.lake / "drop"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"id": list(range(5000)), "name": [f"n{i}" for i in range(5000)]}), folder / "part.parquet")
    workspace.write_pipeline(
        "pq", {"type": "filesystem", "filesystem": {"bucket_path": "drop", "file_glob": "*.parquet", "format": "parquet", "table": "items", "incremental": False}}
    )

    from dlt.normalize.items_normalizers.arrow import ArrowItemsNormalizer

    rewrites: list[str] = []
    real_rewrite = ArrowItemsNormalizer._write_with_dlt_columns

    def counting_rewrite(self, extracted_items_file, *args, **kwargs):
        rewrites.append(extracted_items_file)
        return real_rewrite(self, extracted_items_file, *args, **kwargs)

    monkeypatch.setattr(ArrowItemsNormalizer, "_write_with_dlt_columns", counting_rewrite)
    code, record, _ = workspace.run(capsys, "--pipeline", "pq")

    assert code == 0, record
    assert rewrites == []
    assert record["rows"] == {"items": 5000}
    assert workspace.query("select count(*), count(distinct _dlt_id), count(_dlt_load_id), count(distinct _dlt_load_id) from raw_pq.items") == [(5000, 5000, 5000, 1)]
    assert workspace.query("select is_nullable from information_schema.columns where table_schema = 'raw_pq' and table_name = 'items' and column_name = '_dlt_id'") == [("NO",)]
    schema = json.loads(next((workspace.local / "dlt" / "pq" / "schemas").glob("*.schema.json")).read_text())
    dlt_id = schema["tables"]["items"]["columns"]["_dlt_id"]
    assert dlt_id["data_type"] == "text" and dlt_id.get("row_key") is True and dlt_id.get("unique") is True


def test_local_rest_load_uses_parquet_files_not_insert_statements(workspace, api, capsys):
    # Stands for: a local REST load hands DuckDB parquet files (bulk read), not dlt's insert_values
    # SQL text; rows, `_dlt_id` and `_dlt_load_id` as before. Proven by dlt's completed load jobs.
    api.tables["items"] = rows(30)
    workspace.write_pipeline("restpq", rest_source(api.base_url))

    code, record, _ = workspace.run(capsys, "--pipeline", "restpq")

    assert code == 0, record
    # `.sql` is the merge follow-up job (the table is write_disposition merge), not a data file.
    loaded = [p.name for p in completed_files(workspace, "restpq") if p.name.startswith("items.") and not p.name.endswith(".sql")]
    assert loaded and all(name.endswith(".parquet") for name in loaded), loaded
    assert workspace.query("select count(*), count(distinct _dlt_id), count(_dlt_load_id) from raw_restpq.items") == [(30, 30, 30)]


def test_serve_runs_each_request_like_a_run_process_and_releases_duckdb(workspace, api, capsys):
    # Stands for: the local run's one ingestion process answers each pipeline with that run's record
    # and exit code, keeps serving after a bad request or a failed run, and leaves the DuckDB file
    # free between runs (dbt, another process, opens it). Proven by opening the file for writing
    # between requests, as another process would; cannot prove behaviour under a real second process.
    api.tables["items"] = rows(7)
    workspace.write_pipeline("one", rest_source(api.base_url))
    workspace.write_pipeline("two", rest_source("http://127.0.0.1:9/"))  # nothing listens: FAILED

    class Requests(io.StringIO):
        def __iter__(self):
            yield json.dumps(["run", "--pipeline", "one"]) + "\n"
            with duckdb.connect(str(workspace.local / "warehouse.duckdb")) as con:  # writable: not locked
                con.sql("create table public_probe as select 1 as x")
            yield "not json\n"
            yield json.dumps(["run", "--pipeline", "two"]) + "\n"
            yield json.dumps(["run", "--pipeline", "one"]) + "\n"

    assert serve(Requests()) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert answers[0] == {"ready": True}
    first, bad, failed, again = answers[1:]
    assert (first["pipeline"], first["status"], first["rows"], first["exit_code"]) == ("one", "SUCCESS", {"items": 7}, 0)
    assert bad["status"] == "FAILED" and bad["exit_code"] == 2 and "bad request" in bad["error"]
    assert (failed["pipeline"], failed["status"], failed["exit_code"]) == ("two", "FAILED", 1)
    assert (again["status"], again["exit_code"]) == ("SUCCESS", 0)
    assert first["run_id"] != again["run_id"]
    assert [r["status"] for r in workspace.records("one")] == ["SUCCESS", "SUCCESS"]
