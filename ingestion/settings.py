"""Where things live, locally and in the cloud. Every path and environment variable name is here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import pipeline_run
from .errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parent.parent

TARGETS = ("local", "cloud")

# What started the run (DP_RUN_TYPE): the cloud orchestrations set it from their trigger input
# (components/cloud/run-context.ts), `npm run local` sets MANUAL; a run nobody labelled is the schedule's.
RUN_TYPES, DEFAULT_RUN_TYPE = pipeline_run.RUN_TYPES, pipeline_run.DEFAULT_RUN_TYPE

# Where the pipeline-run records go: the artifacts bucket in the cloud (required there), a folder locally.
ARTIFACTS_ENV = "DP_ARTIFACTS_URI"

CLOUD_BUCKET_ENV = "DP_RAW_BUCKET_URI"
# dlt's staging folder in the raw bucket; the Snowflake stage points at the same folder (the platform sets both).
DLT_STAGING_ENV = "DP_DLT_STAGING_URI"
SNOWFLAKE_ENV = ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_ROLE", "SNOWFLAKE_WAREHOUSE", "SNOWFLAKE_DATABASE", "SNOWFLAKE_PRIVATE_KEY")


def dataset_name(pipeline: str) -> str:
    """The schema a pipeline loads into; the dbt project's sources rely on exactly this."""
    return f"raw_{pipeline}"


def base_url_env(pipeline: str) -> str:
    """Overrides a rest_api pipeline's base_url, so the local platform can serve fixtures."""
    return f"DP_REST_BASE_URL_{pipeline.upper()}"


def local_dir() -> Path:
    return Path(os.environ.get("DP_LOCAL_DIR") or REPO_ROOT / ".local").resolve()


def pipelines_dir() -> Path:
    return Path(os.environ.get("DP_PIPELINES_DIR") or REPO_ROOT / "pipelines").resolve()


def artifacts_uri(target: str) -> str:
    """The artifacts bucket (pipeline-run records): $DP_ARTIFACTS_URI; a local run defaults to `.local/artifacts`
    (the dbt runner's default too), a cloud run without it stops before loading anything."""
    uri = os.environ.get(ARTIFACTS_ENV, "").strip().rstrip("/")
    if target == "local":
        return uri or str(local_dir() / "artifacts")
    if not uri.startswith(("gs://", "s3://")):
        found = "nothing" if not uri else repr(uri)
        raise ConfigurationError(f"environment {ARTIFACTS_ENV}: expected gs://<bucket> or s3://<bucket> (the artifacts bucket, for the run record), found {found}")
    return uri


@dataclass(frozen=True)
class Paths:
    """`lake_uri` is the raw bucket: a folder locally, `gs://` or `s3://` in the cloud."""

    target: str
    lake_uri: str
    dlt_dir: Path
    warehouse: Path | None  # DuckDB file, local target only
    artifacts_uri: str = ""  # pipeline-run records (artifacts_uri())

    def lake(self, *parts: str) -> str:
        return "/".join([self.lake_uri.rstrip("/"), *[p.strip("/") for p in parts if p]])


def paths_for(target: str) -> Paths:
    if target == "local":
        root = local_dir()
        return Paths(target, str(root / "lake"), root / "dlt", root / "warehouse.duckdb", artifacts_uri(target))
    bucket = os.environ.get(CLOUD_BUCKET_ENV, "").strip()
    if not bucket.startswith(("gs://", "s3://")):
        found = "nothing" if not bucket else f"a value starting with {bucket.split('://')[0]!r}"
        raise ConfigurationError(f"environment {CLOUD_BUCKET_ENV}: expected gs://<bucket> or s3://<bucket>, found {found}")
    # A container's disk is scratch: dlt's working folder lives there, its state lives in the destination.
    scratch = Path(os.environ.get("DP_DLT_DIR") or "/tmp/dlt")
    return Paths(target, bucket.rstrip("/"), scratch, None, artifacts_uri(target))
