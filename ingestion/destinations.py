"""Where a pipeline loads: DuckDB locally; in the cloud, Snowflake RAW through the raw bucket.

In the cloud dlt writes load files to `<raw bucket>/dlt/` (kept: the bucket is the lake) and Snowflake
copies them in as the loader user, authenticated with a key pair.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .logs import register_secret
from .settings import SNOWFLAKE_ENV, Paths


def destination_kwargs(paths: Paths) -> dict[str, Any]:
    """Arguments for `dlt.pipeline(...)`: destination and, in the cloud, staging."""
    import dlt

    if paths.target == "local":
        assert paths.warehouse is not None
        paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
        return {"destination": dlt.destinations.duckdb(credentials=duckdb_credentials(paths.warehouse))}

    env = snowflake_env()
    register_secret(env["SNOWFLAKE_PRIVATE_KEY"])
    credentials = {
        "host": env["SNOWFLAKE_ACCOUNT"],
        "username": env["SNOWFLAKE_USER"],
        "role": env["SNOWFLAKE_ROLE"],
        "warehouse": env["SNOWFLAKE_WAREHOUSE"],
        "database": env["SNOWFLAKE_DATABASE"],
        "private_key": env["SNOWFLAKE_PRIVATE_KEY"],
    }
    passphrase = os.environ.get("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")
    if passphrase:
        register_secret(passphrase)
        credentials["private_key_passphrase"] = passphrase
    # Snowflake reads GCS only through a named stage (storage integration); S3 may use one too.
    stage_name = os.environ.get("SNOWFLAKE_STAGE") or None
    return {
        "destination": dlt.destinations.snowflake(credentials=credentials, stage_name=stage_name),
        "staging": dlt.destinations.filesystem(bucket_url=paths.lake("dlt")),
    }


def loader_file_format(paths: Paths) -> str | None:
    """The load file format for `pipeline.run`. Locally parquet: DuckDB reads it in bulk, where dlt's
    default for DuckDB, `insert_values` (SQL INSERT text, parsed back by DuckDB), was 80% of a REST
    load's time. In the cloud None keeps dlt's choice for Snowflake staging (jsonl for dict rows,
    parquet for Arrow data), which Snowflake copies from the bucket in bulk already."""
    return "parquet" if paths.target == "local" else None


def duckdb_credentials(warehouse: Path) -> Any:
    """DuckDB credentials as an object, not a path string: dlt parses a string as an SQLAlchemy URL
    first (importing SQLAlchemy, ~0.3 s of every local run, and again at each of its ~70 config
    resolutions) before falling back to a file path. An object with `database` set is taken as is."""
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    credentials = DuckDbCredentials()
    credentials.database = str(warehouse)
    return credentials


def snowflake_env() -> dict[str, str]:
    missing = [name for name in SNOWFLAKE_ENV if not os.environ.get(name)]
    if missing:
        raise ConfigurationError(f"target cloud: environment variables {', '.join(missing)} expected, found unset")
    return {name: os.environ[name] for name in SNOWFLAKE_ENV}
