"""`python -m dbt_runner build ...`: dbt build, artifacts upload, run record, one summary line.

stdout carries exactly one line: the final JSON summary (the run record plus `exit_code`,
`artifacts_uri` and `run_record_uri`). Everything else - the runner's own events and dbt's events -
goes to stderr as JSON lines, and to `logs/runner.jsonl` in the artifacts.

`python -m dbt_runner site [--target local] [--out <dir>]`: the docs and data-quality site (site.py).

`python -m dbt_runner serve [--target local]` (the local run of many pipelines): one process that
parses the project once and then reads one JSON array of `build` arguments per stdin line, answering
each with exactly that build's summary line on stdout. Every build is the same as a `build` process
(selection, artifacts, run record, exit code in the summary); only the parse is shared, which is
4-5 s of every `build` process even when nothing changed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from dbt_runner import EXIT_CODES, EXIT_UPLOAD_FAILED, EXIT_USAGE, pipeline_run
from dbt_runner.logs import JsonLogger, Redactor, iso, utc_now
from dbt_runner.results import FAILED, SUCCESS, Summary, classify, describe_failures, summarize
from dbt_runner.storage import open_store

PROJECT_DIR = Path(__file__).resolve().parent.parent  # the dbt project (dbt/)
TARGETS = ("local", "snowflake")
SNOWFLAKE_REQUIRED_ENV = (
    "SNOWFLAKE_ACCOUNT",
    "SNOWFLAKE_USER",
    "SNOWFLAKE_ROLE",
    "SNOWFLAKE_WAREHOUSE",
    "SNOWFLAKE_PRIVATE_KEY",
)
_PIPELINE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# What started the run: the orchestration sets DP_RUN_TYPE from its trigger (components/cloud/run-context.ts),
# `npm run local` sets MANUAL; a run nobody labelled is the schedule's. Ingestion's record uses the same values.
RUN_TYPES, DEFAULT_RUN_TYPE = pipeline_run.RUN_TYPES, pipeline_run.DEFAULT_RUN_TYPE
# Set by the platforms themselves in every container they run: Cloud Run jobs (CLOUD_RUN_JOB,
# https://cloud.google.com/run/docs/container-contract#jobs-env-vars) and ECS tasks on Fargate (the task
# metadata endpoint). There a missing artifacts bucket is an error: a local folder would vanish with the container.
CLOUD_JOB_MARKERS = ("CLOUD_RUN_JOB", "ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI")
_TAG_SELECTION = re.compile(r"^\+?tag:([a-z][a-z0-9_]*)\+?$")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2, which is our FAILED code
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m dbt_runner", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    b = sub.add_parser("build", help="run `dbt build --select <selection>` and store its artifacts")
    b.add_argument("--select", "-s", nargs="+", default=None, help="dbt selection, e.g. tag:orders_files+ (default: $DP_DBT_SELECT)")
    b.add_argument("--exclude", nargs="+", default=None, help="dbt exclusion")
    b.add_argument("--target", "-t", choices=TARGETS, default=None, help="profile target (default: $DBT_TARGET, else local)")
    b.add_argument(
        "--pipeline", default=None, help="pipeline name for the artifacts path and the run record (default: $DP_PIPELINE, else taken from a `tag:<name>+` selection, else adhoc)"
    )
    b.add_argument("--run-id", default=None, help="run id (default: $DP_RUN_ID, else $CLOUD_RUN_EXECUTION, else generated)")
    b.add_argument("--artifacts-uri", default=None, help="gs://bucket/prefix, s3://bucket/prefix or a folder (default: $DP_ARTIFACTS_URI, else $DP_LOCAL_DIR/artifacts)")
    b.add_argument("--project-dir", default=None, help=argparse.SUPPRESS)
    b.add_argument("--threads", type=int, default=None, help="dbt threads (default: profile)")
    b.add_argument("--full-refresh", action="store_true", help="pass --full-refresh to dbt")
    b.add_argument("--vars", default=None, help="dbt --vars (YAML/JSON string)")
    return p


# serve: parsed manifests, by what parsing depends on (project, profile target, --vars).
_MANIFESTS: dict[tuple[str, str, str | None], Any] = {}
_SERVING = False


def _parsed_manifest(settings: dict[str, Any], args: argparse.Namespace, logger: JsonLogger) -> Any:
    """serve only: the project parsed once per (project, target, vars); None means parse as usual
    (the build then reports any parse error itself, exactly as a `build` process would)."""
    if not _SERVING:
        return None
    key = (str(settings["project_dir"]), settings["target"], args.vars)
    if key not in _MANIFESTS:
        from dbt.cli.main import dbtRunner

        work = Path(tempfile.mkdtemp(prefix="dbt-parse-"))
        project_dir = str(settings["project_dir"])
        cli = [
            "parse",
            "--project-dir",
            project_dir,
            "--profiles-dir",
            project_dir,
            "--target",
            settings["target"],
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--log-level",
            "none",
            "--log-level-file",
            "none",
            "--no-partial-parse",
            "--no-send-anonymous-usage-stats",
            "--no-write-json",
        ]
        if args.vars:
            cli += ["--vars", args.vars]
        try:
            res = dbtRunner().invoke(cli)
            manifest = res.result if res.success else None
        except Exception as exc:  # noqa: BLE001 - the build parses again and reports it
            logger.warning("parse_failed", f"shared parse failed, the build parses itself: {exc}")
            manifest = None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if manifest is None:
            return None
        _MANIFESTS[key] = manifest
    return _MANIFESTS[key]


def serve(argv: Sequence[str], stdin: Any = None) -> int:
    """Answer one `build` per stdin line (a JSON array of its arguments) with its summary line."""
    global _SERVING
    _SERVING = True
    p = _Parser(prog="python -m dbt_runner serve")
    p.add_argument("--target", "-t", choices=TARGETS, default=None, help="parse for this target before the first request")
    redactor = Redactor()
    try:
        args = p.parse_args(argv)
    except UsageError as exc:
        _print_summary({"status": FAILED, "error": f"usage: {exc}", "exit_code": EXIT_USAGE}, redactor)
        return EXIT_USAGE
    if args.target:  # parse while the caller loads its first pipeline
        warm = build_parser().parse_args(["build", "--select", "warmup", "--target", args.target])
        _parsed_manifest(resolve_settings(warm, dict(os.environ)), warm, JsonLogger(redactor))
    print(json.dumps({"ready": True}), flush=True)
    for line in stdin or sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not (isinstance(request, list) and request and request[0] == "build" and all(isinstance(a, str) for a in request)):
                raise ValueError(f'expected a JSON array of strings starting with "build", found {line.strip()[:200]}')
        except ValueError as exc:
            _print_summary({"status": FAILED, "error": f"usage: {exc}", "exit_code": EXIT_USAGE}, redactor)
            continue
        environ = dict(os.environ)  # a build fills env vars (DP_PIPELINE, ...): none may leak into the next
        try:
            main(request)
        finally:
            _release_database()
            os.environ.clear()
            os.environ.update(environ)
    return 0


def _release_database() -> None:
    """dbt-duckdb keeps the database file open across invocations in one process (a class-level
    environment); the next pipeline's ingestion is another process and must be able to lock it."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter: nothing held between builds
        return
    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()


