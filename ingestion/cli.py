"""`python -m ingestion run --pipeline <name> [--target local|cloud] [--base-url URL] [--skip-missing-secrets]`.

Exit codes: 0 SUCCESS or SKIPPED, 1 the run FAILED (a run record says why), 2 bad arguments or an
unreadable pipeline file (nothing ran). The run record is printed as the last stdout line.
"""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from .errors import IngestionError
from .logs import configure, log
from .settings import TARGETS, base_url_env, pipelines_dir
from .spec import load_spec


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
    run.add_argument("--skip-missing-secrets", action="store_true", help="record SKIPPED, not FAILED, when a secret the source needs is not set (the local run)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure(os.environ.get("DP_LOG_LEVEL", "INFO").upper())
    try:
        spec = load_spec(args.pipeline, (args.pipelines_dir or pipelines_dir()).resolve())
        base_url = args.base_url or os.environ.get(base_url_env(spec.name)) or None
        if base_url and spec.source_type != "rest_api":
            log("base url ignored", logging.WARNING, pipeline=spec.name, reason=f"source type is {spec.source_type}")
        from .run_record import FAILED
        from .runner import run_pipeline

        record = run_pipeline(spec, args.target, base_url=base_url if spec.source_type == "rest_api" else None, run_id=args.run_id, skip_missing_secrets=args.skip_missing_secrets)
    except IngestionError as e:
        log("cannot run", logging.ERROR, pipeline=args.pipeline, error=str(e))
        return 2
    print(record.to_json())
    return 1 if record.status == FAILED else 0
