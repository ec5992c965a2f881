from __future__ import annotations

import json
import logging
import re
from datetime import datetime

import pytest

from ingestion import logs
from ingestion.secrets import SecretResolver, read_env_file


def test_log_lines_are_json_with_secrets_redacted(capsys):
    logs.configure("INFO")
    logs.register_secret("hunter2-long-secret")
    logs.log("connecting", url="https://user:hunter2-long-secret@db", attempt=1)
    logging.getLogger("dlt").warning("dlt says hunter2-long-secret")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["message"] == "connecting" and lines[0]["url"] == "https://user:[secret]@db" and lines[0]["attempt"] == 1
    assert lines[1]["logger"] == "dlt" and "hunter2" not in lines[1]["message"]


def test_log_lines_carry_the_keys_cloud_logging_and_cloudwatch_read(capsys):
    """Stands for: Cloud Logging reading a Cloud Run job's stderr line as a structured entry (its severity,
    summary and timestamp from `severity`, `message`, `time`), and CloudWatch Logs Insights filtering on
    the same keys. Proof: our formatter's real output against Google's documented field names and value
    set; it cannot prove the agents' parsing itself (no Cloud Logging here)."""
    logs.configure("DEBUG")
    logs.log("loading", logging.DEBUG, table="posts")
    logs.log("loaded", table="posts")
    logs.log("slow page", logging.WARNING)
    logs.log("run failed", logging.ERROR, error="boom")
    logs.log("gave up", logging.CRITICAL)
    logging.getLogger("ingestion").log(25, "between INFO and WARNING")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["severity"] for line in lines] == ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "INFO"]
    assert [line["message"] for line in lines][:2] == ["loading", "loaded"] and lines[3]["error"] == "boom"
    assert all("level" not in line and "event" not in line for line in lines), "the old keys would shadow nothing but confuse readers"
    for line in lines:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"]), line["time"]
        assert datetime.fromisoformat(line["time"]).tzinfo is not None


def test_secret_refs_resolve_recursively_and_register_for_redaction(monkeypatch):
    monkeypatch.setenv("DP_SECRET_PW", "pw-value-123")
    resolved = SecretResolver("p.yaml").resolve({"a": {"secret": "pw"}, "b": [{"secret": "pw"}, 1]}, "source")
    assert resolved == {"a": "pw-value-123", "b": ["pw-value-123", 1]}
    assert logs.redact("x pw-value-123 y") == "x [secret] y"


def test_env_file_parsing(tmp_path):
    f = tmp_path / "secrets.env"
    f.write_text('# c\n\nexport DP_SECRET_A="a b"\nDP_SECRET_B=plain\nnot a line\n')
    assert read_env_file(f) == {"DP_SECRET_A": "a b", "DP_SECRET_B": "plain"}


def test_missing_secret_names_the_env_file_only_where_one_is_read(tmp_path):
    from ingestion.errors import ConfigurationError

    with pytest.raises(ConfigurationError) as cloud:
        SecretResolver("p.yaml").get("absent_secret", "source.x")
    assert str(cloud.value) == "p.yaml: source.x: secret 'absent_secret' expected in variable DP_SECRET_ABSENT_SECRET, found nothing"

    env_file = tmp_path / "secrets.env"
    with pytest.raises(ConfigurationError) as local:
        SecretResolver("p.yaml", env_file=env_file, pipeline="shop").get("absent_secret", "source.x")
    assert str(local.value) == (
        f"p.yaml: source.x: secret 'absent_secret' expected in variable DP_SECRET_SHOP__ABSENT_SECRET or DP_SECRET_ABSENT_SECRET, in the environment or in {env_file}, found nothing"
    )


def test_secrets_of_the_same_name_in_two_pipelines_are_two_variables(tmp_path, monkeypatch):
    # Stands for: two local pipelines each with a secret `db_url` (one shell, one .local/secrets.env
    # for both) reading their own values, as their cloud secrets are two (named per pipeline). The
    # pipeline's own variable wins over the shared DP_SECRET_<NAME>, which stays the fallback (and is
    # what a cloud job, one pipeline per job, is given). Proven by the real resolver.
    env_file = tmp_path / "secrets.env"
    env_file.write_text("DP_SECRET_SHOP__DB_URL=sqlite:///shop.db\nDP_SECRET_DB_URL=sqlite:///shared.db\n")
    monkeypatch.setenv("DP_SECRET_CRM__DB_URL", "sqlite:///crm.db")
    value = {"secret": "db_url"}
    assert SecretResolver("shop.yaml", env_file=env_file, pipeline="shop").resolve(value, "f") == "sqlite:///shop.db"
    assert SecretResolver("crm.yaml", env_file=env_file, pipeline="crm").resolve(value, "f") == "sqlite:///crm.db"
    assert SecretResolver("erp.yaml", env_file=env_file, pipeline="erp").resolve(value, "f") == "sqlite:///shared.db"
    # An empty pipeline variable counts as not set, like any empty value: the shared one is used.
    monkeypatch.setenv("DP_SECRET_ERP__DB_URL", "")
    assert SecretResolver("erp.yaml", env_file=env_file, pipeline="erp").resolve(value, "f") == "sqlite:///shared.db"
