"""Where a pipeline loads: DuckDB locally; in the cloud, Snowflake RAW through the raw bucket.

In the cloud dlt writes load files to $DP_DLT_STAGING_URI (`<raw bucket>/dlt`, set by the platform from
the same rule that points the Snowflake stage $SNOWFLAKE_STAGE at that folder: dlt names each file
relative to it in `COPY ... FILES = (...)`), and Snowflake copies them in as the loader user,
authenticated with a key pair.

The load files are kept: the bucket is the lake. dlt would otherwise delete a table's earlier files
from the staging folder before each load (`truncate_tables_on_staging_destination_before_load`); what
stays is `<raw bucket>/dlt/<dataset>/<table>/<load id>.<file id>.<format>` for every load, for as long
as the bucket's lifecycle rules keep objects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .logs import register_secret
from .settings import DLT_STAGING_ENV, SNOWFLAKE_ENV, Paths


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
        "destination": dlt.destinations.snowflake(
            credentials=credentials,
            stage_name=stage_name,
            truncate_tables_on_staging_destination_before_load=False,
        ),
        "staging": dlt.destinations.filesystem(bucket_url=staging_uri(paths)),
    }


# The load file format for `pipeline.run`: Parquet on both targets. Locally, DuckDB reads it in bulk,
# where dlt's default for DuckDB, `insert_values` (SQL INSERT text, parsed back by DuckDB), was 80% of
# a REST load's time. In the cloud every table is staged as Parquet, which keeps column types in the
# lake's files (dlt's default for Snowflake staging is gzipped JSON lines) and which Snowflake's COPY
# matches to the table by column name.
LOADER_FILE_FORMAT = "parquet"


def duckdb_credentials(warehouse: Path) -> Any:
    """DuckDB credentials as an object, not a path string: dlt parses a string as an SQLAlchemy URL
    first (importing SQLAlchemy, ~0.3 s of every local run, and again at each of its ~70 config
    resolutions) before falling back to a file path. An object with `database` set is taken as is."""
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    credentials = DuckDbCredentials()
    credentials.database = str(warehouse)
    return credentials


def staging_uri(paths: Paths) -> str:
    """The staging folder the platform names; it must lie inside the raw bucket (the lake)."""
    uri = os.environ.get(DLT_STAGING_ENV, "").strip().rstrip("/")
    if not uri:
        raise ConfigurationError(f"target cloud: environment variable {DLT_STAGING_ENV} expected (the folder the Snowflake stage points at), found unset")
    if not uri.startswith(paths.lake_uri.rstrip("/") + "/"):
        raise ConfigurationError(f"environment {DLT_STAGING_ENV}: expected a folder inside {paths.lake_uri}, found {uri}")
    return uri


def snowflake_env() -> dict[str, str]:
    missing = [name for name in SNOWFLAKE_ENV if not os.environ.get(name)]
    if missing:
        raise ConfigurationError(f"target cloud: environment variables {', '.join(missing)} expected, found unset")
    return {name: os.environ[name] for name in SNOWFLAKE_ENV}
