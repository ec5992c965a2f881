"""The docs and data-quality site (dbt_runner/site.py, issue #19 point 5).

Stands for: what a reader of `.local/site/` (npm run site) or of the artifacts bucket's `site/` prefix
sees: every model, its last build, its tests, and a failing test shown as failing. Proof: the report
built from real dbt builds on DuckDB (the runner as a subprocess, as the job runs it), and from
hand-written artifacts for the corner cases (a test no run executed; markup in a message). A real
browser reads the pages in the `site` tier (test/tiers/site/). Cannot prove: that the cloud bucket
serves them to the readers (IAM is checked under mocks), or Snowflake's catalog for dbt docs.
"""

from __future__ import annotations

import json

import duckdb

from dbt_runner.site import FAILING, Run, build_report, render_html


def _duplicate_order(warehouse) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("insert into raw_orders_files.orders values (1001, 9, 10, 1, 1.0, 'placed', '2024-05-04 08:00:00+00', '1700000009.1', 'dup')")
    finally:
        con.close()


MANIFEST = {
    "nodes": {
        "model.p.stg_a": {"resource_type": "model", "name": "stg_a", "schema": "main", "tags": ["p"], "config": {"materialized": "view"}},
        "test.p.unique_stg_a_id.1": {"resource_type": "test", "name": "unique_stg_a_id", "attached_node": "model.p.stg_a", "column_name": "id"},
        "test.p.not_null_stg_a_id.2": {"resource_type": "test", "name": "not_null_stg_a_id", "attached_node": "model.p.stg_a", "column_name": "id"},
        "test.p.never_run.3": {"resource_type": "test", "name": "never_run", "attached_node": "model.p.stg_a"},
    }
}


def test_report_marks_failing_tests_and_never_calls_an_unrun_test_passing():
    results = {
        "results": [
            {"unique_id": "model.p.stg_a", "status": "success"},
            {"unique_id": "test.p.unique_stg_a_id.1", "status": "fail", "failures": 2, "message": "Got 2 results, configured to fail if != 0 <script>x</script>"},
            {"unique_id": "test.p.not_null_stg_a_id.2", "status": "pass", "failures": 0},
        ]
    }
    report = build_report(MANIFEST, [Run("p", "r1", "PARTIAL", "2026-01-01T00:00:00Z", results)], "now")
    by = {t["name"]: t for t in report.tests}
    assert by["unique_stg_a_id"]["status"] == "fail" and by["unique_stg_a_id"]["failures"] == 2
    assert by["not_null_stg_a_id"]["status"] == "pass"
    assert by["never_run"]["status"] == "not run"
    [model] = report.models
    assert (model["name"], model["status"], model["tests_total"], model["tests_failing"]) == ("stg_a", "success", 3, 1)
    page = render_html(report)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page, "messages are escaped"
    # Failing tests are listed first.
    rows = [line for line in page.splitlines() if line.startswith('<tr class="test"')]
    assert 'data-status="fail"' in rows[0]


def test_a_later_run_replaces_an_earlier_result():
    old = Run("p", "r1", "PARTIAL", "2026-01-01T00:00:00Z", {"results": [{"unique_id": "test.p.unique_stg_a_id.1", "status": "fail"}]})
    new = Run("p", "r2", "SUCCESS", "2026-01-02T00:00:00Z", {"results": [{"unique_id": "test.p.unique_stg_a_id.1", "status": "pass"}]})
    report = build_report(MANIFEST, [new, old], "now")
    assert next(t for t in report.tests if t["name"] == "unique_stg_a_id")["status"] == "pass"


def test_the_job_publishes_its_runs_site_under_site_prefix_when_asked(warehouse, run_runner):
    _duplicate_order(warehouse)
    res = run_runner("build", "--select", "tag:orders_files+", "--run-id", "run-site", env={"DP_PUBLISH_SITE": "1"}, timeout=180)
    assert res.summary["status"] == "PARTIAL", res.stderr[-3000:]
    site = res.artifacts_root / "site" / "orders_files" / "run-site"
    assert sorted(p.name for p in site.iterdir()) == ["docs.html", "index.html", "report.json"], res.summary.get("site_error")
    record = res.run_record()
    assert record["site_error"] is None
    assert record["artifacts"]["site/index.html"].endswith("site/orders_files/run-site/index.html")
    report = json.loads((site / "report.json").read_text())
    failing = {t["name"] for t in report["tests"] if t["status"] in FAILING}
    assert failing == {"unique_stg_orders_order_id"}
    assert {m["name"] for m in report["models"] if m["pipeline"] == "orders_files"} >= {"stg_orders", "fct_orders"}
    assert "stg_orders" in (site / "docs.html").read_text()


def test_no_site_without_the_switch(warehouse, run_runner):
    res = run_runner("build", "--select", "tag:orders_files+", "--run-id", "run-nosite")
    assert res.summary["status"] == "SUCCESS", res.stderr[-3000:]
    assert not (res.artifacts_root / "site").exists()
    assert not any(k.startswith("site/") for k in res.run_record()["artifacts"])


def test_site_command_builds_from_the_newest_local_runs(warehouse, run_runner, local_dir):
    assert run_runner("build", "--select", "tag:orders_files+", "--run-id", "run-a").summary["status"] == "SUCCESS"
    _duplicate_order(warehouse)
    assert run_runner("build", "--select", "tag:orders_files+", "--run-id", "run-b").summary["status"] == "PARTIAL"
    res = run_runner("site", timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    assert res.summary["tests_failing"] == 1 and res.summary["runs"][0]["run_id"] == "run-b"
    assert sorted(p.name for p in (local_dir / "site").iterdir()) == ["docs.html", "index.html", "report.json"]


def test_site_command_without_runs_says_to_run_local_first(run_runner):
    res = run_runner("site")
    assert res.returncode == 2
    assert "npm run local" in res.summary["error"]
