"""`python -m ingestion run --pipeline <name> [--target local|cloud] [--base-url URL] [--skip-missing-secrets]`.

Exit codes: 0 SUCCESS or SKIPPED, 1 the run FAILED (a run record says why), 2 bad arguments or an
unreadable pipeline file (nothing ran). The run record is printed as the last stdout line.

`python -m ingestion serve` (the local run of many pipelines): one process, imports paid once, that
reads one JSON array of `run` arguments per stdin line and answers each with one stdout line: that
run's record plus `exit_code` (the code a `run` process would have exited with). Each run is the
same as a `run` process: its own dlt pipeline, state, run record; the DuckDB file is released
between runs so other processes (dbt) can open it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import IngestionError
from .logs import configure, log
from .settings import DEFAULT_RUN_TYPE, RUN_TYPES, TARGETS, base_url_env, pipelines_dir
from .spec import load_spec


def _run_type(value: str) -> str:
    # argparse runs a string default through this too, so a bad $DP_RUN_TYPE stops the run before it starts.
    if value not in RUN_TYPES:
        raise argparse.ArgumentTypeError(f"--run-type / $DP_RUN_TYPE: expected {' or '.join(RUN_TYPES)}, found {value!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingestion", description="Load one pipeline's source with dlt.")
    commands = p.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one pipeline", description="Run one pipeline from pipelines/<name>.yaml.")
    run.add_argument("--pipeline", required=True, help="pipeline name: pipelines/<name>.yaml")
    run.add_argument("--target", choices=TARGETS, default=os.environ.get("DP_TARGET", "local"), help="local: DuckDB + .local/lake; cloud: raw bucket + Snowflake RAW")
    run.add_argument("--base-url", help="rest_api only: replace client.base_url (default: env DP_REST_BASE_URL_<PIPELINE>)")
    run.add_argument("--pipelines-dir", type=Path, help="folder of pipeline files (default: env DP_PIPELINES_DIR or ./pipelines)")
    # The orchestration's run id (Step Functions sets DP_RUN_ID on both tasks, as the dbt runner reads it), so records line up.
    run_id = os.environ.get("DP_RUN_ID") or os.environ.get("CLOUD_RUN_EXECUTION") or None
    run.add_argument("--run-id", default=run_id, help="run id (default: $DP_RUN_ID, else $CLOUD_RUN_EXECUTION, else a time-sortable unique id)")
    run.add_argument(
        "--run-type",
        type=_run_type,
        default=os.environ.get("DP_RUN_TYPE") or DEFAULT_RUN_TYPE,
        help=f"what started the run: {' or '.join(RUN_TYPES)} (default: $DP_RUN_TYPE, else {DEFAULT_RUN_TYPE})",
    )
    run.add_argument("--skip-missing-secrets", action="store_true", help="record SKIPPED, not FAILED, when a secret the source needs is not set (the local run)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    configure(os.environ.get("DP_LOG_LEVEL", "INFO").upper())
    if argv[:1] == ["serve"]:
        return serve(sys.stdin)
    args = parser().parse_args(argv)
    code, record = run_command(args)
    if record is not None:
        print(record.to_json())
    return code


def serve(lines: Iterable[str]) -> int:
    import dlt  # noqa: F401 - imported once here, not in the first request

    print(json.dumps({"ready": True}), flush=True)
    for line in lines:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not (isinstance(request, list) and request[:1] == ["run"] and all(isinstance(a, str) for a in request)):
                raise ValueError(f'expected a JSON array of strings starting with "run", found {line.strip()[:200]}')
            args = parser().parse_args(request)
        except (ValueError, SystemExit) as e:  # argparse exits on bad arguments: answer, keep serving
            print(json.dumps({"status": "FAILED", "error": f"bad request: {e}", "exit_code": 2}), flush=True)
            continue
        code, record = run_command(args)
        answer = (
            {**json.loads(record.to_json()), "exit_code": code}
            if record is not None
            else {"pipeline": args.pipeline, "status": "FAILED", "error": "cannot run (see log)", "exit_code": code}
        )
        print(json.dumps(answer), flush=True)
    return 0


def run_command(args: argparse.Namespace) -> tuple[int, Any]:
    """One `run`: (exit code, run record or None when nothing ran)."""
    try:
        spec = load_spec(args.pipeline, (args.pipelines_dir or pipelines_dir()).resolve())
        base_url = args.base_url or os.environ.get(base_url_env(spec.name)) or None
        if base_url and spec.source_type != "rest_api":
            log("base url ignored", logging.WARNING, pipeline=spec.name, reason=f"source type is {spec.source_type}")
        from .run_record import FAILED
        from .runner import run_pipeline

        record = run_pipeline(
            spec,
            args.target,
            base_url=base_url if spec.source_type == "rest_api" else None,
            run_id=args.run_id,
            run_type=args.run_type,
            skip_missing_secrets=args.skip_missing_secrets,
        )
    except IngestionError as e:
        log("cannot run", logging.ERROR, pipeline=args.pipeline, error=str(e))
        return 2, None
    return (1 if record.status == FAILED else 0), record
