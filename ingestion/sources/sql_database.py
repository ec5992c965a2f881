"""`source.type: sql_database` → dlt's sql_database source; the SQLAlchemy URL comes from a secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dlt
from dlt.sources.sql_database import sql_database
from sqlalchemy import Engine, event

from ..errors import SpecError
from ..secrets import is_secret_ref
from ..spec import require
from . import SourceContext


def build_sql_database_source(ctx: SourceContext) -> Any:
    spec, block, prefix = ctx.spec, ctx.spec.source, "source.sql_database"
    credentials: Any = block.get("credentials")
    if not is_secret_ref(credentials):
        raise SpecError(spec.file, f"{prefix}.credentials", "{ secret: <name> } holding a SQLAlchemy URL", credentials)
    url = ctx.secrets.get(credentials["secret"], f"{prefix}.credentials")
    tables = require(spec, block, "tables", list, "a list of tables", prefix)
    if not tables:
        raise SpecError(spec.file, f"{prefix}.tables", "at least one table", tables)
    for i, table in enumerate(tables):
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            raise SpecError(spec.file, f"{prefix}.tables[{i}].name", "a table name", table if not isinstance(table, dict) else table.get("name"))

    schema = block.get("schema")
    source = sql_database(credentials=url, schema=schema, table_names=[t["name"] for t in tables], engine_adapter_callback=sqlite_schema_alias(schema))
    for table in tables:
        hints: dict[str, Any] = {}
        if table.get("primary_key"):
            hints["primary_key"] = table["primary_key"]
        if table.get("write_disposition"):
            hints["write_disposition"] = table["write_disposition"]
        if table.get("incremental"):
            inc = table["incremental"]
            hints["incremental"] = dlt.sources.incremental(inc["cursor_column"], initial_value=inc.get("initial_value"))
        if hints:
            source.resources[table["name"]].apply_hints(**hints)
    return source


def sqlite_schema_alias(schema: str | None) -> Callable[[Engine], Engine]:
    """For a SQLite URL, the spec's `schema` (e.g. `public`) names the database file itself.

    SQLite has one schema per file (`main`), so a spec written for the real database (Postgres'
    `public`) could not be pointed at a SQLite copy of it, as the local run's fixture databases
    are (tools/local.ts, `ingestion/sample_data/<pipeline>/*.sql`): the file is attached to each
    connection a second time under the schema's name, and `public.customers` reads `customers`.
    Any other database, and a SQLite one without a schema, is left as it is."""

    def adapt(engine: Engine) -> Engine:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not schema or schema == "main" or not database or database == ":memory:":
            return engine
        quoted = '"' + schema.replace('"', '""') + '"'

        @event.listens_for(engine, "connect")
        def attach(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"ATTACH DATABASE ? AS {quoted}", (database,))

        return engine

    return adapt
