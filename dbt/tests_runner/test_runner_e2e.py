"""The runner end to end on a temporary DuckDB: dbt really runs, artifacts really land."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests_runner.raw_data import execute

JSONPLACEHOLDER_MODELS = {"stg_posts", "stg_comments", "stg_users", "int_post_engagement", "fct_posts", "dim_users"}
ORDERS_MODELS = {"stg_orders", "fct_orders", "fct_daily_revenue"}

FAKE_PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDfakeKeyLine1xyz\n"
    "ZmFrZWtleWxpbmUyZmFrZWtleWxpbmUyZmFrZWtleWxpbmUyZmFrZWtleWxpbmUy\n"
    "-----END PRIVATE KEY-----\n"
)


def test_success_writes_artifacts_and_run_record(warehouse, run_runner):
    res = run_runner("build", "--select", "tag:jsonplaceholder+", "--run-id", "run-ok-1")

    assert res.returncode == 0, res.stderr[-3000:]
    s = res.summary
    assert s["status"] == "SUCCESS" and s["exit_code"] == 0
    assert s["pipeline"] == "jsonplaceholder"  # derived from the tag selection
    assert s["run_id"] == "run-ok-1"
    assert s["models_built"] == len(JSONPLACEHOLDER_MODELS)
    # Every test node dbt ran passed, and the summary counted each one (run_results.json is dbt's own list).
    assert s["tests_passed"] == len(res.executed("test")) > 0 and s["tests_failed"] == 0
    assert s["error"] is None

    run_dir = res.run_dir()
    for name in ("manifest.json", "run_results.json", "logs/dbt.log", "logs/runner.jsonl"):
        assert (run_dir / name).is_file(), name
    assert s["run_record_uri"] == str(res.artifacts_root / "runs" / "jsonplaceholder" / "run-ok-1.json")
    record = res.run_record()
    assert {k: record[k] for k in ("pipeline", "run_id", "run_type", "status", "models_built", "tests_failed")} == {
        "pipeline": "jsonplaceholder",
        "run_id": "run-ok-1",
        "run_type": "SCHEDULED",  # no DP_RUN_TYPE: the schedule's
        "status": "SUCCESS",
        "models_built": 6,
        "tests_failed": 0,
    }
    assert record["started_at"] <= record["finished_at"]
    assert "manifest.json" in json.dumps(record["artifacts"])
    assert res.executed("model") == JSONPLACEHOLDER_MODELS

    # Logs are JSON lines (stderr and the uploaded runner log), and include dbt's own events.
    for line in res.stderr.strip().splitlines() + (run_dir / "logs/runner.jsonl").read_text().splitlines():
        json.loads(line)
    events = [json.loads(line) for line in res.stderr.strip().splitlines()]
    assert any(e["event"] == "run_finished" and e["logger"] == "dbt_runner" for e in events)
    # dbt's own events keep their names (tools/local.ts counts LogModelResult / LogTestResult).
    assert sum(e["event"] == "LogModelResult" and e["logger"] == "dbt" for e in events) == 6
    assert all(e.get("run_id") == "run-ok-1" for e in events)

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        users = dict(con.execute("select username, comments_received from marts.dim_users").fetchall())
        posts = con.execute("select count(*), sum(comment_count) from marts.fct_posts").fetchone()
    finally:
        con.close()
    assert users == {"Bret": 3, "Antonette": 2, "Samantha": 0}
    assert posts == (4, 5)


def test_the_pipeline_run_record_lands_in_the_bucket_and_the_warehouse(warehouse, run_runner):
    # Stands for: an analyst querying platform.pipeline_runs, an operator reading runs/<p>/<run_id>.json.
    # Proven with the real runner, dbt and DuckDB; the Snowflake path runs in the snowflake-emulated tier.
    res = run_runner("build", "--select", "tag:jsonplaceholder+", "--run-id", "run-rec-1", env={"DP_RUN_TYPE": "MANUAL"})
    assert res.returncode == 0, res.stderr[-3000:]
    record = res.pipeline_run()
    assert (record["status"], record["run_type"], record["failed_step"]) == ("SUCCESS", "MANUAL", None)
    assert record["models"]["built"] == 6 and record["tests"]["failed"] == 0 and record["tests"]["passed"] > 0
    assert record["steps"]["dbt"]["artifacts"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("select run_id, run_type, status, models_built, tests_passed from platform.pipeline_runs").fetchall()
    finally:
        con.close()
    assert rows == [("run-rec-1", "MANUAL", "SUCCESS", 6, record["tests"]["passed"])]


def test_a_failing_build_names_dbt_as_the_failing_step_with_its_error(warehouse, run_runner):
    res = run_runner("build", "--select", "tag:nothing_has_this_tag+", "--pipeline", "jsonplaceholder", "--run-id", "run-rec-2")
    record = res.pipeline_run()
    assert (record["status"], record["failed_step"]) == ("FAILED", "dbt")
    assert "selected no models or tests" in record["error"]


@pytest.mark.parametrize("platform_var", ["CLOUD_RUN_JOB", "ECS_CONTAINER_METADATA_URI_V4"])
@pytest.mark.parametrize("artifacts", ["", "/tmp/somewhere"])
def test_a_cloud_job_without_an_artifacts_bucket_fails_clearly_and_writes_nothing(warehouse, run_runner, local_dir, platform_var, artifacts):
    # Before: the runner fell back to $DP_LOCAL_DIR/artifacts, inside the container, lost when it exits.
    res = run_runner("build", "--select", "tag:jsonplaceholder+", env={platform_var: "x", "DP_ARTIFACTS_URI": artifacts})
    assert res.returncode == 64
    assert (
        f"DP_ARTIFACTS_URI: expected gs://<bucket> or s3://<bucket> in a cloud job ({platform_var} is set), found {repr(artifacts) if artifacts else 'nothing'}"
        in res.summary["error"]
    )
    assert not (local_dir / "artifacts").exists()


def test_selection_builds_only_the_pipeline_models_and_never_logs_the_key(warehouse, run_runner):
    # A machine time zone far from UTC: order dates must still be UTC dates.
    res = run_runner("build", "--select", "tag:orders_files+", env={"SNOWFLAKE_PRIVATE_KEY": FAKE_PEM, "TZ": "Asia/Tokyo"})

    assert res.returncode == 0, res.stderr[-3000:]
    assert res.summary["status"] == "SUCCESS"
    assert res.summary["pipeline"] == "orders_files"
    assert res.executed("model") == ORDERS_MODELS
    # Tests attached to other pipelines' models did not run either.
    assert all("stg_posts" not in t and "users" not in t for t in res.executed("test"))

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        schemas = {r[0] for r in con.execute("select distinct table_schema from information_schema.tables where table_schema in ('staging','marts')").fetchall()}
        marts = {r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        first_order = con.execute("select ordered_at::varchar, order_date::varchar from marts.fct_orders where order_id = 1004").fetchone()
        revenue = con.execute("select order_date::varchar, gross_revenue, net_revenue from marts.fct_daily_revenue order by 1").fetchall()
    finally:
        con.close()
    assert first_order == ("2024-05-02 17:30:00", "2024-05-02")  # raw: 2024-05-02 17:30:00+00
    assert schemas == {"staging", "marts"}
    assert marts == {"fct_orders", "fct_daily_revenue"}
    assert [(d, float(g), float(n)) for d, g, n in revenue] == [
        ("2024-05-01", 44.48, 44.48),
        ("2024-05-02", 15.0, 15.0),
        ("2024-05-03", 49.0, 0.0),
    ]

    key_line = FAKE_PEM.splitlines()[1]
    texts = [res.stdout, res.stderr] + [p.read_text() for p in res.run_dir().rglob("*") if p.is_file()]
    assert not any(key_line in t or "BEGIN PRIVATE KEY" in t for t in texts)


def test_duplicate_id_fails_the_unique_test_and_reports_partial(warehouse, run_runner):
    execute(warehouse, "insert into raw_orders_files.orders values (1001, 9, 10, 1, 1.0, 'placed', '2024-05-04 08:00:00+00', '1700000009.1', 'dup')")

    res = run_runner("build", "--select", "tag:orders_files+", "--run-id", "run-dup")

    assert res.returncode == 1, res.stderr[-3000:]
    s = res.summary
    assert s["status"] == "PARTIAL" and s["exit_code"] == 1
    assert s["models_built"] >= 1 and s["tests_failed"] >= 1
    failed = {f["name"] for f in s["failures"]}
    assert "unique_stg_orders_order_id" in failed
    assert "unique_stg_orders_order_id" in s["error"]
    # Downstream of the failed test is skipped, and the record says so.
    assert s["models_skipped"] == 2
    record = res.run_record()
    assert record["status"] == "PARTIAL" and "unique_stg_orders_order_id" in record["error"]
    assert (res.run_dir() / "run_results.json").is_file()


def test_missing_raw_data_is_failed(local_dir, run_runner):
    # No warehouse fixture: the raw schemas do not exist, so nothing can build.
    res = run_runner("build", "--select", "tag:jsonplaceholder+")

    assert res.returncode == 2
    assert res.summary["status"] == "FAILED"
    assert res.summary["models_built"] == 0 and res.summary["models_failed"] >= 1
    assert "stg_posts" in res.summary["error"]
    # dbt's own reason, not just "model stg_posts error": the missing raw table.
    assert "raw_jsonplaceholder" in res.summary["error"] and "does not exist" in res.summary["error"], res.summary["error"]
    assert res.run_record()["status"] == "FAILED"


def test_shop_postgres_is_disabled_on_the_local_target_so_its_selection_is_empty_and_fails(warehouse, run_runner):
    # An empty selection is an error (dbt itself calls it success): the record names the pipeline,
    # the selection and the nodes of its tag that the DuckDB target disables.
    res = run_runner("build", "--select", "tag:shop_postgres+")

    assert res.returncode == 2, res.stderr[-3000:]
    s = res.summary
    assert s["status"] == "FAILED" and s["nodes_total"] == 0
    assert "pipeline shop_postgres: dbt selection 'tag:shop_postgres+' selected no models or tests on target local" in s["error"]
    assert "disabled on this target" in s["error"] and "model.data_platform.stg_customers" in s["error"]
    manifest = json.loads((res.run_dir() / "manifest.json").read_text())
    assert not any("shop_postgres" in n.get("tags", []) for n in manifest["nodes"].values())
    assert "model.data_platform.stg_customers" in manifest.get("disabled", {})
    assert res.run_record()["status"] == "FAILED"


def test_a_selection_no_model_carries_fails_naming_the_pipeline(warehouse, run_runner):
    res = run_runner("build", "--select", "tag:orders_flies+", "--pipeline", "orders_flies")

    assert res.returncode == 2, res.stderr[-3000:]
    assert res.summary["status"] == "FAILED"
    assert res.summary["error"].startswith("pipeline orders_flies: dbt selection 'tag:orders_flies+' selected no models")
    assert "disabled" not in res.summary["error"]


def test_usage_errors_exit_64_with_a_summary_line(run_runner):
    res = run_runner("build")
    assert res.returncode == 64
    assert res.summary["status"] == "FAILED" and "selection" in res.summary["error"]

    res = run_runner("build", "--select", "tag:x+", "--run-id", "../escape")
    assert res.returncode == 64


def test_snowflake_target_without_credentials_fails_fast_without_leaking(run_runner):
    res = run_runner("build", "--select", "tag:orders_files+", "--target", "snowflake", env={"SNOWFLAKE_ACCOUNT": "acme-xy12345", "SNOWFLAKE_PRIVATE_KEY": FAKE_PEM})

    assert res.returncode == 2
    assert res.summary["status"] == "FAILED"
    for name in ("SNOWFLAKE_USER", "SNOWFLAKE_ROLE", "SNOWFLAKE_WAREHOUSE"):
        assert name in res.summary["error"]
    assert "SNOWFLAKE_ACCOUNT" not in res.summary["error"]
    assert "BEGIN PRIVATE KEY" not in res.stdout + res.stderr
    assert res.run_record()["status"] == "FAILED"


def test_unstorable_artifacts_exit_3_even_when_dbt_succeeds(warehouse, run_runner, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the artifacts folder should be")

    # A selection that builds (an empty one is FAILED now, whatever the upload does).
    res = run_runner("build", "--select", "tag:orders_files+", "--artifacts-uri", str(blocker))

    assert res.returncode == 3, res.stderr[-3000:]
    assert res.summary["status"] == "SUCCESS" and res.summary["exit_code"] == 3
    assert res.summary["upload_errors"] and res.summary["run_record_uri"] is None
