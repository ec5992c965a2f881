from __future__ import annotations

import json
import logging

from ingestion import logs
from ingestion.secrets import SecretResolver, read_env_file


def test_log_lines_are_json_with_secrets_redacted(capsys):
    logs.configure("INFO")
    logs.register_secret("hunter2-long-secret")
    logs.log("connecting", url="https://user:hunter2-long-secret@db", attempt=1)
    logging.getLogger("dlt").warning("dlt says hunter2-long-secret")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["event"] == "connecting" and lines[0]["url"] == "https://user:[secret]@db" and lines[0]["attempt"] == 1
    assert lines[1]["logger"] == "dlt" and "hunter2" not in lines[1]["event"]


def test_secret_refs_resolve_recursively_and_register_for_redaction(monkeypatch):
    monkeypatch.setenv("DP_SECRET_PW", "pw-value-123")
    resolved = SecretResolver("p.yaml").resolve({"a": {"secret": "pw"}, "b": [{"secret": "pw"}, 1]}, "source")
    assert resolved == {"a": "pw-value-123", "b": ["pw-value-123", 1]}
    assert logs.redact("x pw-value-123 y") == "x [secret] y"


def test_env_file_parsing(tmp_path):
    f = tmp_path / "secrets.env"
    f.write_text('# c\n\nexport DP_SECRET_A="a b"\nDP_SECRET_B=plain\nnot a line\n')
    assert read_env_file(f) == {"DP_SECRET_A": "a b", "DP_SECRET_B": "plain"}
