"""fakesnow's HTTP server on 127.0.0.1, for the snowflake-emulated tier.

    python fakesnow_server.py <lake root>

Prints one JSON line `{"port": N}` once it listens, then serves until stdin closes or SIGTERM.

Emulator difference (and the one workaround here): Snowflake reads an external stage's files from
GCS or S3 through the storage integration; fakesnow hands the stage URL to DuckDB, which cannot reach
either offline. So `gcs://<bucket>/<path>` and `s3://<bucket>/<path>` resolve to
`<lake root>/<bucket>/<path>` — the same folder the jobs' `gs://` and `s3://` writes land in
(shim/sitecustomize.py). The URL itself is kept exactly as the plan's stage declares it: a stage that
points at the wrong folder still finds no files, as in Snowflake. Snowflake's rule relied on: COPY
resolves `FILES = (...)` relative to the stage's URL (https://docs.snowflake.com/en/sql-reference/
sql/copy-into-table, "FILES = ( 'file_name' [ , 'file_name' ... ] )").
"""
from __future__ import annotations

import json
import os
import posixpath
import signal
import sys
import threading
from urllib.parse import urlparse

import re

import fakesnow
import fakesnow.copy_into as copy_into
import fakesnow.cursor as cursor

LAKE_ROOT = os.path.abspath(sys.argv[1])
REMOTE = {"gcs", "gs", "s3"}


def to_local(url: str) -> str:
    u = urlparse(url)
    if u.scheme not in REMOTE:
        return url
    # Snowflake joins the stage URL and a FILES entry as object-key prefixes; collapse the "//" the join leaves.
    return os.path.join(LAKE_ROOT, u.netloc, posixpath.normpath(u.path).lstrip("/"))


_source_urls = copy_into._source_urls
_source_glob = copy_into._source_glob
copy_into._source_urls = lambda source, files: [to_local(u) for u in _source_urls(source, files)]
copy_into._source_glob = lambda source, conn: _source_glob(to_local(source), conn)


# Emulator difference: Snowflake takes a column comment inside CREATE TABLE's column list
# (`"ID" COMMENT $$Primary key.$$`, https://docs.snowflake.com/en/sql-reference/sql/create-table), which
# dbt-snowflake emits for `persist_docs: {columns: true}` on table models; fakesnow's parser rejects it.
# Only that clause is dropped (the models' SQL is unchanged); the comments themselves are not checked.
_COLUMN_COMMENT = re.compile(r'("[^"]+"|\b[A-Za-z_][A-Za-z0-9_$]*)\s+COMMENT\s+\$\$.*?\$\$', re.S)
_execute = cursor.FakeSnowflakeCursor.execute


def _execute_without_column_comments(self, command, *args, **kwargs):  # type: ignore[no-untyped-def]
    if isinstance(command, str) and "COMMENT $$" in command and re.match(r"\s*create\b", command, re.I):
        command = _COLUMN_COMMENT.sub(r"\1", command)
    return _execute(self, command, *args, **kwargs)


cursor.FakeSnowflakeCursor.execute = _execute_without_column_comments  # type: ignore[method-assign]


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with fakesnow.server(host="127.0.0.1") as kwargs:
        print(json.dumps({"port": kwargs["port"]}), flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        stop.wait()


if __name__ == "__main__":
    main()
