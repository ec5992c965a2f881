"""rest_api pipelines against a local fake API: pagination, incremental cursors, retries, failures, auth."""

from __future__ import annotations

import json
from typing import Any

import pytest

PAGINATOR = {"type": "page_number", "base_page": 1, "page_param": "page", "total_path": "total_pages"}


def rows(n: int, start: int = 1, day: int = 1) -> list[dict[str, Any]]:
    return [{"id": i, "title": f"item {i}", "updated_at": f"2024-01-{day:02d}T00:00:{i % 60:02d}Z"} for i in range(start, start + n)]


def rest_source(api_url: str, incremental: bool = False, auth: dict[str, Any] | None = None) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"path": "items", "data_selector": "data", "paginator": PAGINATOR}
    if incremental:
        endpoint["incremental"] = {"cursor_path": "updated_at", "start_param": "since", "initial_value": "2000-01-01T00:00:00Z"}
    client: dict[str, Any] = {"base_url": api_url}
    if auth:
        client["auth"] = auth
    return {
        "type": "rest_api",
        "rest_api": {
            "client": client,
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [{"name": "items", "endpoint": endpoint}],
        },
    }


def test_follows_pages_and_loads_every_row_into_raw_schema(workspace, api, capsys):
    api.tables["items"] = rows(25)
    workspace.write_pipeline("pager", rest_source(api.base_url))

    code, record, _ = workspace.run(capsys, "--pipeline", "pager")

    assert code == 0, record
    assert record["status"] == "SUCCESS"
    assert record["rows"] == {"items": 25}
    assert [r.query.get("page", "1") for r in api.requested("/items")] == ["1", "2", "3"]
    assert workspace.query("select count(*), count(distinct id) from raw_pager.items") == [(25, 25)]


def test_incremental_cursor_requests_only_new_rows_even_from_a_fresh_container(workspace, api, capsys):
    api.tables["items"] = rows(12, day=1)
    workspace.write_pipeline("inc", rest_source(api.base_url, incremental=True))
    assert workspace.run(capsys, "--pipeline", "inc")[0] == 0
    assert api.requested("/items")[0].query["since"] == "2000-01-01T00:00:00Z"
    cursor_after_first = max(r["updated_at"] for r in api.tables["items"])

    api.tables["items"] += rows(5, start=100, day=2)
    api.requests.clear()
    workspace.forget_local_state()  # state must come back from the warehouse
    code, record, _ = workspace.run(capsys, "--pipeline", "inc")

    assert code == 0
    assert api.requested("/items")[0].query["since"] == cursor_after_first
    assert record["rows"] == {"items": 5}
    assert workspace.query("select count(*) from raw_inc.items") == [(17,)]

    api.requests.clear()
    workspace.forget_local_state()
    code, record, _ = workspace.run(capsys, "--pipeline", "inc")
    assert code == 0 and record["rows"] == {}
    assert api.requested("/items")[0].query["since"] == "2024-01-02T00:00:44Z"


def test_retries_server_errors_then_succeeds(workspace, api, capsys):
    api.tables["items"] = rows(5)
    api.fail("/items", 1, [503, 502])
    workspace.write_pipeline("flaky", rest_source(api.base_url))

    code, record, _ = workspace.run(capsys, "--pipeline", "flaky")

    assert code == 0, record
    assert len(api.requested("/items")) == 3  # two 5xx answers, then the page
    assert workspace.query("select count(*) from raw_flaky.items") == [(5,)]


@pytest.mark.parametrize("fresh_container", [False, True], ids=["same-container", "fresh-container"])
def test_failed_run_keeps_state_and_loaded_data_and_records_the_error(workspace, api, capsys, fresh_container):
    api.tables["items"] = rows(15, day=1)
    workspace.write_pipeline("fragile", rest_source(api.base_url, incremental=True))
    assert workspace.run(capsys, "--pipeline", "fragile")[0] == 0
    cursor = "2024-01-01T00:00:15Z"

    # New rows arrive, but page 2 keeps failing beyond the retry budget.
    api.tables["items"] += rows(15, start=200, day=3)
    api.fail("/items", 2, [500] * 10)
    code, record, err = workspace.run(capsys, "--pipeline", "fragile")

    assert code == 1
    assert record["status"] == "FAILED"
    assert "500" in record["error"] and record["finished_at"]
    assert workspace.records("fragile")[-1]["status"] == "FAILED"
    assert any(line["message"] == "run failed" and line["severity"] == "ERROR" for line in map(json.loads, err.splitlines()))
    assert workspace.query("select count(*) from raw_fragile.items") == [(15,)]  # nothing lost, nothing half-loaded

    # The cursor did not move: the next healthy run asks from the old cursor and gets all new rows.
    api.failures.clear()
    api.requests.clear()
    if fresh_container:
        workspace.forget_local_state()
    code, record, _ = workspace.run(capsys, "--pipeline", "fragile")
    assert code == 0
    assert api.requested("/items")[0].query["since"] == cursor
    assert record["rows"] == {"items": 15}
    assert workspace.query("select count(*), count(distinct id) from raw_fragile.items") == [(30, 30)]


def test_bearer_token_comes_from_secret_env_and_is_never_logged(workspace, api, capsys, monkeypatch):
    token = "tok-very-secret-1234"
    api.token = token
    api.tables["items"] = rows(3)
    workspace.write_pipeline("authd", rest_source(api.base_url, auth={"type": "bearer", "token": {"secret": "api_token"}}))
    monkeypatch.setenv("DP_SECRET_API_TOKEN", token)
    monkeypatch.setenv("DP_LOG_LEVEL", "DEBUG")

    code, record, err = workspace.run(capsys, "--pipeline", "authd")

    assert code == 0, record
    assert api.requested("/items")[0].headers["authorization"] == f"Bearer {token}"
    assert token not in err
    assert token not in str(record)


def test_secret_can_come_from_local_secrets_env_file(workspace, api, capsys):
    api.token = "from-file-token-99"
    api.tables["items"] = rows(2)
    workspace.local.mkdir(parents=True, exist_ok=True)
    (workspace.local / "secrets.env").write_text("# local secrets\nDP_SECRET_API_TOKEN='from-file-token-99'\n")
    workspace.write_pipeline("filetok", rest_source(api.base_url, auth={"type": "bearer", "token": {"secret": "api_token"}}))

    code, record, _ = workspace.run(capsys, "--pipeline", "filetok")
    assert code == 0, record
    assert record["rows"] == {"items": 2}


def test_missing_secret_fails_naming_the_file_field_and_env_var(workspace, api, capsys):
    path = workspace.write_pipeline("nosecret", rest_source(api.base_url, auth={"type": "bearer", "token": {"secret": "api_token"}}))

    code, record, _ = workspace.run(capsys, "--pipeline", "nosecret")

    assert code == 1
    assert str(path) in record["error"]
    assert "source.rest_api.client.auth" in record["error"]
    assert "DP_SECRET_API_TOKEN" in record["error"]
    assert api.requests == []


@pytest.mark.parametrize("how", ["flag", "env"])
def test_base_url_can_be_overridden_so_the_spec_keeps_its_real_url(workspace, api, capsys, monkeypatch, how):
    api.tables["items"] = rows(4)
    workspace.write_pipeline("override", rest_source("https://api.invalid.example.com"))
    args = ["--pipeline", "override"]
    if how == "flag":
        args += ["--base-url", api.base_url]
    else:
        monkeypatch.setenv("DP_REST_BASE_URL_OVERRIDE", api.base_url)

    code, record, _ = workspace.run(capsys, *args)
    assert code == 0, record
    assert record["rows"] == {"items": 4}
