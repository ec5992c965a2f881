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
import re
import signal
import sys
import threading
from urllib.parse import urlparse

import fakesnow
import fakesnow.copy_into as copy_into
import fakesnow.cursor as cursor
import snowflake.connector.errors
import sqlglot

LAKE_ROOT = os.path.abspath(sys.argv[1])
REMOTE = {"gcs", "gs", "s3"}


def to_local(url: str) -> str:
    u = urlparse(url)
    if u.scheme not in REMOTE:
        return url
    # Snowflake joins the stage URL and a FILES entry as object-key prefixes; collapse the "//" the join leaves.
    return os.path.join(LAKE_ROOT, u.netloc, posixpath.normpath(u.path).lstrip("/"))


# Emulator difference: Snowflake loads JSON lines by column name (MATCH_BY_COLUMN_NAME with TYPE = JSON,
# https://docs.snowflake.com/en/sql-reference/sql/copy-into-table#type-json), which dlt uses for its own
# tables (_dlt_pipeline_state, ...); fakesnow loads JSON only into one VARIANT column. So such a COPY is
# run as Parquet (_execute_like_snowflake) over a Parquet copy DuckDB makes of each JSON-lines file,
# kept outside the lake so the lake holds only what the job wrote.
JSON_AS_PARQUET = os.path.join(os.path.dirname(LAKE_ROOT), "fakesnow-json-as-parquet")


def as_parquet(path: str) -> str:
    if not re.search(r"\.jsonl(\.gz)?$", path) or not os.path.exists(path):
        return path
    import duckdb

    out = os.path.join(JSON_AS_PARQUET, os.path.relpath(path, LAKE_ROOT) + ".parquet")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    duckdb.sql(f"COPY (SELECT * FROM read_json_auto('{path}', format = 'newline_delimited')) TO '{out}' (FORMAT PARQUET)")
    return out


_source_urls = copy_into._source_urls
_source_glob = copy_into._source_glob
copy_into._source_urls = lambda source, files: [as_parquet(to_local(u)) for u in _source_urls(source, files)]
copy_into._source_glob = lambda source, conn: _source_glob(to_local(source), conn)


# Emulator differences in what clients send, each undone before fakesnow sees it:
# - A column comment inside CREATE TABLE's column list (`"ID" NUMBER COMMENT 'Primary key'`, or dbt's
#   `"ID" COMMENT $$Primary key.$$` for `persist_docs: {columns: true}`), which Snowflake takes
#   (https://docs.snowflake.com/en/sql-reference/sql/create-table) and fakesnow's parser rejects: only
#   that clause is dropped; the comments themselves are not checked.
# - Several statements in one request, which dlt sends (joined by `;`) and Snowflake runs in order
#   when the session allows it (MULTI_STATEMENT_COUNT, https://docs.snowflake.com/en/sql-reference/
#   parameters#multi-statement-count): fakesnow runs one, so they are run one after the other here.
# - The Parquet options dlt sets on COPY (`BINARY_AS_TEXT = FALSE, USE_LOGICAL_TYPE = TRUE`,
#   https://docs.snowflake.com/en/sql-reference/sql/create-file-format#type-parquet), which fakesnow's
#   option parser rejects; DuckDB reads Parquet logical types and binary columns natively, so they are
#   dropped. And `MATCH_BY_COLUMN_NAME='CASE_INSENSITIVE'`, quoted as dlt writes it (Snowflake takes the
#   value quoted or not), is given to fakesnow unquoted, the only form it implements.
_COLUMN_COMMENT = re.compile(r"""\s+COMMENT\s+('(?:[^']|'')*'|\$\$.*?\$\$)(?=\s*[,)])""", re.S | re.I)
# - dbt's CTAS with a column list of names and comments only (`create ... table t ("ID" COMMENT $$..$$)
#   as (select ...)`), whose names are the query's own columns: fakesnow implements neither the list nor
#   `COPY GRANTS`-free parsing of it, so the list is dropped (the table gets the same column names).
# - Dollar-quoted strings (https://docs.snowflake.com/en/sql-reference/data-types-text#dollar-quoted-string-constants),
#   dbt's form for comments, rewritten as ordinary literals; fakesnow stores comments without escaping
#   them (a `'` inside breaks the statement), so a `'` becomes `’` (comments are not checked here).
_DOLLAR = re.compile(r"\$\$(.*?)\$\$", re.S)
_NAME_COMMENT = r"""(?:"[^"]+"|\w+)(?:\s+COMMENT\s+'(?:[^']|'')*')?"""
_CTAS_COLUMN_LIST = re.compile(rf"(\btable\s+[^\s(]+)\s*\(\s*(?:{_NAME_COMMENT}\s*,\s*)*{_NAME_COMMENT}\s*\)(?=\s*(?:copy\s+grants\s+)?as\b)", re.S | re.I)
# - dbt's `alter table t alter "C" COMMENT $$..$$, ...` (column comments on an existing table,
#   https://docs.snowflake.com/en/sql-reference/sql/alter-table-column), which fakesnow cannot parse:
#   answered as done without running (comments are not checked here).
_ALTER_COLUMN_COMMENTS = re.compile(r"\s*alter\s+table\s+\S+\s+(alter|modify)\s+(?:(?:\"[^\"]+\"|\w+)\s+COMMENT\s+'(?:[^']|'')*'\s*,?\s*)+(/\*.*?\*/\s*)?;?\s*$", re.S | re.I)
_PARQUET_OPTIONS = re.compile(r",?\s*\b(BINARY_AS_TEXT|USE_LOGICAL_TYPE)\s*=\s*(TRUE|FALSE)\b", re.I)
_execute = cursor.FakeSnowflakeCursor.execute


