"""One run of one pipeline: build the source, restore dlt state from the destination, load, record."""

from __future__ import annotations

import logging
import time

from . import pipeline_run
from .errors import IngestionError
from .logs import log, redact, reroute_dlt_logger
from .run_record import FAILED, SKIPPED, SUCCESS, RunRecord, new_run_id
from .secrets import SecretResolver
from .settings import DEFAULT_RUN_TYPE, Paths, dataset_name, local_dir, paths_for
from .spec import PipelineSpec

MAX_ERROR_CHARS = 4000
FIVETRAN_SKIP_REASON = "source type fivetran: Fivetran loads this pipeline itself; ingestion has nothing to run"


def run_pipeline(
    spec: PipelineSpec, target: str, base_url: str | None = None, run_id: str | None = None, run_type: str = DEFAULT_RUN_TYPE, skip_missing_secrets: bool = False
) -> RunRecord:
    """Run one pipeline and write its run record. With `skip_missing_secrets` (the local run), a source
    whose secrets are not set is SKIPPED with the reason instead of FAILED: on a laptop, a database
    nobody configured is not an error."""
    record = RunRecord(pipeline=spec.name, run_id=run_id or new_run_id(), run_type=run_type, target=target, source_type=spec.source_type, dataset=dataset_name(spec.name))
    paths = paths_for(target)
    log("run started", pipeline=spec.name, run_id=record.run_id, run_type=run_type, target=target, source_type=spec.source_type)
    store = pipeline_run.open_part_store(paths.artifacts_uri)
    pipeline_run.record_step(store, spec.name, record.run_id, "ingestion", record.to_dict(), redact)  # RUNNING, for anyone watching

    secrets = secret_resolver(spec, paths)
    missing = secrets.missing(spec.source) if skip_missing_secrets else []
    if spec.source_type == "fivetran":
        record.finish(SKIPPED, reason=FIVETRAN_SKIP_REASON, dataset=None)
    elif missing:
        record.finish(SKIPPED, reason="secrets not set: " + ", ".join(f"{name} ({secrets.where(name)})" for name in missing))
    else:
        started = time.monotonic()
        try:
            rows, load_ids = _load(spec, paths, secrets, base_url)
            record.finish(SUCCESS, rows=rows, load_ids=load_ids)
        except Exception as e:  # noqa: BLE001 - every failure must still leave a run record behind
            record.finish(FAILED, error=describe_failure(e))
            log("run failed", logging.ERROR, pipeline=spec.name, run_id=record.run_id, error=record.error)
        log("run duration", pipeline=spec.name, run_id=record.run_id, seconds=round(time.monotonic() - started, 3))

    uri = publish(store, record, paths)
    log("run finished", pipeline=spec.name, run_id=record.run_id, status=record.status, rows=record.rows, reason=record.reason, record=uri)
    return record


def publish(store: pipeline_run.PartStore, record: RunRecord, paths: Paths) -> str:
    """This step's part and the merged pipeline-run record: to the artifacts bucket, then to the warehouse
    (DuckDB locally, RAW.PLATFORM in Snowflake, as the loader). The bucket copy is the record of truth: a
    warehouse that cannot take the row is logged as an error and leaves the run's outcome as it was."""
    merged, uri = pipeline_run.record_step(store, record.pipeline, record.run_id, "ingestion", record.to_dict(), redact)
    try:
        if paths.warehouse is not None:
            pipeline_run.write_duckdb(str(paths.warehouse), merged)
        else:
            from .destinations import snowflake_env

            env = snowflake_env()
            pipeline_run.write_snowflake(pipeline_run.snowflake_connector(env, env["SNOWFLAKE_DATABASE"]), env["SNOWFLAKE_DATABASE"], merged)
    except Exception as e:  # noqa: BLE001 - the data is loaded and the bucket has the record; say what failed
        log("run record not written to the warehouse", logging.ERROR, pipeline=record.pipeline, run_id=record.run_id, error=redact(f"{type(e).__name__}: {e}"))
    return uri


def secret_resolver(spec: PipelineSpec, paths: Paths) -> SecretResolver:
    """Secrets come from the environment; a local run also reads `.local/secrets.env`."""
    return SecretResolver(spec.file, env_file=local_dir() / "secrets.env" if paths.target == "local" else None, pipeline=spec.name)


def _load(spec: PipelineSpec, paths: Paths, secrets: SecretResolver, base_url: str | None) -> tuple[dict[str, int], list[str]]:
    import dlt

    from .destinations import LOADER_FILE_FORMAT, destination_kwargs
    from .sources import SourceContext, build_source

    pipeline = dlt.pipeline(
        pipeline_name=spec.name,
        pipelines_dir=str(paths.dlt_dir),
        dataset_name=dataset_name(spec.name),
        **destination_kwargs(paths),
    )
    reroute_dlt_logger()

    # A fresh container has no local state: `run` fetches it (incremental cursors, file dates) from
    # the destination, where dlt stores it with every load, before extract reads it. Sources read
    # state only while extracting, so building the source first is safe; an explicit
    # `sync_destination()` here would make dlt restore twice (it does not mark the state restored).
    source = build_source(SourceContext(spec=spec, paths=paths, secrets=secrets, base_url=base_url))
    info = pipeline.run(source, loader_file_format=LOADER_FILE_FORMAT)
    log("state restored", pipeline=spec.name, state_version=pipeline.state.get("_state_version"))

    trace = pipeline.last_trace
    for step in trace.steps:
        log("step finished", pipeline=spec.name, step=step.step, seconds=round((step.finished_at - step.started_at).total_seconds(), 3))
    normalize = trace.last_normalize_info
    counts: dict[str, int] = dict(normalize.row_counts) if normalize else {}
    rows = {table: n for table, n in sorted(counts.items()) if not table.startswith("_dlt")}
    return rows, list(info.loads_ids)


def describe_failure(e: BaseException) -> str:
    """The innermost cause names the real problem (dlt wraps it in PipelineStepFailed)."""
    parts: list[str] = []
    step = getattr(e, "step", None)
    if step:
        parts.append(f"step {step}")
    cause: BaseException = e
    while True:
        inner = getattr(cause, "exception", None) or cause.__cause__
        if not isinstance(inner, BaseException) or inner is cause:
            break
        cause = inner
    message = str(cause) if isinstance(cause, IngestionError) else f"{type(cause).__name__}: {cause}"
    parts.append(message)
    return redact(": ".join(parts))[:MAX_ERROR_CHARS]
