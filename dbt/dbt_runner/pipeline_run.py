"""The pipeline-run record: ONE record per run id, whichever steps the run took.

This file is the home of the record's rules; `dbt/dbt_runner/pipeline_run.py` is a byte-identical copy
(the two images have separate build contexts; test/local/run-status.test.ts fails when they differ, and
checks STATUSES and RUN_TYPES against tools/run-status.ts and components/cloud/run-context.ts).

Layout in the artifacts bucket (a folder locally: `$DP_LOCAL_DIR/artifacts`):

    runs/<pipeline>/<run_id>/<step>.json   each step's own part (ingestion, dbt), written by that step only
    runs/<pipeline>/<run_id>.json          the pipeline-run record: the merge of the parts present

Why writes are safe: a part has exactly one writer (its step; a retried step rewrites its own part with
the later attempt), and the record is a pure function of the parts (`merge`). Every step writes its part
first, then reads all parts and rewrites the record. The orchestration runs the steps of one run in order
(ingestion, then dbt), so the last step to write sees every part; two runs never share a key (the run id
is in it). Should two writers of one run ever race, the record is stale only until the next write, and
any reader can rebuild it from the parts (`read_record`): no part is ever lost. Only known part names are
read (no listing), so a step needs read/write on its own `runs/<pipeline>/` prefix and nothing else.

The same record is upserted into the warehouse (`platform.pipeline_runs` in DuckDB, `<RAW>.PLATFORM.
PIPELINE_RUNS` in Snowflake): delete the run's row and insert the new one, in one transaction.

Formats: timestamps are RFC 3339 UTC with milliseconds and `Z` (`2026-12-01T12:27:00.123Z`), the logs'
`time`; a run id made here is `<UTC yyyymmddThhmmssmmm>Z-<8 hex>` (sorts by time); the clouds pass their
execution's id instead (DP_RUN_ID), so every step of a run records the same id.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

# The run-status vocabulary (tools/run-status.ts lists exactly these; a test checks).
QUEUED, RUNNING, SUCCESS, PARTIAL, FAILED, SKIPPED = "QUEUED", "RUNNING", "SUCCESS", "PARTIAL", "FAILED", "SKIPPED"
STATUSES = (QUEUED, RUNNING, SUCCESS, PARTIAL, FAILED, SKIPPED)
# What started the run (components/cloud/run-context.ts RUN_TYPES; a test checks).
RUN_TYPES = ("SCHEDULED", "MANUAL")
DEFAULT_RUN_TYPE = "SCHEDULED"
# The steps of every pipeline run, in the order the orchestrations run them (Fivetran's sync is not a
# step with a part: the ingestion step records SKIPPED for Fivetran sources, and the dbt step follows).
STEPS = ("ingestion", "dbt")
RUNS_PREFIX = "runs"
WAREHOUSE_SCHEMA = "platform"  # RAW.PLATFORM in Snowflake (components/warehouse/model.ts PLATFORM_SCHEMA)
WAREHOUSE_TABLE = "pipeline_runs"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def now() -> str:
    return iso(datetime.now(UTC))


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    # Sortable by time (to the millisecond, so two runs in one second list in order), unique across
    # parallel containers thanks to the random suffix.
    t = datetime.now(UTC)
    return t.strftime("%Y%m%dT%H%M%S") + f"{t.microsecond // 1000:03d}Z-" + uuid.uuid4().hex[:8]


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id):
        raise ValueError(f"run id: expected letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit), found {run_id!r}")
    return run_id


def part_key(pipeline: str, run_id: str, step: str) -> str:
    return f"{RUNS_PREFIX}/{pipeline}/{run_id}/{step}.json"


def record_key(pipeline: str, run_id: str) -> str:
    return f"{RUNS_PREFIX}/{pipeline}/{run_id}.json"


def merge(pipeline: str, run_id: str, parts: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The pipeline-run record from the parts present (step → part). Status: QUEUED while no step has
    reported; FAILED if a step failed; RUNNING while a step runs, or after a step succeeded and the next
    has yet to report; PARTIAL if dbt was partial; SKIPPED if every step skipped (a skipped step ends the
    run: nothing follows it); else SUCCESS."""
    steps = {s: dict(parts[s]) for s in STEPS if s in parts}
    for step, part in steps.items():
        if part.get("status") not in STATUSES:
            raise ValueError(f"run {pipeline}/{run_id}: step {step} status {part.get('status')!r}: expected one of {', '.join(STATUSES)}")
    statuses = [p["status"] for p in steps.values()]
    failed = next((s for s in STEPS if s in steps and steps[s]["status"] in (FAILED, PARTIAL)), None)
    last = max(steps, key=STEPS.index, default=None)
    awaiting_next = last is not None and steps[last]["status"] == SUCCESS and STEPS.index(last) < len(STEPS) - 1
    if not steps:
        status = QUEUED
    elif FAILED in statuses:
        status = FAILED
    elif RUNNING in statuses or QUEUED in statuses or awaiting_next:
        status = RUNNING
    elif PARTIAL in statuses:
        status = PARTIAL
    elif all(s == SKIPPED for s in statuses):
        status = SKIPPED
    else:
        status = SUCCESS
    started = [p["started_at"] for p in steps.values() if p.get("started_at")]
    finished = [p["finished_at"] for p in steps.values() if p.get("finished_at")]
    terminal = status in (SUCCESS, PARTIAL, FAILED, SKIPPED)
    ingestion, dbt = steps.get("ingestion", {}), steps.get("dbt", {})
    run_types = {str(p["run_type"]) for p in steps.values() if p.get("run_type")}
    return {
        "pipeline": pipeline,
        "run_id": run_id,
        "run_type": sorted(run_types)[0] if run_types else DEFAULT_RUN_TYPE,
        "status": status,
        "started_at": min(started) if started else None,
        "finished_at": max(finished) if terminal and finished else None,
        "rows": dict(ingestion.get("rows") or {}),
        "models": {k: dbt[f"models_{k}"] for k in ("built", "failed", "skipped") if f"models_{k}" in dbt},
        "tests": {k: dbt[f"tests_{k}"] for k in ("passed", "warned", "failed", "skipped") if f"tests_{k}" in dbt},
        "failed_step": failed if status in (FAILED, PARTIAL) else None,
        "error": steps[failed].get("error") if failed and status in (FAILED, PARTIAL) else None,
        "steps": steps,
        "updated_at": now(),
    }


