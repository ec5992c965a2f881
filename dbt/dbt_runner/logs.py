"""Structured (JSON lines) logging with secret redaction.

Every line the runner writes to stderr or to its uploaded log is a JSON object. Values of secret
environment variables (the Snowflake private key and friends) and anything that looks like a PEM
private key are replaced with "[redacted]" before a line leaves the process.
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
        record: dict[str, Any] = {"ts": iso(utc_now()), "level": level, "logger": logger, "event": event}
        record.update(self.context)
        if msg is not None:
            record["msg"] = msg
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
