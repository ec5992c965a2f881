"""sql_database pipelines, against a SQLite file (the URL comes from a secret like any database)."""

from __future__ import annotations

import sqlite3


def make_db(path, rows):
    with sqlite3.connect(path) as con:
        con.execute("create table if not exists customers (id integer primary key, name text, updated_at text)")
        con.executemany("insert or replace into customers values (?, ?, ?)", rows)


def test_loads_tables_incrementally_by_cursor_column(workspace, capsys, monkeypatch, tmp_path):
    db = tmp_path / "shop.sqlite"
    make_db(db, [(1, "ada", "2024-01-01"), (2, "bob", "2024-01-02")])
    monkeypatch.setenv("DP_SECRET_SHOP_DB_URL", f"sqlite:///{db}")
    workspace.write_pipeline(
        "shop_sql",
        {
            "type": "sql_database",
            "sql_database": {
                "credentials": {"secret": "shop_db_url"},
                "tables": [{"name": "customers", "primary_key": "id", "write_disposition": "merge", "incremental": {"cursor_column": "updated_at", "initial_value": "2000-01-01"}}],
            },
        },
    )

    code, record, _ = workspace.run(capsys, "--pipeline", "shop_sql")
    assert code == 0, record
    assert record["rows"] == {"customers": 2}

    make_db(db, [(2, "bobby", "2024-01-05"), (3, "cy", "2024-01-06")])
    workspace.forget_local_state()
    code, record, err = workspace.run(capsys, "--pipeline", "shop_sql")
    assert code == 0, record
    assert record["rows"] == {"customers": 2}
    assert workspace.query("select id, name from raw_shop_sql.customers order by 1") == [(1, "ada"), (2, "bobby"), (3, "cy")]
    assert str(db) not in err  # the URL is a secret


def test_credentials_must_be_a_secret_reference(workspace, capsys):
    path = workspace.write_pipeline("plain_url", {"type": "sql_database", "sql_database": {"credentials": "sqlite:///x.db", "tables": [{"name": "t"}]}})
    code, record, _ = workspace.run(capsys, "--pipeline", "plain_url")
    assert code == 1
    assert str(path) in record["error"] and "source.sql_database.credentials" in record["error"]


SHOP = {"type": "sql_database", "sql_database": {"credentials": {"secret": "shop_db_url"}, "tables": [{"name": "customers"}]}}


def test_missing_secret_fails_the_run_by_default(workspace, capsys):
    workspace.write_pipeline("shop_sql", SHOP)
    code, record, _ = workspace.run(capsys, "--pipeline", "shop_sql")
    assert code == 1 and record["status"] == "FAILED"
    assert "secret 'shop_db_url' expected in variable DP_SECRET_SHOP_SQL__SHOP_DB_URL or DP_SECRET_SHOP_DB_URL" in record["error"]


def test_local_run_skips_a_source_whose_secrets_are_not_set(workspace, capsys):
    workspace.write_pipeline("shop_sql", SHOP)
    code, record, _ = workspace.run(capsys, "--pipeline", "shop_sql", "--skip-missing-secrets")
    assert (code, record["status"]) == (0, "SKIPPED")
    assert record["reason"] == (
        f"secrets not set: shop_db_url (DP_SECRET_SHOP_SQL__SHOP_DB_URL or DP_SECRET_SHOP_DB_URL, in the environment or in {workspace.local / 'secrets.env'})"
    )
    assert workspace.records("shop_sql")[-1]["status"] == "SKIPPED"


def test_an_empty_value_in_the_env_file_counts_as_not_set(workspace, capsys):
    workspace.write_pipeline("shop_sql", SHOP)
    workspace.local.mkdir(parents=True, exist_ok=True)
    (workspace.local / "secrets.env").write_text('DP_SECRET_SHOP_DB_URL=""\n')
    code, record, _ = workspace.run(capsys, "--pipeline", "shop_sql", "--skip-missing-secrets")
    assert (code, record["status"]) == (0, "SKIPPED")


def test_skip_flag_runs_the_source_when_its_secret_is_in_the_env_file(workspace, capsys, tmp_path):
    db = tmp_path / "shop.sqlite"
    make_db(db, [(1, "ada", "2024-01-01")])
    workspace.write_pipeline("shop_sql", SHOP)
    workspace.local.mkdir(parents=True, exist_ok=True)
    (workspace.local / "secrets.env").write_text(f"export DP_SECRET_SHOP_DB_URL='sqlite:///{db}'\n")
    code, record, _ = workspace.run(capsys, "--pipeline", "shop_sql", "--skip-missing-secrets")
    assert (code, record["status"], record["rows"]) == (0, "SUCCESS", {"customers": 1})


def test_two_pipelines_with_a_secret_of_the_same_name_read_their_own_database(workspace, capsys, tmp_path):
    # Stands for: `npm run local` with two sql_database pipelines whose specs both say
    # `credentials: { secret: shop_db_url }`, pointed at two databases through one .local/secrets.env.
    # Proven by two real dlt runs from SQLite into DuckDB.
    east, west = tmp_path / "east.sqlite", tmp_path / "west.sqlite"
    make_db(east, [(1, "ada", "2024-01-01")])
    make_db(west, [(7, "wu", "2024-01-01"), (8, "xi", "2024-01-02")])
    workspace.write_pipeline("shop_east", SHOP)
    workspace.write_pipeline("shop_west", SHOP)
    workspace.local.mkdir(parents=True, exist_ok=True)
    (workspace.local / "secrets.env").write_text(f"DP_SECRET_SHOP_EAST__SHOP_DB_URL=sqlite:///{east}\nDP_SECRET_SHOP_WEST__SHOP_DB_URL=sqlite:///{west}\n")

    for name in ("shop_east", "shop_west"):
        code, record, _ = workspace.run(capsys, "--pipeline", name, "--skip-missing-secrets")
        assert (code, record["status"]) == (0, "SUCCESS"), record
    assert workspace.query("select id from raw_shop_east.customers") == [(1,)]
    assert workspace.query("select id from raw_shop_west.customers order by 1") == [(7,), (8,)]


def test_a_sqlite_copy_of_the_database_serves_a_spec_written_for_a_schema(workspace, capsys, monkeypatch, tmp_path):
    # Stands for: a spec written for Postgres (`schema: public`) run unchanged against a SQLite copy,
    # as `npm run local` runs a sql_database pipeline on its fixture database. Proven by a real dlt
    # run from SQLite (the file attached under the schema's name) into DuckDB. Cannot prove: that
    # the copy's types match the real database's (SQLite's are loose).
    db = tmp_path / "shop.sqlite"
    make_db(db, [(1, "ada", "2024-01-01"), (2, "bob", "2024-01-02")])
    monkeypatch.setenv("DP_SECRET_SHOP_DB_URL", f"sqlite:///{db}")
    source = {"credentials": {"secret": "shop_db_url"}, "schema": "public", "tables": [{"name": "customers"}]}
    workspace.write_pipeline("shop_pg", {"type": "sql_database", "sql_database": source})

    code, record, _ = workspace.run(capsys, "--pipeline", "shop_pg")

    assert code == 0, record
    assert record["rows"] == {"customers": 2}
    assert workspace.query("select id, name from raw_shop_pg.customers order by 1") == [(1, "ada"), (2, "bob")]
