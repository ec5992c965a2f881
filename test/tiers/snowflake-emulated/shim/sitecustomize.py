"""Loaded by every Python process the snowflake-emulated tier starts (the ingestion CLI, the dbt
runner), through PYTHONPATH; the jobs' own environment from the plan is passed on untouched.

Two emulator differences, each replaced by the smallest stand-in:

1. Where Snowflake is. A job connects to `<SNOWFLAKE_ACCOUNT>.snowflakecomputing.com:443` over HTTPS
   (https://docs.snowflake.com/en/user-guide/admin-account-identifier). Here every
   `snowflake.connector` connection goes to fakesnow on 127.0.0.1:$DP_TIER_FAKESNOW_PORT over HTTP;
   account, user, role, warehouse, database and key are the job's own. fakesnow accepts any key: key-
   pair authentication is not proven here.
2. Where the bucket is. The jobs read and write `gs://<bucket>/...` (GCP) or `s3://<bucket>/...` (AWS)
   through fsspec (dlt's filesystem staging and sources, the run records). Here both protocols map to
   `$DP_TIER_LAKE_ROOT/<bucket>/...`, the folder fakesnow's stages read (fakesnow_server.py). Bucket
   IAM is not proven here. The cloud's ambient credentials (Cloud Run's metadata server for
   `google.auth.default()`, the ECS task role for boto) are stood in for by anonymous ones.
"""

from __future__ import annotations

import os

_PORT = os.environ.get("DP_TIER_FAKESNOW_PORT")
_LAKE = os.environ.get("DP_TIER_LAKE_ROOT")


def _redirect_snowflake() -> None:
    import snowflake.connector.connection as connection

    original = connection.SnowflakeConnection.__init__

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N807 - it replaces the connector's __init__
        kwargs.update(host="127.0.0.1", port=int(_PORT), protocol="http")  # type: ignore[arg-type]
        original(self, *args, **kwargs)

    connection.SnowflakeConnection.__init__ = __init__  # type: ignore[method-assign]


def _map_buckets() -> None:
    import fsspec
    from fsspec.implementations.dirfs import DirFileSystem
    from fsspec.implementations.local import LocalFileSystem

    root = os.path.abspath(_LAKE)  # type: ignore[arg-type]

    class LakeFileSystem(DirFileSystem):
        """`<protocol>://<bucket>/<key>` ↔ `<root>/<bucket>/<key>`; paths come back as `<bucket>/<key>`, as gcsfs and s3fs give them."""

        protocol = ("gs", "gcs", "s3", "s3a")
        root_marker = ""

        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            # Cloud credentials and client options do not apply to a local folder.
            os.makedirs(root, exist_ok=True)
            super().__init__(path=root, fs=LocalFileSystem(auto_mkdir=True))

        # gcsfs reports modification times as `updated` (ISO 8601) and s3fs as `LastModified`
        # (datetime); dlt's filesystem source reads the one of the bucket's protocol.
        @staticmethod
        def _with_times(entry):  # type: ignore[no-untyped-def]
            if isinstance(entry, dict) and "mtime" in entry:
                import datetime

                modified = datetime.datetime.fromtimestamp(entry["mtime"], tz=datetime.UTC)
                entry.setdefault("updated", modified.isoformat())
                entry.setdefault("LastModified", modified)
            return entry

        def _times(self, result):  # type: ignore[no-untyped-def]
            if isinstance(result, dict):
                return {k: self._with_times(v) for k, v in result.items()} if all(isinstance(v, dict) for v in result.values()) else self._with_times(result)
            if isinstance(result, list):
                return [self._with_times(v) for v in result]
            return result

        def info(self, path, **kwargs):  # type: ignore[no-untyped-def]
            return self._times(super().info(path, **kwargs))

        def ls(self, path, detail=True, **kwargs):  # type: ignore[no-untyped-def]
            return self._times(super().ls(path, detail=detail, **kwargs))

        def find(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
            return self._times(super().find(path, *args, **kwargs))

        def glob(self, path, **kwargs):  # type: ignore[no-untyped-def]
            return self._times(super().glob(path, **kwargs))

        @classmethod
        def _strip_protocol(cls, path):  # type: ignore[no-untyped-def]
            if isinstance(path, list):
                return [cls._strip_protocol(p) for p in path]
            for p in cls.protocol:
                if path.startswith(f"{p}://"):
                    return path[len(p) + 3 :].rstrip("/")
            return path.rstrip("/")

    for protocol in LakeFileSystem.protocol:
        fsspec.register_implementation(protocol, LakeFileSystem, clobber=True)

    import google.auth
    from google.auth.credentials import AnonymousCredentials

    google.auth.default = lambda *args, **kwargs: (AnonymousCredentials(), "tier-project")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "tier-stand-in")


if _PORT:
    _redirect_snowflake()
if _LAKE:
    _map_buckets()
