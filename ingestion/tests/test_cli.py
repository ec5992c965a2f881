"""The command line: exit codes, run records, skipped Fivetran pipelines, clear errors, cloud wiring."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_fivetran_pipeline_is_skipped_with_a_reason_and_a_run_record(workspace, capsys):
    workspace.write_pipeline("shop_pg", {"type": "fivetran", "fivetran": {"service": "postgres", "destination_schema": "shop_pg"}})

    code, record, err = workspace.run(capsys, "--pipeline", "shop_pg")

    assert code == 0
    assert record["status"] == "SKIPPED" and "Fivetran loads" in record["reason"]
    assert workspace.records("shop_pg") == [record]
    # Nothing was loaded: the warehouse holds the run's record and no dataset.
    assert workspace.query("select schema_name from information_schema.schemata where schema_name like 'raw_%'") == []
    assert workspace.query("select pipeline, status, failed_step from platform.pipeline_runs") == [("shop_pg", "SKIPPED", None)]
    assert all(json.loads(line)["severity"] for line in err.splitlines())  # stderr is JSON lines only


def test_run_record_has_the_contract_fields(workspace, capsys, monkeypatch):
    monkeypatch.delenv("DP_RUN_TYPE", raising=False)
    workspace.write_pipeline("shop_pg", {"type": "fivetran", "fivetran": {"service": "postgres", "destination_schema": "shop_pg"}})
    _, record, _ = workspace.run(capsys, "--pipeline", "shop_pg", "--run-id", "run-42")
    assert (workspace.local / "artifacts" / "runs" / "shop_pg" / "run-42" / "ingestion.json").is_file()
    assert {"pipeline", "run_id", "status", "started_at", "finished_at", "rows", "error"} <= set(record)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["started_at"]), "RFC 3339 UTC with milliseconds, as the logs' time"
    assert record["run_id"] == "run-42"
    assert record["run_type"] == "SCHEDULED", "a run nobody labelled is the schedule's"
    monkeypatch.setenv("DP_RUN_TYPE", "MANUAL")
    workspace.run(capsys, "--pipeline", "shop_pg", "--run-id", "run-43")
    assert workspace.pipeline_run("shop_pg", "run-43")["run_type"] == "MANUAL"


def test_unknown_pipeline_names_the_file_and_known_pipelines(workspace, capsys):
    workspace.write_pipeline("exists", {"type": "fivetran", "fivetran": {"service": "postgres", "destination_schema": "x"}})
    code = main(["run", "--pipeline", "nope"])
    err = capsys.readouterr().err
    assert code == 2
    event = json.loads(err.splitlines()[-1])
    assert "nope.yaml" in event["error"] and "known pipelines: exists" in event["error"]


@pytest.mark.parametrize(
    ("source", "code", "field", "found"),
    [
        # Not a pipeline ingestion can read: exit 2, nothing ran, no run record.
        ({"type": "kafka", "kafka": {}}, 2, "source.type", "'kafka'"),
        # Readable, but the source cannot be built: the run FAILED and its record says why.
        ({"type": "filesystem", "filesystem": {"bucket_path": "a/b", "format": "xml", "table": "t"}}, 1, "source.filesystem.format", "'xml'"),
        ({"type": "rest_api", "rest_api": {"client": {"base_url": "ftp://x"}, "resources": ["a"]}}, 1, "source.rest_api.client.base_url", "'ftp://x'"),
    ],
)
def test_spec_it_cannot_handle_fails_with_file_field_expected_found(workspace, capsys, source, code, field, found):
    path = workspace.write_pipeline("bad", source)
    assert main(["run", "--pipeline", "bad"]) == code
    out, err = capsys.readouterr()
    message = json.loads(out.splitlines()[-1])["error"] if code == 1 else json.loads(err.splitlines()[-1])["error"]
    assert (out.strip() != "") == (code == 1)  # a run record only when a run happened
    assert f"{path}: {field}: expected " in message and f"found {found}" in message


def test_name_must_match_the_file_name(workspace, capsys):
    path = workspace.write_pipeline("right", {"type": "fivetran", "fivetran": {"service": "postgres", "destination_schema": "x"}})
    path.rename(workspace.pipelines / "wrong.yaml")
    code = main(["run", "--pipeline", "wrong"])
    assert code == 2
    assert "name: expected 'wrong' (the file name), found 'right'" in capsys.readouterr().err


def test_spec_can_arrive_as_json_in_the_environment(workspace, capsys, monkeypatch):
    monkeypatch.setenv("DP_PIPELINE_SPEC", json.dumps({"name": "injected", "source": {"type": "fivetran", "fivetran": {"service": "x", "destination_schema": "x"}}}))
    code, record, _ = workspace.run(capsys, "--pipeline", "injected")
    assert code == 0 and record["pipeline"] == "injected"


def test_cloud_target_without_bucket_fails_before_anything_runs(workspace, capsys):
    workspace.write_pipeline("shop_pg", {"type": "fivetran", "fivetran": {"service": "postgres", "destination_schema": "x"}})
    code = main(["run", "--pipeline", "shop_pg", "--target", "cloud"])
    assert code == 2
    assert "DP_RAW_BUCKET_URI: expected gs://<bucket> or s3://<bucket>, found nothing" in capsys.readouterr().err


def test_cloud_target_without_artifacts_bucket_fails_before_anything_runs(workspace, capsys, monkeypatch):
    # The run record would otherwise land in the container's scratch disk and vanish with it.
    workspace.write_pipeline("shop_pg", {"type": "fivetran", "fivetran": {"service": "postgres", "destination_schema": "x"}})
    monkeypatch.setenv("DP_RAW_BUCKET_URI", "gs://acme-dev-raw")
    monkeypatch.setenv("DP_ARTIFACTS_URI", "/tmp/artifacts")
    code = main(["run", "--pipeline", "shop_pg", "--target", "cloud"])
    assert code == 2
    assert "DP_ARTIFACTS_URI: expected gs://<bucket> or s3://<bucket> (the artifacts bucket, for the run record), found '/tmp/artifacts'" in capsys.readouterr().err


def test_cloud_target_loads_snowflake_through_the_raw_bucket_with_a_key_pair(workspace, monkeypatch):
    from ingestion.destinations import destination_kwargs
    from ingestion.settings import paths_for

    monkeypatch.setenv("DP_RAW_BUCKET_URI", "s3://acme-dev-raw/")
    monkeypatch.setenv("DP_DLT_STAGING_URI", "s3://acme-dev-raw/dlt")
    monkeypatch.setenv("DP_ARTIFACTS_URI", "s3://acme-dev-artifacts")
    pem = "-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END PRIVATE KEY-----\n"
    for name, value in {
        "SNOWFLAKE_ACCOUNT": "ab12345.eu-west-1",
        "SNOWFLAKE_USER": "LOADER",
        "SNOWFLAKE_ROLE": "LOADER_ROLE",
        "SNOWFLAKE_WAREHOUSE": "LOAD_WH",
        "SNOWFLAKE_DATABASE": "DEV_RAW",
        "SNOWFLAKE_PRIVATE_KEY": pem,
    }.items():
        monkeypatch.setenv(name, value)

    paths = paths_for("cloud")
    kwargs = destination_kwargs(paths)

    assert paths.lake("dlt", "p") == "s3://acme-dev-raw/dlt/p"
    assert paths.artifacts_uri == "s3://acme-dev-artifacts"
    assert kwargs["destination"].destination_name == "snowflake"
    assert kwargs["staging"].config_params["bucket_url"] == "s3://acme-dev-raw/dlt"
    creds = kwargs["destination"].config_params["credentials"]
    assert creds["private_key"] == pem and "password" not in creds
    assert (creds["host"], creds["username"], creds["database"], creds["role"]) == ("ab12345.eu-west-1", "LOADER", "DEV_RAW", "LOADER_ROLE")
    # The bucket is the lake: dlt must not delete earlier load files from the staging folder.
    assert kwargs["destination"].config_params["truncate_tables_on_staging_destination_before_load"] is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "DP_DLT_STAGING_URI expected (the folder the Snowflake stage points at), found unset"),
        ("s3://other-bucket/dlt", "DP_DLT_STAGING_URI: expected a folder inside s3://acme-dev-raw, found s3://other-bucket/dlt"),
    ],
)
def test_cloud_target_stages_only_in_the_folder_the_platform_names(workspace, monkeypatch, value, message):
    """The stage points at DP_DLT_STAGING_URI (the platform sets both from one rule): guessing it would make COPY miss every file."""
    from ingestion.destinations import destination_kwargs
    from ingestion.errors import ConfigurationError
    from ingestion.settings import paths_for

    monkeypatch.setenv("DP_RAW_BUCKET_URI", "s3://acme-dev-raw")
    monkeypatch.setenv("DP_ARTIFACTS_URI", "s3://acme-dev-artifacts")
    if value:
        monkeypatch.setenv("DP_DLT_STAGING_URI", value)
    else:
        monkeypatch.delenv("DP_DLT_STAGING_URI", raising=False)
    for name in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_ROLE", "SNOWFLAKE_WAREHOUSE", "SNOWFLAKE_DATABASE", "SNOWFLAKE_PRIVATE_KEY"):
        monkeypatch.setenv(name, "x")
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        destination_kwargs(paths_for("cloud"))


def test_cloud_target_names_missing_snowflake_variables(workspace, monkeypatch):
    from ingestion.destinations import destination_kwargs
    from ingestion.errors import ConfigurationError
    from ingestion.settings import paths_for

    monkeypatch.setenv("DP_RAW_BUCKET_URI", "gs://acme-dev-raw")
    monkeypatch.setenv("DP_ARTIFACTS_URI", "gs://acme-dev-artifacts")
    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "x")
    with pytest.raises(ConfigurationError, match="SNOWFLAKE_USER, SNOWFLAKE_ROLE, SNOWFLAKE_WAREHOUSE, SNOWFLAKE_DATABASE, SNOWFLAKE_PRIVATE_KEY"):
        destination_kwargs(paths_for("cloud"))


def test_module_entry_point_runs_as_a_process(workspace):
    """`python -m ingestion` is the image's ENTRYPOINT; `run --help` its default CMD."""
    env = {**os.environ, "DP_LOCAL_DIR": str(workspace.local)}
    help_run = subprocess.run([sys.executable, "-m", "ingestion", "run", "--help"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert help_run.returncode == 0 and "--pipeline" in help_run.stdout

    workspace.write_pipeline("shop_pg", {"type": "fivetran", "fivetran": {"service": "postgres", "destination_schema": "x"}})
    env["DP_PIPELINES_DIR"] = str(workspace.pipelines)
    proc = subprocess.run([sys.executable, "-m", "ingestion", "run", "--pipeline", "shop_pg"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["status"] == "SKIPPED"


def test_shipped_pipelines_parse(workspace):
    from ingestion.spec import load_spec

    paths = sorted((REPO_ROOT / "pipelines").glob("*.yaml"))
    assert paths, "no pipelines/*.yaml found: the test would pass on nothing"
    for path in paths:
        load_spec(path.stem, path.parent)  # raises SpecError on anything ingestion cannot read


def test_run_status_vocabulary_and_initial_status():
    """The pipeline-run vocabulary (test/local/run-status.test.ts checks it against tools/run-status.ts)."""
    from ingestion.run_record import STATUSES, RunRecord

    assert STATUSES == ("QUEUED", "RUNNING", "SUCCESS", "PARTIAL", "FAILED", "SKIPPED")
    record = RunRecord(pipeline="p", run_id="r", target="local", source_type="rest_api")
    assert record.status == "RUNNING"
    with pytest.raises(ValueError):
        record.finish("succeeded")
    assert json.loads(record.finish("SUCCESS").to_json())["status"] == "SUCCESS"
