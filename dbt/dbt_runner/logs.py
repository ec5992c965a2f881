"""Structured (JSON lines) logging with secret redaction.

Every line the runner writes to stderr or to its uploaded log is a JSON object. Values of secret
environment variables (the Snowflake private key and friends) and anything that looks like a PEM
private key are replaced with "[redacted]" before a line leaves the process.

Each line carries the keys the clouds' log agents read, so no parser is needed on either side:
- `severity` (DEBUG, INFO, WARNING, ERROR, CRITICAL), `message` and `time` (RFC 3339) are Cloud
  Logging's special fields for structured logs written by Cloud Run: they become the entry's severity,
  its summary line and its timestamp; every other key stays in jsonPayload.
  https://cloud.google.com/logging/docs/structured-logging#structured_logging_special_fields
- CloudWatch Logs (ECS awslogs driver) stores the line as is; Logs Insights discovers the keys of a JSON
  event as fields (`filter severity = "ERROR"`), and metric filters match them (`{ $.severity = "ERROR" }`).
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
`event` stays beside `message`: it is the line's machine name (the runner's own, or dbt's event name such
as LogModelResult, which tools/local.ts counts), while `message` is the human text (the event name when
there is none).
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

REDACTED = "[redacted]"
# Variables whose name says they are secret (SNOWFLAKE_PRIVATE_KEY, ..._PASSPHRASE, ..._PASSWORD, ...).
_SECRET_NAME = re.compile(r"(PASSWORD|PASSPHRASE|SECRET|TOKEN|PRIVATE_KEY|CREDENTIALS)", re.IGNORECASE)
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL)
_MIN_SECRET_LEN = 6  # don't redact trivial values such as "" or "false"


def secret_values(environ: dict[str, str] | None = None) -> list[str]:
    """Values to scrub: secret env vars, and each line of multi-line ones (PEM bodies), whether the
    lines are split by real newlines or by literal "\\n" (as secret stores sometimes hand PEM over)."""
    env = os.environ if environ is None else environ
    values: set[str] = set()
    for name, value in env.items():
        if not value or not _SECRET_NAME.search(name):
            continue
        unescaped = value.replace("\\n", "\n")
        for candidate in (value, value.replace("\n", "\\n"), unescaped, *unescaped.splitlines()):
            candidate = candidate.strip()
            if len(candidate) >= _MIN_SECRET_LEN and not candidate.startswith("-----"):
                values.add(candidate)
    # Longest first, so a whole value is replaced before any of its lines.
    return sorted(values, key=len, reverse=True)


class Redactor:
    def __init__(self, values: Iterable[str] | None = None):
        self.values = list(values) if values is not None else secret_values()

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = _PEM_BLOCK.sub(REDACTED, text)
        for value in self.values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# The runner's and dbt's level names (dbt says "warn"), as Cloud Logging's severities.
SEVERITIES = {"debug": "DEBUG", "info": "INFO", "warn": "WARNING", "warning": "WARNING", "error": "ERROR", "critical": "CRITICAL"}


def severity(level: str) -> str:
    """Cloud Logging's severity for a level name; an unknown name is a bug of the caller, not a log line to lose."""
    try:
        return SEVERITIES[level.lower()]
    except KeyError:
        raise ValueError(f"unknown log level {level!r}: expected one of {', '.join(SEVERITIES)}") from None


class JsonLogger:
    """Writes one JSON object per line to a stream (stderr) and, optionally, to a file."""

    def __init__(self, redactor: Redactor, stream: IO[str] | None = None, **context: Any):
        self.redactor = redactor
        self.stream = stream if stream is not None else sys.stderr
        self.context = {k: v for k, v in context.items() if v is not None}
        self._file: IO[str] | None = None
        self._lock = threading.Lock()  # dbt fires events from worker threads

    def bind(self, **context: Any) -> None:
        self.context.update({k: v for k, v in context.items() if v is not None})

    def open_file(self, path: str) -> None:
        self._file = open(path, "a", encoding="utf-8")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def log(self, level: str, event: str, msg: str | None = None, *, logger: str = "dbt_runner", **fields: Any) -> None:
        record: dict[str, Any] = {"time": iso(utc_now()), "severity": severity(level), "logger": logger, "event": event, "message": event if msg is None else msg}
        record.update(self.context)
        record.update({k: v for k, v in fields.items() if v is not None})
        line = self.redactor(json.dumps(record, default=str, ensure_ascii=False))
        with self._lock:
            print(line, file=self.stream, flush=True)
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()

    def info(self, event: str, msg: str | None = None, **fields: Any) -> None:
        self.log("info", event, msg, **fields)

    def warning(self, event: str, msg: str | None = None, **fields: Any) -> None:
        self.log("warn", event, msg, **fields)

    def error(self, event: str, msg: str | None = None, **fields: Any) -> None:
        self.log("error", event, msg, **fields)
