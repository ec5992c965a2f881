"""Fixtures: a temp DuckDB with raw tables shaped like dlt's output, and a way to run the runner
exactly as a job or the local runner does (a subprocess, from the dbt/ folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests_runner.raw_data import create_raw_warehouse

DBT_DIR = Path(__file__).resolve().parent.parent


@dataclass
class RunnerResult:
    returncode: int
    stdout: str
    stderr: str
    summary: dict
    artifacts_root: Path

    def run_dir(self) -> Path:
        return self.artifacts_root / self.summary["pipeline"] / self.summary["run_id"]

    def run_record(self) -> dict:
        """The dbt step's part of the pipeline-run record (`runs/<pipeline>/<run_id>/dbt.json`)."""
        return json.loads((self.artifacts_root / "runs" / self.summary["pipeline"] / self.summary["run_id"] / "dbt.json").read_text())

    def pipeline_run(self) -> dict:
        """The merged pipeline-run record (`runs/<pipeline>/<run_id>.json`)."""
        return json.loads((self.artifacts_root / "runs" / self.summary["pipeline"] / f"{self.summary['run_id']}.json").read_text())

    def run_results(self) -> dict:
        return json.loads((self.run_dir() / "run_results.json").read_text())

    def executed(self, resource_type: str = "model") -> set[str]:
        return {r["unique_id"].split(".")[-1] for r in self.run_results()["results"] if r["unique_id"].startswith(resource_type + ".")}


@pytest.fixture
def local_dir(tmp_path: Path) -> Path:
    d = tmp_path / "local"
    d.mkdir()
    return d


@pytest.fixture
def warehouse(local_dir: Path) -> Path:
    return create_raw_warehouse(local_dir / "warehouse.duckdb")


@pytest.fixture
def run_runner(local_dir: Path):
    artifacts = local_dir / "artifacts"

    def run(*args: str, env: dict[str, str] | None = None, timeout: int = 90) -> RunnerResult:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DP_", "DBT_", "SNOWFLAKE_")) and k != "CLOUD_RUN_EXECUTION"}
        full_env.update({"DP_LOCAL_DIR": str(local_dir), "DP_ARTIFACTS_URI": str(artifacts)})
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "dbt_runner", *args],
            cwd=DBT_DIR,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        lines = proc.stdout.strip().splitlines()
        assert len(lines) == 1, f"stdout must be exactly one JSON line, got:\n{proc.stdout}\n{proc.stderr[-3000:]}"
        return RunnerResult(proc.returncode, proc.stdout, proc.stderr, json.loads(lines[0]), artifacts)

    return run
