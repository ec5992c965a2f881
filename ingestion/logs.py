"""Structured logs: one JSON object per line on stderr, with every known secret value redacted.

dlt's own logger is routed through the same handler, so nothing reaches stderr unredacted.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

REDACTED = "[secret]"
_secret_values: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value so that any log line containing it is redacted."""
    if value and len(value) >= 4:  # shorter values would redact ordinary words
        _secret_values.add(value)


def redact(text: str) -> str:
    for value in sorted(_secret_values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return text


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


def _json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter())
    return handler


def configure(level: str = "INFO") -> None:
    # One handler per logger: dlt re-formats whatever handler its logger already has.
    for name in ("ingestion", "dlt"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [_json_handler()]
        logger.propagate = False
    logging.getLogger("ingestion").setLevel(level)
    logging.getLogger("dlt").setLevel("WARNING")


def reroute_dlt_logger() -> None:
    """dlt swaps its logger's formatter for plain text when a pipeline is created; put ours back."""
    dlt_logger = logging.getLogger("dlt")
    dlt_logger.handlers[:] = [_json_handler()]
    dlt_logger.propagate = False


def log(event: str, level: int = logging.INFO, **fields: Any) -> None:
    logging.getLogger("ingestion").log(level, event, extra={"fields": fields})