def _execute_like_snowflake(self, command, *args, **kwargs):  # type: ignore[no-untyped-def]
    if not isinstance(command, str):
        return _execute(self, command, *args, **kwargs)
    statements = [e.sql(dialect="snowflake") for e in sqlglot.parse(command, read="snowflake") if e is not None] if ";" in command else [command]
    if len(statements) <= 1:
        statements = [command]
    for statement in statements:
        statement = _DOLLAR.sub(lambda m: "'" + m.group(1).replace("'", "\u2019") + "'", statement)
        if _ALTER_COLUMN_COMMENTS.match(statement):
            statement = "SELECT 'Statement executed successfully.' AS \"status\""
        # dbt opens each statement with a /* query comment */.
        if re.match(r"\s*(/\*.*?\*/\s*)*create\b", statement, re.I | re.S):
            statement = _CTAS_COLUMN_LIST.sub(r"\1", statement)
            statement = _COLUMN_COMMENT.sub("", statement)
        elif re.match(r"\s*(/\*.*?\*/\s*)*copy\b", statement, re.I | re.S):
            statement = _PARQUET_OPTIONS.sub("", statement)
            if re.search(r"MATCH_BY_COLUMN_NAME", statement, re.I):
                statement = re.sub(r"FILE_FORMAT\s*=\s*\(\s*TYPE\s*=\s*'JSON'[^)]*\)", "FILE_FORMAT = (TYPE = 'PARQUET')", statement, flags=re.I)
            statement = re.sub(r"MATCH_BY_COLUMN_NAME\s*=\s*'(\w+)'", r"MATCH_BY_COLUMN_NAME = \1", statement, flags=re.I)
        try:
            result = _execute(self, statement, *args, **kwargs)
        except snowflake.connector.errors.Error:
            raise
        except Exception as e:
            # fakesnow answers its own bugs with HTTP 500, which the connector retries for many
            # minutes; an error response instead makes the job fail now, naming the statement.
            raise snowflake.connector.errors.ProgrammingError(
                msg=f"fakesnow cannot run this statement ({type(e).__name__}: {e}): {statement[:500]}", errno=1003, sqlstate="42000"
            ) from e
    return result


cursor.FakeSnowflakeCursor.execute = _execute_like_snowflake  # type: ignore[method-assign]


# Emulator difference: fakesnow wraps every SUM/AVG/... argument in TRY_CAST(... AS DOUBLE) (to mimic
# Snowflake's implicit VARCHAR-to-number cast), which turns exact NUMBER(18, 2) sums into floats, while
# Snowflake sums fixed-point numbers exactly (https://docs.snowflake.com/en/sql-reference/data-types-numeric
# "Fixed-point numbers"). The cast goes to DECIMAL(38, 10) instead: still numeric for VARCHAR, exact for money.
import fakesnow.transforms as fs_transforms  # noqa: E402
import fakesnow.transforms.transforms as fs_aggs  # noqa: E402
from sqlglot import exp  # noqa: E402

_numeric_agg = fs_transforms.numeric_agg_implicit_cast


def _numeric_agg_exact(expression):  # type: ignore[no-untyped-def]
    out = _numeric_agg(expression)
    for cast in out.find_all(exp.TryCast):
        if cast.to.this == exp.DataType.Type.DOUBLE and isinstance(cast.parent, fs_aggs._NUMERIC_ONLY_AGGS):
            cast.set("to", exp.DataType.build("DECIMAL(38, 10)"))
    return out


fs_transforms.numeric_agg_implicit_cast = _numeric_agg_exact


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with fakesnow.server(host="127.0.0.1") as kwargs:
        print(json.dumps({"port": kwargs["port"]}), flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        stop.wait()


if __name__ == "__main__":
    main()
