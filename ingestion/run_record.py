"""The run record: one JSON document per run at `<lake>/_runs/<pipeline>/<run_id>.json`.

The same `status` field and vocabulary as the dbt runner's record (tools/run-status.ts checks both);
the other fields are ingestion's own (`rows` per table, load ids).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import fsspec

from .settings import DEFAULT_RUN_TYPE

# The same vocabulary and field (`status`) as the dbt runner's record (SUCCESS / PARTIAL / FAILED);
# an ingestion run is never partial, and SKIPPED means nothing had to run (Fivetran loads it itself,
# or a local run lacks the source's secrets).
RUNNING, SUCCESS, FAILED, SKIPPED = "RUNNING", "SUCCESS", "FAILED", "SKIPPED"
STATUSES = (RUNNING, SUCCESS, FAILED, SKIPPED)  # tools/run-status.ts must list each (a test checks)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    # Sortable by time (to the millisecond, so two runs in one second list in order), unique across
    # parallel containers thanks to the random suffix.
    t = datetime.now(UTC)
    return t.strftime("%Y%m%dT%H%M%S") + f"{t.microsecond // 1000:03d}Z-" + uuid.uuid4().hex[:8]


@dataclass
class RunRecord:
    pipeline: str
    run_id: str
    target: str
    source_type: str
    run_type: str = DEFAULT_RUN_TYPE
    kind: str = "ingestion"
    status: str = RUNNING
    started_at: str = field(default_factory=now)
    finished_at: str | None = None
    rows: dict[str, int] = field(default_factory=dict)  # table → rows loaded by this run
    dataset: str | None = None
    load_ids: list[str] = field(default_factory=list)
    reason: str | None = None  # why a run was skipped
    error: str | None = None

    def finish(self, status: str, **changes: Any) -> RunRecord:
        if status not in STATUSES:
            raise ValueError(f"run status {status!r}: expected one of {STATUSES}")
        self.status = status
        self.finished_at = now()
        for key, value in changes.items():
            setattr(self, key, value)
        return self

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=False)


def record_uri(lake_uri: str, pipeline: str, run_id: str) -> str:
    return f"{lake_uri.rstrip('/')}/_runs/{pipeline}/{run_id}.json"


def write_record(lake_uri: str, record: RunRecord) -> str:
    uri = record_uri(lake_uri, record.pipeline, record.run_id)
    with fsspec.open(uri, "w", auto_mkdir=True, encoding="utf-8") as f:
        f.write(record.to_json() + "\n")
    return uri