def _default_run_id() -> str:
    return pipeline_run.new_run_id()


def cloud_job(environ: dict[str, str]) -> str | None:
    """The platform variable that says this process runs as a cloud job, or None on a laptop."""
    # Set by the platform, not by the job's env (test/contract/job-env.test.ts compares the job's env only).
    return next(filter(environ.get, CLOUD_JOB_MARKERS), None)


def resolve_settings(args: argparse.Namespace, environ: dict[str, str]) -> dict[str, Any]:
    selection = " ".join(args.select) if args.select else environ.get("DP_DBT_SELECT", "").strip()
    if not selection:
        raise UsageError("no selection: pass --select <selection> or set DP_DBT_SELECT")
    target = args.target or environ.get("DBT_TARGET") or "local"
    if target not in TARGETS:
        raise UsageError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")

    pipeline = args.pipeline or environ.get("DP_PIPELINE")
    if not pipeline:
        m = _TAG_SELECTION.match(selection)
        pipeline = m.group(1) if m else "adhoc"
    if not _PIPELINE.match(pipeline):
        raise UsageError(f"pipeline must be lower_snake (a-z, 0-9, _), got {pipeline!r}")

    run_id = args.run_id or environ.get("DP_RUN_ID") or environ.get("CLOUD_RUN_EXECUTION") or _default_run_id()
    if not _RUN_ID.match(run_id):
        raise UsageError(f"run id may only contain letters, digits, '.', '_' and '-', got {run_id!r}")

    run_type = environ.get("DP_RUN_TYPE") or DEFAULT_RUN_TYPE
    if run_type not in RUN_TYPES:
        raise UsageError(f"DP_RUN_TYPE: expected {' or '.join(RUN_TYPES)}, found {run_type!r}")

    project_dir = Path(args.project_dir).resolve() if args.project_dir else PROJECT_DIR
    local_dir = Path(environ.get("DP_LOCAL_DIR") or project_dir.parent / ".local").resolve()
    artifacts_uri = args.artifacts_uri or environ.get("DP_ARTIFACTS_URI")
    in_cloud = cloud_job(environ)
    if in_cloud and not (artifacts_uri or "").startswith(("gs://", "s3://")):
        found = "nothing" if not artifacts_uri else repr(artifacts_uri)
        raise UsageError(
            f"DP_ARTIFACTS_URI: expected gs://<bucket> or s3://<bucket> in a cloud job ({in_cloud} is set), found {found}: "
            "a local folder would vanish with the container, and with it the artifacts and the run record"
        )
    artifacts_uri = artifacts_uri or str(local_dir / "artifacts")
    return {
        "selection": selection,
        "exclude": " ".join(args.exclude) if args.exclude else None,
        "target": target,
        "pipeline": pipeline,
        "run_id": run_id,
        "run_type": run_type,
        "project_dir": project_dir,
        "local_dir": local_dir,
        "artifacts_uri": artifacts_uri.rstrip("/") or artifacts_uri,
    }