class PartStore:
    """What the record needs of a bucket: read one object (None when absent) and write one."""

    def read(self, key: str) -> bytes | None:
        raise NotImplementedError

    def write(self, key: str, data: bytes) -> str:
        raise NotImplementedError


class FsspecPartStore(PartStore):
    """A bucket (gs://, s3://) or a folder, through fsspec; writes to a folder are atomic (tmp + rename)."""

    def __init__(self, uri: str, **storage_options: Any):
        import fsspec

        self.uri = uri.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.uri, **storage_options)
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))

    def _path(self, key: str) -> str:
        return f"{self.root.rstrip('/')}/{key}"

    def read(self, key: str) -> bytes | None:
        try:
            return self.fs.cat_file(self._path(key))
        except FileNotFoundError:
            return None

    def write(self, key: str, data: bytes) -> str:
        path = self._path(key)
        if self.local:
            import os

            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)  # readers never see a half-written record
        else:
            self.fs.pipe_file(path, data)
        return f"{self.uri}/{key}"


def open_part_store(uri: str) -> FsspecPartStore:
    # gs:// with Application Default Credentials explicitly (the job's service account), so missing
    # credentials fail instead of gcsfs falling back to anonymous access.
    return FsspecPartStore(uri, token="google_default") if uri.startswith(("gs://", "gcs://")) else FsspecPartStore(uri)


def read_record(store: PartStore, pipeline: str, run_id: str) -> dict[str, Any]:
    parts = {}
    for step in STEPS:
        data = store.read(part_key(pipeline, run_id, step))
        if data is not None:
            parts[step] = json.loads(data)
    return merge(pipeline, run_id, parts)


def record_step(store: PartStore, pipeline: str, run_id: str, step: str, part: Mapping[str, Any], redact: Callable[[str], str] = str) -> tuple[dict[str, Any], str]:
    """Write this step's part, then the merged record; returns (record, record URI)."""
    if step not in STEPS:
        raise ValueError(f"step {step!r}: expected one of {', '.join(STEPS)}")
    check_run_id(run_id)
    store.write(part_key(pipeline, run_id, step), redact(json.dumps(dict(part), default=str, ensure_ascii=False)).encode("utf-8"))
    record = read_record(store, pipeline, run_id)
    uri = store.write(record_key(pipeline, run_id), redact(json.dumps(record, indent=2, default=str, ensure_ascii=False)).encode("utf-8"))
    return record, uri


# The warehouse table: one row per run; the whole record stays in `record` (JSON text) for what has no column.
COLUMNS = (
    ("pipeline", "VARCHAR"),
    ("run_id", "VARCHAR"),
    ("run_type", "VARCHAR"),
    ("status", "VARCHAR"),
    ("started_at", "TIMESTAMP"),
    ("finished_at", "TIMESTAMP"),
    ("rows_loaded", "BIGINT"),
    ("models_built", "INTEGER"),
    ("models_failed", "INTEGER"),
    ("tests_passed", "INTEGER"),
    ("tests_failed", "INTEGER"),
    ("failed_step", "VARCHAR"),
    ("error", "VARCHAR"),
    ("record", "VARCHAR"),
    ("updated_at", "TIMESTAMP"),
)


