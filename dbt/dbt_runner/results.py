"""Turn dbt's run_results.json into the run record's counts and status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dbt_runner.pipeline_run import FAILED, PARTIAL, SUCCESS  # the vocabulary's home (pipeline_run.py)

STATUSES = (SUCCESS, PARTIAL, FAILED)  # what a dbt step ends with

_OK = {"success", "pass", "warn"}  # nodes that ran and did their job
_FAILED = {"error", "fail", "runtime error"}
# The counter a node's status increments, by resource type; other nodes only count in nodes_total.
_TEST_COUNTERS = {"pass": "tests_passed", "warn": "tests_warned", "skipped": "tests_skipped", **dict.fromkeys(_FAILED, "tests_failed")}
_BUILT_COUNTERS = {"success": "models_built", "skipped": "models_skipped", **dict.fromkeys(_FAILED, "models_failed")}
_COUNTERS = {
    **dict.fromkeys(("test", "unit_test"), _TEST_COUNTERS),
    **dict.fromkeys(("model", "seed", "snapshot"), _BUILT_COUNTERS),
}
COUNT_KEYS = ("models_built", "models_failed", "models_skipped", "tests_passed", "tests_warned", "tests_failed", "tests_skipped", "nodes_total")


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    nodes_ok: int = 0
    rows: int | None = None  # sum of rows_affected reported for models; None when none is reported
    failures: list[dict[str, Any]] = field(default_factory=list)


def _resource_type(unique_id: str) -> str:
    return unique_id.split(".", 1)[0]


def _name(unique_id: str) -> str:
    return unique_id.rsplit(".", 1)[-1] if _resource_type(unique_id) != "test" else unique_id.split(".")[2]


def summarize(run_results: dict[str, Any]) -> Summary:
    """Count outcomes per node type from a parsed run_results.json."""
    s = Summary()
    rows: list[int] = []
    for r in run_results.get("results", []):
        uid = r.get("unique_id", "")
        rtype = _resource_type(uid)
        status = str(r.get("status", "")).lower()
        s.counts["nodes_total"] += 1
        if status in _OK:
            s.nodes_ok += 1
        counter = _COUNTERS.get(rtype, {}).get(status)
        if counter:
            s.counts[counter] += 1
        if rtype == "model":
            n = (r.get("adapter_response") or {}).get("rows_affected")
            if isinstance(n, int) and n >= 0:
                rows.append(n)
        if status in _FAILED:
            failure: dict[str, Any] = {"unique_id": uid, "name": _name(uid), "resource_type": rtype, "status": status}
            if r.get("failures") is not None:
                failure["failures"] = r["failures"]
            if r.get("message"):
                failure["message"] = str(r["message"])[:1000]
            s.failures.append(failure)
    s.rows = sum(rows) if rows else None
    return s


def classify(dbt_success: bool, dbt_errored: bool, summary: Summary | None) -> str:
    """SUCCESS: dbt succeeded. PARTIAL: something failed but other nodes ran fine.
    FAILED: dbt raised / produced no results, or nothing ran successfully."""
    if dbt_errored or summary is None:
        return FAILED
    if dbt_success and not summary.failures:
        return SUCCESS
    if summary.failures and summary.nodes_ok > 0:
        return PARTIAL
    return FAILED


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def describe_failures(summary: Summary, limit: int = 5) -> str:
    parts = []
    for f in summary.failures[:limit]:
        what = f"{f['resource_type']} {f['name']} {f['status']}"
        if f.get("failures"):
            what += f" ({f['failures']} failing rows)"
        elif f.get("message"):
            # dbt's own reason ("Binder Error: Referenced column ... not found"), on one line.
            what += f": {_one_line(f['message'])}"
        parts.append(what)
    more = len(summary.failures) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