def prepare_environment(settings: dict[str, Any], environ: MutableMapping[str, str]) -> list[str]:
    """Fill env vars that profiles.yml reads; return the names of missing required ones."""
    environ.setdefault("DP_LOCAL_DIR", str(settings["local_dir"]))
    environ["DP_PIPELINE"] = settings["pipeline"]
    environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    key = environ.get("SNOWFLAKE_PRIVATE_KEY")
    if key and "\\n" in key and "\n" not in key:
        # Secret stores sometimes hand over PEM with literal "\n"; restore real newlines.
        environ["SNOWFLAKE_PRIVATE_KEY"] = key.replace("\\n", "\n")
    if settings["target"] == "snowflake":
        return [name for name in SNOWFLAKE_REQUIRED_ENV if not environ.get(name)]
    duckdb_path = Path(environ.get("DP_DUCKDB_PATH") or Path(environ["DP_LOCAL_DIR"]) / "warehouse.duckdb")
    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return []


def dbt_args(settings: dict[str, Any], args: argparse.Namespace, work: Path) -> list[str]:
    project_dir = str(settings["project_dir"])
    cli = [
        "build",
        "--select",
        settings["selection"],
        "--target",
        settings["target"],
        "--project-dir",
        project_dir,
        "--profiles-dir",
        project_dir,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--log-format-file",
        "json",
        "--log-level-file",
        "debug",
        "--log-level",
        "none",  # console: silent; events reach the runner's JSON log via a callback
        "--no-use-colors",
        "--no-partial-parse",
        "--no-send-anonymous-usage-stats",
    ]
    if settings["exclude"]:
        cli += ["--exclude", settings["exclude"]]
    if args.threads:
        cli += ["--threads", str(args.threads)]
    if args.full_refresh:
        cli.append("--full-refresh")
    if args.vars:
        cli += ["--vars", args.vars]
    return cli


