"""Fast unit tests: status classification, redaction, storage, argument resolution."""

from __future__ import annotations

import json

import pytest

from dbt_runner.cli import UsageError, build_parser, resolve_settings
from dbt_runner.logs import JsonLogger, Redactor, secret_values
from dbt_runner.results import FAILED, PARTIAL, SUCCESS, classify, describe_failures, summarize
from dbt_runner.storage import FsspecStore, LocalStore, open_store


def _rr(*pairs):
    return {"results": [{"unique_id": uid, "status": status, "failures": None, "message": None} for uid, status in pairs]}


MODEL = "model.data_platform.stg_orders"
MODEL2 = "model.data_platform.fct_orders"
TEST = "test.data_platform.unique_stg_orders_order_id.abc123"


@pytest.mark.parametrize(
    "dbt_success, errored, results, expected",
    [
        (True, False, _rr((MODEL, "success"), (TEST, "pass")), SUCCESS),
        (True, False, _rr((MODEL, "success"), (TEST, "warn")), SUCCESS),
        (True, False, _rr(), SUCCESS),  # empty selection (e.g. shop_postgres locally)
        (False, False, _rr((MODEL, "success"), (TEST, "fail"), (MODEL2, "skipped")), PARTIAL),
        (False, False, _rr((MODEL, "success"), (MODEL2, "error")), PARTIAL),
        (False, False, _rr((MODEL, "error"), (TEST, "skipped"), (MODEL2, "skipped")), FAILED),
        (False, False, _rr(), FAILED),  # dbt said no, nothing ran
        (False, True, None, FAILED),  # dbt raised (bad project, connection...)
        (True, True, _rr((MODEL, "success")), FAILED),
    ],
)
def test_classify(dbt_success, errored, results, expected):
    summary = summarize(results) if results is not None else None
    assert classify(dbt_success, errored, summary) == expected


def test_summarize_counts_and_names_failures():
    s = summarize(
        _rr(
            (MODEL, "success"),
            (TEST, "fail"),
            (MODEL2, "skipped"),
            ("test.data_platform.not_null_x_y.1", "pass"),
            ("unit_test.data_platform.m.t", "pass"),
            ("seed.data_platform.s", "error"),
            ("test.data_platform.t.2", "warn"),
        )
    )
    assert s.counts == {"models_built": 1, "models_failed": 1, "models_skipped": 1, "tests_passed": 2, "tests_warned": 1, "tests_failed": 1, "tests_skipped": 0, "nodes_total": 7}
    assert s.nodes_ok == 4
    assert [f["name"] for f in s.failures] == ["unique_stg_orders_order_id", "s"]
    assert "test unique_stg_orders_order_id fail" in describe_failures(s)


def test_summarize_sums_model_rows_only_when_reported():
    def result(uid, rows):
        return {"unique_id": uid, "status": "success", "adapter_response": {"rows_affected": rows}}

    assert summarize({"results": [result(MODEL, 3), result(MODEL2, 4), result(TEST, 99)]}).rows == 7
    assert summarize({"results": [result(MODEL, -1), {"unique_id": MODEL2, "status": "success"}]}).rows is None


PEM = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG\nAbCdEf0123456789\n-----END ENCRYPTED PRIVATE KEY-----"


