"""The docs and data-quality site: dbt's own docs (`dbt docs generate --static`, one self-contained
page) and a data-quality report built here from dbt's `manifest.json` and `run_results.json`.

Why not elementary's report: its dbt package is installed with `dbt deps` from dbt Hub / GitHub,
which the image build and this project's offline runs cannot reach (only package registries), and
its report reads the tables that package's models write into the warehouse. The two artifacts
every dbt build already writes hold what the report shows: each model, the tests on it, and each
test's last status, failing-row count and message.

    python -m dbt_runner site [--target local] [--out <dir>]     (npm run site)

writes `<out>/index.html` (the report), `<out>/docs.html` (dbt's docs) and `<out>/report.json` (the
report's data, for tools). Locally the report reads, per pipeline, the newest run under
`$DP_LOCAL_DIR/artifacts/<pipeline>/<run id>/` that `npm run local` stored. In the cloud, a build
with `DP_PUBLISH_SITE=1` (the dbt job's env) publishes the same three files of its own run to
`<artifacts bucket>/site/<pipeline>/<run id>/`, the prefix the platform's readers may read.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbt_runner import pipeline_run

FAILING = {"fail", "error", "runtime error"}
SITE_FILES = ("index.html", "docs.html", "report.json")
SITE_PREFIX = "site"  # in the artifacts bucket: site/<pipeline>/<run id>/<file>; readers are granted exactly this prefix


@dataclass
class Run:
    """One pipeline's dbt run: whose results the report shows."""

    pipeline: str
    run_id: str
    status: str | None
    finished_at: str | None
    run_results: dict[str, Any]


@dataclass
class Report:
    generated_at: str
    runs: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)


def _results_by_node(runs: Iterable[Run]) -> dict[str, tuple[Run, dict[str, Any]]]:
    """Each node's newest result across the runs (a model built by two pipelines shows the later run)."""
    out: dict[str, tuple[Run, dict[str, Any]]] = {}
    for run in sorted(runs, key=lambda r: r.finished_at or ""):
        for r in run.run_results.get("results", []):
            out[r["unique_id"]] = (run, r)
    return out