def _dbt_callback(logger: JsonLogger):
    def on_event(msg: Any) -> None:
        try:
            info = msg.info
            if info.level not in ("info", "warn", "error"):
                return
            fields: dict[str, Any] = {}
            node_info = getattr(msg.data, "node_info", None)
            if node_info is not None and getattr(node_info, "unique_id", None):
                fields["node"] = node_info.unique_id
                if node_info.node_status:
                    fields["node_status"] = node_info.node_status
            text = info.msg.strip()
            if text or info.level != "info":
                # event = dbt's event name (LogModelResult, LogTestResult, ...), logger = "dbt"
                logger.log(info.level, info.name, text, logger="dbt", **fields)
        except Exception:  # noqa: BLE001 - a logging problem must never break the run
            pass

    return on_event


def run_dbt(cli: list[str], logger: JsonLogger, manifest: Any = None) -> tuple[bool, str | None]:
    """Returns (dbt reported success, error message if dbt itself raised). With `manifest` (serve),
    dbt skips parsing."""
    from dbt.cli.main import dbtRunner

    try:
        res = dbtRunner(manifest=manifest, callbacks=[_dbt_callback(logger)]).invoke(cli)
    except BaseException as exc:  # noqa: BLE001 - report, never crash without a run record
        if isinstance(exc, KeyboardInterrupt):
            return False, "interrupted"
        return False, f"{type(exc).__name__}: {exc}"
    if res.exception is not None:
        return False, f"{type(res.exception).__name__}: {res.exception}"
    return bool(res.success), None


def upload(store, work: Path, prefix: str, redactor: Redactor, logger: JsonLogger) -> tuple[dict[str, str], list[str]]:
    files = {
        "manifest.json": work / "target" / "manifest.json",
        "run_results.json": work / "target" / "run_results.json",
        "logs/dbt.log": work / "logs" / "dbt.log",
    }
    uploaded: dict[str, str] = {}
    errors: list[str] = []
    for key, path in files.items():
        if not path.exists():
            logger.warning("artifact_missing", f"{key} was not produced by dbt", artifact=key)
            continue
        try:
            data = redactor(path.read_text(encoding="utf-8", errors="replace")).encode("utf-8")
            uploaded[key] = store.put_bytes(data, f"{prefix}/{key}")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{key}: {type(exc).__name__}: {exc}")
            logger.error("artifact_upload_failed", f"could not upload {key}", artifact=key, error=str(exc))
    return uploaded, errors


def _publish_site(store, settings: dict[str, Any], work: Path, vars_: str | None, redactor: Redactor, logger: JsonLogger, record: dict[str, Any]) -> None:
    """The docs and data-quality site of this run (dbt_runner/site.py) to site/<pipeline>/<run id>/;
    a site that cannot be built is a warning in the record (`site_error`), never the run's failure."""
    from dbt_runner.site import publish

    uploaded, error = publish(store, settings, work, vars_, redactor, iso(utc_now()))
    record["_site"] = uploaded
    record["site_error"] = redactor(error) if error else None
    if error:
        logger.warning("site_incomplete", f"docs and data-quality site: {error}", error=error)
    else:
        logger.info("site_published", f"site published: {uploaded.get('site/index.html')}", files=sorted(uploaded))


def empty_selection_error(settings: dict[str, Any], manifest_path: Path) -> str:
    """The error for a selection that matched no node, with the nodes of the pipeline's tag that this
    target disables (e.g. Fivetran-loaded models on DuckDB), when the manifest lists any."""
    pipeline, selection = settings["pipeline"], settings["selection"]
    text = (
        f"pipeline {pipeline}: dbt selection {selection!r} selected no models or tests on target "
        f"{settings['target']} (tag the pipeline's models with `tags: [{pipeline}]`, or fix "
        f"transform.select in pipelines/{pipeline}.yaml)"
    )
    try:
        disabled = json.loads(manifest_path.read_text(encoding="utf-8")).get("disabled") or {}
    except (OSError, ValueError):
        return text
    tagged = sorted(
        uid for uid, versions in disabled.items() if any(pipeline in (v.get("tags") or []) or pipeline in ((v.get("config") or {}).get("tags") or []) for v in versions)
    )
    if tagged:
        text += f"; {len(tagged)} node(s) tagged {pipeline} are disabled on this target: {', '.join(tagged[:5])}"
    return text


