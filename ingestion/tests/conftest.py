from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from ingestion.cli import main  # noqa: E402
from ingestion.tests.fake_api import FakeApi, serve  # noqa: E402


class Workspace:
    """A throwaway `.local/` and `pipelines/` folder, and helpers to run the CLI against them."""

    def __init__(self, root: Path):
        self.root = root
        self.local = root / ".local"
        self.pipelines = root / "pipelines"
        self.lake = self.local / "lake"
        self.pipelines.mkdir(parents=True)

    def write_pipeline(self, name: str, source: dict[str, Any]) -> Path:
        spec = {"name": name, "description": "test", "owner": "t@example.com", "source": source, "schedule": {"cron": "0 * * * *"}}
        path = self.pipelines / f"{name}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        return path

    def run(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any] | None, str]:
        """Run the CLI in-process; returns (exit code, run record printed on stdout, stderr)."""
        code = main(["run", *args])
        out, err = capsys.readouterr()
        lines = [line for line in out.splitlines() if line.strip()]
        return code, (json.loads(lines[-1]) if lines else None), err

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.local / "warehouse.duckdb"), read_only=True) as con:
            return con.sql(sql).fetchall()

    def forget_local_state(self) -> None:
        """What a fresh container sees: no dlt working folder."""
        import shutil

        shutil.rmtree(self.local / "dlt", ignore_errors=True)

    def records(self, pipeline: str) -> list[dict[str, Any]]:
        """The ingestion step's parts of this pipeline's runs (`runs/<pipeline>/<run_id>/ingestion.json`), oldest first."""
        folder = self.local / "artifacts" / "runs" / pipeline
        records = [json.loads(p.read_text()) for p in folder.glob("*/ingestion.json")]
        return sorted(records, key=lambda r: r["started_at"])

    def pipeline_run(self, pipeline: str, run_id: str) -> dict[str, Any]:
        """The merged pipeline-run record of one run (`runs/<pipeline>/<run_id>.json`)."""
        return json.loads((self.local / "artifacts" / "runs" / pipeline / f"{run_id}.json").read_text())


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    ws = Workspace(tmp_path)
    monkeypatch.setenv("DP_LOCAL_DIR", str(ws.local))
    monkeypatch.setenv("DP_PIPELINES_DIR", str(ws.pipelines))
    # Retries stay real but fast, and no request can hang a test.
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_RETRY_DELAY", "0.1")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "5")
    for var in [v for v in os.environ if v.startswith(("DP_SECRET_", "DP_REST_BASE_URL_", "SNOWFLAKE_")) or v in ("DP_RAW_BUCKET_URI", "DP_PIPELINE_SPEC", "DP_ARTIFACTS_URI")]:
        monkeypatch.delenv(var)
    return ws


@pytest.fixture
def api() -> Iterator[FakeApi]:
    fake = FakeApi()
    server, thread = serve(fake)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