def test_redactor_scrubs_pem_blocks_and_secret_env_values():
    env = {"SNOWFLAKE_PRIVATE_KEY": PEM, "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "hunter2hunter2", "SNOWFLAKE_USER": "DBT_SVC", "SOME_API_TOKEN": "tok_abcdef123"}
    r = Redactor(secret_values(env))
    text = f"key={PEM} json={json.dumps(PEM)} line=MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG pass=hunter2hunter2 t=tok_abcdef123 user=DBT_SVC"
    out = r(text)
    for secret in ("MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG", "AbCdEf0123456789", "hunter2hunter2", "tok_abcdef123"):
        assert secret not in out
    assert "user=DBT_SVC" in out  # not a secret


def test_redactor_scrubs_each_line_of_a_key_given_with_literal_backslash_n():
    r = Redactor(secret_values({"SNOWFLAKE_PRIVATE_KEY": PEM.replace("\n", "\\n")}))
    out = r("dbt said: AbCdEf0123456789 and MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG")
    assert out == "dbt said: [redacted] and [redacted]"


def test_json_logger_writes_redacted_json_lines(tmp_path):
    import io

    stream = io.StringIO()
    logger = JsonLogger(Redactor(["s3cr3t-value"]), stream=stream, pipeline="p")
    logger.open_file(str(tmp_path / "l.jsonl"))
    logger.info("evt", "contains s3cr3t-value", extra=1)
    logger.close()
    line = json.loads(stream.getvalue())
    assert line["event"] == "evt" and line["pipeline"] == "p" and line["extra"] == 1
    assert "s3cr3t-value" not in stream.getvalue() and "[redacted]" in line["message"]
    assert (tmp_path / "l.jsonl").read_text().strip() == stream.getvalue().strip()


def test_json_logger_lines_carry_the_keys_cloud_logging_and_cloudwatch_read():
    """Stands for: Cloud Logging reading a Cloud Run job's stderr line as a structured entry (severity,
    summary and timestamp from `severity`, `message`, `time`), and CloudWatch Logs Insights filtering on
    the same keys. Proof: the runner's real logger against Google's documented names and value set
    (dbt's "warn" included); it cannot prove the agents' parsing itself (no Cloud Logging here)."""
    import io
    import re
    from datetime import datetime

    stream = io.StringIO()
    logger = JsonLogger(Redactor([]), stream=stream)
    for level in ("debug", "info", "warn", "warning", "error", "critical"):
        logger.log(level, "evt_" + level)
    logger.info("run_finished", "dbt build finished")
    lines = [json.loads(raw) for raw in stream.getvalue().splitlines()]
    assert [line["severity"] for line in lines] == ["DEBUG", "INFO", "WARNING", "WARNING", "ERROR", "CRITICAL", "INFO"]
    assert lines[0]["message"] == "evt_debug", "without a text, the event name is the summary line"
    assert (lines[-1]["event"], lines[-1]["message"]) == ("run_finished", "dbt build finished")
    assert all("level" not in line and "msg" not in line and "ts" not in line for line in lines)
    for line in lines:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"]), line["time"]
        assert datetime.fromisoformat(line["time"]).tzinfo is not None
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        logger.log("loud", "evt")
    assert len(stream.getvalue().splitlines()) == len(lines), "a bad level writes nothing"


def test_open_store_routes_by_scheme(tmp_path):
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    assert isinstance(open_store(f"file://{tmp_path}"), LocalStore)
    assert isinstance(open_store("memory://bucket/prefix"), FsspecStore)
    assert isinstance(open_store("s3://bucket/prefix"), FsspecStore)


@pytest.fixture
def fresh_gcsfs(monkeypatch, tmp_path):
    """No cached gcsfs instance or token from another test, and no token cache written to ~."""
    import gcsfs
    import gcsfs.credentials

    monkeypatch.setattr(gcsfs.credentials, "tfile", str(tmp_path / "gcs_tokens"))
    monkeypatch.setattr(gcsfs.credentials.GoogleCredentials, "tokens", {})
    gcsfs.GCSFileSystem.clear_instance_cache()
    yield
    gcsfs.GCSFileSystem.clear_instance_cache()


def test_gs_goes_through_gcsfs_with_application_default_credentials(monkeypatch, fresh_gcsfs):
    """gs:// uses fsspec/gcsfs like s3:// (one mechanism for both images), authenticated with ADC."""
    import gcsfs
    import google.auth
    from google.auth.credentials import AnonymousCredentials

    monkeypatch.setattr(google.auth, "default", lambda *a, **k: (AnonymousCredentials(), "test-project"))
    store = open_store("gs://bucket/artifacts/")
    assert isinstance(store, FsspecStore) and isinstance(store.fs, gcsfs.GCSFileSystem)
    assert store.fs.credentials.method == "google_default"
    assert store._target("p/run/run_record.json") == "bucket/artifacts/p/run/run_record.json"
    assert store._uri("p/run/run_record.json") == "gs://bucket/artifacts/p/run/run_record.json"


def test_gs_without_credentials_fails_instead_of_going_anonymous(monkeypatch, fresh_gcsfs):
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    def no_adc(*a, **k):
        raise DefaultCredentialsError("no ADC in this test")

    monkeypatch.setattr(google.auth, "default", no_adc)
    with pytest.raises(DefaultCredentialsError):
        open_store("gs://another-bucket/artifacts")


def test_fsspec_store_writes_under_the_prefix():
    import fsspec

    store = open_store("memory://artifacts/dp")
    uri = store.put_bytes(b'{"a": 1}', "p/run/run_record.json")
    assert uri == "memory://artifacts/dp/p/run/run_record.json"
    with fsspec.open(uri, "rb") as f:
        assert f.read() == b'{"a": 1}'


def _settings(argv, env=None):
    return resolve_settings(build_parser().parse_args(argv), env or {})


def test_settings_defaults_and_env():
    s = _settings(["build", "--select", "tag:orders_files+"])
    assert (s["pipeline"], s["target"], s["selection"]) == ("orders_files", "local", "tag:orders_files+")
    assert s["artifacts_uri"].endswith(".local/artifacts")
    s = _settings(
        ["build"], {"DP_DBT_SELECT": "stg_orders+", "DP_PIPELINE": "orders_files", "DP_RUN_ID": "exec-1", "DP_ARTIFACTS_URI": "gs://b/artifacts/", "DBT_TARGET": "snowflake"}
    )
    assert (s["pipeline"], s["run_id"], s["artifacts_uri"], s["target"]) == ("orders_files", "exec-1", "gs://b/artifacts", "snowflake")
    assert _settings(["build", "-s", "fct_orders", "dim_users"])["pipeline"] == "adhoc"
    assert _settings(["build", "-s", "x"], {"CLOUD_RUN_EXECUTION": "dp-dev-x-dbt-abc12"})["run_id"] == "dp-dev-x-dbt-abc12"


def test_run_type_comes_from_the_orchestration_and_bad_values_stop_the_run():
    """Stands for: the dbt job started by the orchestration with DP_RUN_TYPE (gcp-emulated and aws-emulated
    check the orchestrations set it). Proof: the runner's real settings resolution."""
    assert _settings(["build", "-s", "x"])["run_type"] == "SCHEDULED"
    assert _settings(["build", "-s", "x"], {"DP_RUN_TYPE": "MANUAL"})["run_type"] == "MANUAL"
    with pytest.raises(UsageError, match="DP_RUN_TYPE: expected SCHEDULED or MANUAL, found 'manual'"):
        _settings(["build", "-s", "x"], {"DP_RUN_TYPE": "manual"})


@pytest.mark.parametrize(
    "argv",
    [
        ["build"],
        ["build", "-s", "x", "--pipeline", "Bad-Name"],
        ["build", "-s", "x", "--run-id", "a/b"],
        ["build", "-s", "x", "--target", "prod"],
        ["nope"],
    ],
)
def test_settings_rejects_bad_input(argv):
    with pytest.raises(UsageError):
        _settings(argv)