def _print_summary(summary: dict[str, Any], redactor: Redactor) -> None:
    print(redactor(json.dumps(summary, default=str, ensure_ascii=False)), flush=True)


def _record_in_warehouse(settings: dict[str, Any], environ: MutableMapping[str, str], record: dict[str, Any], logger: JsonLogger) -> None:
    """The pipeline-run record into the warehouse: DuckDB's platform.pipeline_runs (after dbt lets go of the
    file), or RAW.PLATFORM.PIPELINE_RUNS in Snowflake as the transformer. The bucket copy is the record of
    truth: a failure here is logged as an error and leaves the run's outcome as it was."""
    try:
        if settings["target"] == "snowflake":
            env = dict(environ)
            database = env.get("SNOWFLAKE_RAW_DATABASE") or ""
            if not database:
                raise ValueError("SNOWFLAKE_RAW_DATABASE: expected the RAW database's name (where PLATFORM.PIPELINE_RUNS lives), found unset")
            pipeline_run.write_snowflake(pipeline_run.snowflake_connector(env, database), database, record)
        else:
            _release_database()
            pipeline_run.write_duckdb(str(Path(environ.get("DP_DUCKDB_PATH") or Path(environ["DP_LOCAL_DIR"]) / "warehouse.duckdb")), record)
    except Exception as exc:  # noqa: BLE001
        logger.error("run_record_warehouse_failed", "could not write the run record to the warehouse", error=f"{type(exc).__name__}: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    if argv[:1] == ["site"]:
        from dbt_runner.site import main as site_main

        return site_main(argv[1:])
    environ = os.environ
    redactor = Redactor()
    logger = JsonLogger(redactor)
    started = utc_now()
    try:
        args = build_parser().parse_args(argv)
        settings = resolve_settings(args, dict(environ))
    except UsageError as exc:
        logger.error("usage_error", str(exc))
        _print_summary({"status": FAILED, "error": f"usage: {exc}", "exit_code": EXIT_USAGE}, redactor)
        return EXIT_USAGE

    pipeline, run_id = settings["pipeline"], settings["run_id"]
    logger.bind(pipeline=pipeline, run_id=run_id)
    missing = prepare_environment(settings, environ)

    work = Path(tempfile.mkdtemp(prefix=f"dbt-{pipeline}-"))
    (work / "logs").mkdir()
    logger.open_file(str(work / "logs" / "runner.jsonl"))
    prefix = f"{pipeline}/{run_id}"
    logger.info(
        "run_started",
        f"dbt build --select {settings['selection']}",
        target=settings["target"],
        selection=settings["selection"],
        exclude=settings["exclude"],
        artifacts_uri=f"{settings['artifacts_uri']}/{prefix}",
    )

    records = pipeline_run.open_part_store(settings["artifacts_uri"])
    part: dict[str, Any] = {"kind": "dbt", "pipeline": pipeline, "run_id": run_id, "run_type": settings["run_type"], "status": pipeline_run.RUNNING, "started_at": iso(started)}
    try:
        pipeline_run.record_step(records, pipeline, run_id, "dbt", part, redactor)  # RUNNING, for anyone watching
    except Exception as exc:  # noqa: BLE001 - the final write reports it (and fails the run) if it persists
        logger.warning("run_record_failed", "could not record the run as RUNNING", error=f"{type(exc).__name__}: {exc}")

    dbt_version: str | None
    try:
        from dbt.version import __version__ as dbt_version
    except Exception:  # noqa: BLE001
        dbt_version = None

    error: str | None = None
    dbt_success, dbt_errored = False, False
    if missing:
        error = f"missing environment variables for target {settings['target']}: {', '.join(missing)}"
        logger.error("config_error", error)
        dbt_errored = True
    else:
        cli = dbt_args(settings, args, work)
        dbt_success, dbt_error = run_dbt(cli, logger, _parsed_manifest(settings, args, logger))
        if dbt_error:
            error, dbt_errored = dbt_error, True

    run_results_path = work / "target" / "run_results.json"
    summary = None
    if run_results_path.exists():
        summary = summarize(json.loads(run_results_path.read_text(encoding="utf-8")))
    elif not dbt_errored:
        error = "dbt produced no run_results.json"
    if summary is not None and not dbt_errored and summary.counts["nodes_total"] == 0:
        # dbt calls an empty selection a success ("Nothing to do"); for a pipeline it means its models
        # are not tagged, or its selection is misspelt, and nothing would ever be transformed.
        error, dbt_errored = empty_selection_error(settings, work / "target" / "manifest.json"), True
        logger.error("empty_selection", error, selection=settings["selection"])
    status = classify(dbt_success, dbt_errored, summary)
    if status != SUCCESS and error is None:
        error = describe_failures(summary) if summary and summary.failures else "dbt build did not succeed"
    finished = utc_now()

    counted = summary or Summary()  # zero counts when dbt produced no results
    record: dict[str, Any] = {
        "kind": "dbt",
        "pipeline": pipeline,
        "run_id": run_id,
        "run_type": settings["run_type"],
        "status": status,
        "started_at": iso(started),
        "finished_at": iso(finished),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "target": settings["target"],
        "selection": settings["selection"],
        "dbt_version": dbt_version,
        **counted.counts,
        "rows": counted.rows,
        "failures": counted.failures,
        "error": redactor(error) if error else None,
    }
    log = logger.error if status == FAILED else logger.warning if status != SUCCESS else logger.info
    log("run_finished", f"dbt build {status}", status=status, error=record["error"], **{k: record[k] for k in ("models_built", "tests_passed", "tests_failed", "duration_seconds")})

    exit_code = EXIT_CODES[status]
    base_uri = f"{settings['artifacts_uri']}/{prefix}"
    run_record_uri = None
    try:
        store = open_store(settings["artifacts_uri"])
        base_uri = f"{store.uri}/{prefix}"
        uploaded, upload_errors = upload(store, work, prefix, redactor, logger)
        if environ.get("DP_PUBLISH_SITE") == "1" and not dbt_errored:
            _publish_site(store, {**settings, "status": status}, work, args.vars, redactor, logger, record)
            uploaded.update(record.pop("_site", {}))
        logger.close()  # flush runner.jsonl before uploading it
        try:
            runner_log = (work / "logs" / "runner.jsonl").read_bytes()
            uploaded["logs/runner.jsonl"] = store.put_bytes(runner_log, f"{prefix}/logs/runner.jsonl")
        except Exception as exc:  # noqa: BLE001
            upload_errors.append(f"logs/runner.jsonl: {type(exc).__name__}: {exc}")
        record["artifacts"] = uploaded
        record["upload_errors"] = upload_errors or None
        # Written last: the pipeline-run record then lists the artifacts, which are complete.
        merged, run_record_uri = pipeline_run.record_step(records, pipeline, run_id, "dbt", record, redactor)
        _record_in_warehouse(settings, environ, merged, logger)
        if upload_errors and exit_code == 0:
            exit_code = EXIT_UPLOAD_FAILED
    except Exception as exc:  # noqa: BLE001
        logger.error("artifacts_upload_failed", "could not store artifacts or the run record", error=f"{type(exc).__name__}: {exc}")
        record["upload_errors"] = [f"{type(exc).__name__}: {exc}"]
        if exit_code == 0:
            exit_code = EXIT_UPLOAD_FAILED
    finally:
        logger.close()
        if not environ.get("DP_KEEP_WORK_DIR"):
            shutil.rmtree(work, ignore_errors=True)

    _print_summary({**record, "exit_code": exit_code, "artifacts_uri": base_uri, "run_record_uri": run_record_uri}, redactor)
    return exit_code