def build_report(manifest: dict[str, Any], runs: list[Run], generated_at: str) -> Report:
    """The report's data: every enabled model of the manifest with its last build and its tests, and
    every test with its last status. A node no run built or tested says "not run", never "pass"."""
    results = _results_by_node(runs)
    nodes = manifest.get("nodes", {})
    report = Report(generated_at=generated_at)
    report.runs = [{"pipeline": r.pipeline, "run_id": r.run_id, "status": r.status, "finished_at": r.finished_at} for r in sorted(runs, key=lambda r: r.pipeline)]
    tests_of: dict[str, list[dict[str, Any]]] = {}
    for uid, node in sorted(nodes.items()):
        if node.get("resource_type") != "test":
            continue
        run, result = results.get(uid, (None, None))
        status = str(result.get("status")).lower() if result else "not run"
        attached = node.get("attached_node") or next((d for d in node.get("depends_on", {}).get("nodes", []) if d.startswith("model.")), None)
        test = {
            "unique_id": uid,
            "name": node.get("name"),
            "model": nodes.get(attached, {}).get("name") if attached else None,
            "column": node.get("column_name"),
            "status": status,
            "failures": result.get("failures") if result else None,
            "message": result.get("message") if result else None,
            "pipeline": run.pipeline if run else None,
            "run_id": run.run_id if run else None,
        }
        report.tests.append(test)
        if attached:
            tests_of.setdefault(attached, []).append(test)
    for uid, node in sorted(nodes.items(), key=lambda kv: kv[1].get("name", "")):
        if node.get("resource_type") != "model":
            continue
        run, result = results.get(uid, (None, None))
        tests = tests_of.get(uid, [])
        report.models.append(
            {
                "unique_id": uid,
                "name": node.get("name"),
                "schema": node.get("schema"),
                "tags": sorted(node.get("tags") or []),
                "materialized": (node.get("config") or {}).get("materialized"),
                "description": node.get("description") or "",
                "status": str(result.get("status")).lower() if result else "not run",
                "pipeline": run.pipeline if run else None,
                "tests_total": len(tests),
                "tests_failing": sum(t["status"] in FAILING for t in tests),
            }
        )
    return report


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1f24; }
table { border-collapse: collapse; margin-bottom: 2rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.status { font-weight: 600; text-transform: uppercase; }
.status-pass, .status-success { color: #1a7f37; }
.status-fail, .status-error, .status-runtime-error { color: #cf222e; }
.status-warn { color: #9a6700; }
.status-not-run, .status-skipped { color: #57606a; }
"""


def _cls(status: str) -> str:
    return "status-" + status.replace(" ", "-")


def render_html(report: Report) -> str:
    """The report as one static page: it shows everything without JavaScript, so any browser (and a
    bucket's object viewer) renders it the same."""
    e = lambda v: html.escape("" if v is None else str(v))  # noqa: E731
    failing = [t for t in report.tests if t["status"] in FAILING]
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Data quality</title>',
        f"<style>{_CSS}</style></head><body>",
        "<h1>Data quality</h1>",
        f'<p>Generated {e(report.generated_at)} from dbt\'s manifest.json and run_results.json. <a href="docs.html">dbt docs</a></p>',
        f'<p id="summary" data-models="{len(report.models)}" data-tests="{len(report.tests)}" data-failing="{len(failing)}">'
        f"{len(report.models)} models, {len(report.tests)} tests, {len(failing)} failing.</p>",
        '<h2>Runs</h2><table id="runs"><tr><th>pipeline</th><th>run id</th><th>status</th><th>finished</th></tr>',
    ]
    for r in report.runs:
        status = (r["status"] or "unknown").lower()
        out.append(f'<tr><td>{e(r["pipeline"])}</td><td>{e(r["run_id"])}</td><td class="status {_cls(status)}">{e(status)}</td><td>{e(r["finished_at"])}</td></tr>')
    out.append(
        '</table><h2>Models</h2><table id="models"><tr><th>model</th><th>schema</th><th>tags</th><th>last build</th><th>tests</th><th>failing tests</th><th>description</th></tr>'
    )
    for m in report.models:
        out.append(
            f'<tr class="model" data-model="{e(m["name"])}" data-status="{e(m["status"])}" data-failing="{m["tests_failing"]}">'
            f"<td>{e(m['name'])}</td><td>{e(m['schema'])}</td><td>{e(', '.join(m['tags']))}</td>"
            f'<td class="status {_cls(m["status"])}">{e(m["status"])}</td><td>{m["tests_total"]}</td>'
            f'<td class="{"status status-fail" if m["tests_failing"] else ""}">{m["tests_failing"]}</td><td>{e(m["description"])}</td></tr>'
        )
    out.append('</table><h2>Tests</h2><table id="tests"><tr><th>test</th><th>model</th><th>column</th><th>status</th><th>failing rows</th><th>message</th></tr>')
    # Failing tests first: they are what a reader came for.
    for t in sorted(report.tests, key=lambda t: (t["status"] not in FAILING, t["name"] or "")):
        out.append(
            f'<tr class="test" data-test="{e(t["name"])}" data-model="{e(t["model"])}" data-status="{e(t["status"])}">'
            f"<td>{e(t['name'])}</td><td>{e(t['model'])}</td><td>{e(t['column'])}</td>"
            f'<td class="status {_cls(t["status"])}">{e(t["status"])}</td><td>{e(t["failures"])}</td><td>{e(t["message"])}</td></tr>'
        )
    out.append("</table></body></html>")
    return "\n".join(out)


def report_json(report: Report) -> str:
    return json.dumps({"generated_at": report.generated_at, "runs": report.runs, "models": report.models, "tests": report.tests}, indent=2, default=str)


def docs_generate(project_dir: Path, target: str, work: Path, vars_: str | None = None) -> tuple[Path | None, Path | None, str | None]:
    """`dbt docs generate --static` into `work/target`: (static page, manifest, error). The catalog
    queries the warehouse, so the models' columns are those the last build left there."""
    from dbt.cli.main import dbtRunner

    cli = [
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target",
        target,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--log-level",
        "none",
        "--no-partial-parse",
        "--no-send-anonymous-usage-stats",
    ]
    if vars_:
        cli += ["--vars", vars_]
    try:
        res = dbtRunner().invoke(cli)
    except Exception as exc:  # noqa: BLE001 - the site is a by-product of the build, never its failure
        return None, None, f"{type(exc).__name__}: {exc}"
    page, manifest = work / "target" / "static_index.html", work / "target" / "manifest.json"
    if not res.success or not page.exists():
        return None, manifest if manifest.exists() else None, f"dbt docs generate did not succeed: {res.exception or 'no static_index.html'}"
    return page, manifest, None


def write_site(out: Path, report: Report, docs_page: Path | None, redact: Callable[[str], str] = lambda s: s) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {"index.html": render_html(report), "report.json": report_json(report)}
    if docs_page is not None:
        files["docs.html"] = docs_page.read_text(encoding="utf-8")
    written = {}
    for name, text in files.items():
        (out / name).write_text(redact(text), encoding="utf-8")
        written[name] = out / name
    return written


def publish(store: Any, settings: dict[str, Any], work: Path, vars_: str | None, redact: Callable[[str], str], now: str) -> tuple[dict[str, str], str | None]:
    """The cloud build's site: docs for its target, the report of its own run, uploaded to
    `site/<pipeline>/<run id>/`. Returns (uploaded key → URI, error). Never raises."""
    try:
        docs_page, manifest_path, error = docs_generate(settings["project_dir"], settings["target"], work / "site-work", vars_)
        manifest_path = manifest_path or work / "target" / "manifest.json"
        run_results_path = work / "target" / "run_results.json"
        if not manifest_path.exists() or not run_results_path.exists():
            return {}, error or "no manifest.json or run_results.json to report on"
        run = Run(settings["pipeline"], settings["run_id"], settings.get("status"), now, json.loads(run_results_path.read_text(encoding="utf-8")))
        report = build_report(json.loads(manifest_path.read_text(encoding="utf-8")), [run], now)
        written = write_site(work / "site", report, docs_page, redact)
        prefix = f"{SITE_PREFIX}/{settings['pipeline']}/{settings['run_id']}"
        uploaded = {f"site/{name}": store.put_bytes(path.read_bytes(), f"{prefix}/{name}") for name, path in written.items()}
        return uploaded, error
    except Exception as exc:  # noqa: BLE001
        return {}, f"{type(exc).__name__}: {exc}"


def latest_local_runs(artifacts: Path) -> list[Run]:
    """Per pipeline, the newest dbt run `npm run local` stored (by its dbt part's finished_at): the part
    is `runs/<pipeline>/<run id>/dbt.json` (pipeline_run.py), the run's artifacts `<pipeline>/<run id>/`."""
    best: dict[str, tuple[str, Path, dict[str, Any]]] = {}
    for part_path in artifacts.glob(f"{pipeline_run.RUNS_PREFIX}/*/*/dbt.json"):
        try:
            record = json.loads(part_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        pipeline, run_id = part_path.parent.parent.name, part_path.parent.name
        folder = artifacts / pipeline / run_id
        if record.get("kind") != "dbt" or not (folder / "run_results.json").exists():
            continue
        finished = record.get("finished_at") or ""
        if pipeline not in best or finished > best[pipeline][0]:
            best[pipeline] = (finished, folder, record)
    return [
        Run(p, rec.get("run_id") or folder.name, rec.get("status"), finished, json.loads((folder / "run_results.json").read_text(encoding="utf-8")))
        for p, (finished, folder, rec) in sorted(best.items())
    ]


def main(argv: list[str]) -> int:
    from dbt_runner.cli import PROJECT_DIR, TARGETS, prepare_environment
    from dbt_runner.logs import iso, utc_now

    p = argparse.ArgumentParser(prog="python -m dbt_runner site", description="Build the docs and data-quality site from the last local runs.")
    p.add_argument("--target", "-t", choices=TARGETS, default="local")
    p.add_argument("--out", default=None, help="output folder (default: $DP_LOCAL_DIR/site)")
    args = p.parse_args(argv)
    local_dir = Path(os.environ.get("DP_LOCAL_DIR") or PROJECT_DIR.parent / ".local").resolve()
    out = Path(args.out).resolve() if args.out else local_dir / "site"
    runs = latest_local_runs(local_dir / "artifacts")
    if not runs:
        print(json.dumps({"status": "FAILED", "error": f"no dbt runs under {local_dir / 'artifacts'}: run `npm run local` first"}))
        return 2
    if args.target == "local" and not Path(os.environ.get("DP_DUCKDB_PATH") or local_dir / "warehouse.duckdb").exists():
        print(json.dumps({"status": "FAILED", "error": f"no DuckDB warehouse at {local_dir / 'warehouse.duckdb'}: run `npm run local` first"}))
        return 2
    settings = {"local_dir": local_dir, "target": args.target, "pipeline": "site"}
    missing = prepare_environment(settings, os.environ)
    if missing:
        print(json.dumps({"status": "FAILED", "error": f"missing environment variables for target {args.target}: {', '.join(missing)}"}))
        return 2
    work = Path(tempfile.mkdtemp(prefix="dbt-site-"))
    try:
        docs_page, manifest_path, error = docs_generate(PROJECT_DIR, args.target, work)
        if manifest_path is None:
            print(json.dumps({"status": "FAILED", "error": error}))
            return 2
        report = build_report(json.loads(manifest_path.read_text(encoding="utf-8")), runs, iso(utc_now()))
        written = write_site(out, report, docs_page)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failing = sum(t["status"] in FAILING for t in report.tests)
    print(
        json.dumps(
            {
                "status": "SUCCESS" if error is None else "PARTIAL",
                "error": error,
                "site": str(out),
                "files": sorted(written),
                "models": len(report.models),
                "tests": len(report.tests),
                "tests_failing": failing,
                "runs": report.runs,
            }
        )
    )
    return 0 if error is None else 1