def _ts(value: str | None) -> str | None:
    # Both engines take `YYYY-MM-DD HH:MM:SS.fff` as a TIMESTAMP (UTC, no zone: TIMESTAMP_NTZ in Snowflake).
    return value.replace("T", " ").rstrip("Z") if value else None


def row(record: Mapping[str, Any]) -> dict[str, Any]:
    models, tests = record.get("models") or {}, record.get("tests") or {}
    return {
        "pipeline": record["pipeline"],
        "run_id": record["run_id"],
        "run_type": record["run_type"],
        "status": record["status"],
        "started_at": _ts(record.get("started_at")),
        "finished_at": _ts(record.get("finished_at")),
        "rows_loaded": sum((record.get("rows") or {}).values()),
        "models_built": models.get("built"),
        "models_failed": models.get("failed"),
        "tests_passed": tests.get("passed"),
        "tests_failed": tests.get("failed"),
        "failed_step": record.get("failed_step"),
        "error": record.get("error"),
        "record": json.dumps(record, default=str, ensure_ascii=False),
        "updated_at": _ts(record.get("updated_at")),
    }


def upsert_statements(database: str | None, record: Mapping[str, Any], placeholder: Callable[[str], str]) -> list[tuple[str, dict[str, Any]]]:
    """The statements that create the table if needed and replace the run's row. `placeholder(name)`
    renders a bound parameter in the driver's style (DuckDB `$name`, Snowflake's connector `%(name)s`)."""
    table = ".".join([*([database] if database else []), WAREHOUSE_SCHEMA, WAREHOUSE_TABLE])
    values = row(record)
    cols = [c for c, _ in COLUMNS]
    casts = {c: t for c, t in COLUMNS}
    rendered = ", ".join(f"CAST({placeholder(c)} AS TIMESTAMP)" if casts[c] == "TIMESTAMP" else placeholder(c) for c in cols)
    keys = {"pipeline": values["pipeline"], "run_id": values["run_id"]}
    return [
        (f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(f'{c} {t}' for c, t in COLUMNS)})", {}),
        (f"DELETE FROM {table} WHERE pipeline = {placeholder('pipeline')} AND run_id = {placeholder('run_id')}", keys),
        (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({rendered})", values),
    ]


def write_duckdb(path: str, record: Mapping[str, Any]) -> None:
    import duckdb

    con = duckdb.connect(path)
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {WAREHOUSE_SCHEMA}")
        con.execute("BEGIN TRANSACTION")
        for sql, params in upsert_statements(None, record, lambda name: f"${name}"):
            con.execute(sql, params or None)
        con.execute("COMMIT")
    finally:
        con.close()


def write_snowflake(connect: Callable[[], Any], database: str, record: Mapping[str, Any]) -> None:
    """`connect()` returns a snowflake.connector connection (the step's own login). The schema is the
    stack's (RAW.PLATFORM); the table is created by the first writer, readable by the readers' grant."""
    con = connect()
    try:
        cur = con.cursor()
        create, *replace = upsert_statements(database, record, lambda name: f"%({name})s")
        # DDL commits on its own in Snowflake (an open transaction would be committed by it), so it runs first.
        cur.execute(create[0])
        cur.execute("BEGIN")
        for sql, params in replace:
            cur.execute(sql, params)
        cur.execute("COMMIT")
    finally:
        con.close()


def snowflake_connector(env: Mapping[str, str], database: str) -> Callable[[], Any]:
    """A connection as the step's own Snowflake login (key pair), from the job's environment."""

    def connect() -> Any:
        import snowflake.connector
        from cryptography.hazmat.primitives import serialization

        pem = env["SNOWFLAKE_PRIVATE_KEY"].replace("\\n", "\n") if "\n" not in env["SNOWFLAKE_PRIVATE_KEY"] else env["SNOWFLAKE_PRIVATE_KEY"]
        passphrase = env.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")
        key = serialization.load_pem_private_key(pem.encode(), password=passphrase.encode() if passphrase else None)
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return snowflake.connector.connect(
            account=env["SNOWFLAKE_ACCOUNT"],
            user=env["SNOWFLAKE_USER"],
            role=env["SNOWFLAKE_ROLE"],
            warehouse=env["SNOWFLAKE_WAREHOUSE"],
            database=database,
            private_key=der,
            session_parameters={"QUERY_TAG": "data-platform pipeline-run record"},
        )

    return connect
