"""The ingestion step's part of the pipeline-run record (pipeline_run.py has the record's rules).

The part lands at `runs/<pipeline>/<run_id>/ingestion.json` in the artifacts bucket, and the merged
pipeline-run record beside it (`runs/<pipeline>/<run_id>.json`) and in the warehouse's
`platform.pipeline_runs`. Its fields are ingestion's own (`rows` per table, load ids, source type).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .pipeline_run import DEFAULT_RUN_TYPE, FAILED, RUNNING, SKIPPED, STATUSES, SUCCESS, new_run_id, now

__all__ = ["FAILED", "RUNNING", "SKIPPED", "STATUSES", "SUCCESS", "RunRecord", "new_run_id", "now"]


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=False)
