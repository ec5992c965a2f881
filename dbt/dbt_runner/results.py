"""Turn dbt's run_results.json into the run record's counts and status."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUCCESS, PARTIAL, FAILED = "SUCCESS", "PARTIAL", "FAILED"

_OK = {"success", "pass", "warn"}  # nodes that ran and did their job
_FAILED = {"error", "fail", "runtime error"}
_TEST_TYPES = {"test", "unit_test"}
_BUILT_TYPES = {"model", "seed", "snapshot"}


@dataclass
class Summary:
    models_built: int = 0
    models_failed: int = 0
    models_skipped: int = 0
    tests_passed: int = 0
    tests_warned: int = 0
    tests_failed: int = 0
    tests_skipped: int = 0
    nodes_total: int = 0
    nodes_ok: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "models_built": self.models_built,
            "models_failed": self.models_failed,
            "models_skipped": self.models_skipped,
            "tests_passed": self.tests_passed,
            "tests_warned": self.tests_warned,
            "tests_failed": self.tests_failed,
            "tests_skipped": self.tests_skipped,
            "nodes_total": self.nodes_total,
        }


def _resource_type(unique_id: str) -> str:
    return unique_id.split(".", 1)[0]


def _name(unique_id: str) -> str:
    return unique_id.rsplit(".", 1)[-1] if _resource_type(unique_id) != "test" else unique_id.split(".")[2]


def summarize(run_results: dict[str, Any]) -> Summary:
    """Count outcomes per node type from a parsed run_results.json."""
    s = Summary()
    for r in run_results.get("results", []):
        uid = r.get("unique_id", "")
        rtype = _resource_type(uid)
        status = str(r.get("status", "")).lower()
        s.nodes_total += 1
        if status in _OK:
            s.nodes_ok += 1
        if rtype in _TEST_TYPES:
            if status == "pass":
                s.tests_passed += 1
            elif status == "warn":
                s.tests_warned += 1
            elif status in _FAILED:
                s.tests_failed += 1
            elif status == "skipped":
                s.tests_skipped += 1
        elif rtype in _BUILT_TYPES:
            if status == "success":
                s.models_built += 1
            elif status in _FAILED:
                s.models_failed += 1
            elif status == "skipped":
                s.models_skipped += 1
        if status in _FAILED:
            failure: dict[str, Any] = {"unique_id": uid, "name": _name(uid), "resource_type": rtype, "status": status}
            if r.get("failures") is not None:
                failure["failures"] = r["failures"]
            if r.get("message"):
                failure["message"] = str(r["message"])[:1000]
            s.failures.append(failure)
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


def describe_failures(summary: Summary, limit: int = 5) -> str:
    parts = []
    for f in summary.failures[:limit]:
        what = f"{f['resource_type']} {f['name']} {f['status']}"
        if f.get("failures"):
            what += f" ({f['failures']} failing rows)"
        parts.append(what)
    more = len(summary.failures) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
