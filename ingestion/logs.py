"""Structured logs: one JSON object per line on stderr, with every known secret value redacted.

dlt's own logger is routed through the same handler, so nothing reaches stderr unredacted.

Each line carries the keys the clouds' log agents read, so no parser is needed on either side:
- `severity` (DEBUG, INFO, WARNING, ERROR, CRITICAL), `message` and `time` (RFC 3339) are Cloud
  Logging's special fields for structured logs written by Cloud Run: they become the entry's severity,
  its summary line and its timestamp; every other key stays in jsonPayload.
  https://cloud.google.com/logging/docs/structured-logging#structured_logging_special_fields
- CloudWatch Logs (ECS awslogs driver) stores the line as is; Logs Insights discovers the keys of a JSON
  event as fields (`filter severity = "ERROR"`), and metric filters match them (`{ $.severity = "ERROR" }`).
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
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


# Python's level names are Cloud Logging's severities, except for levels between or beyond the standard
# ones (a custom level 25, NOTSET): those take the nearest standard severity at or below them.
_SEVERITIES = ((logging.CRITICAL, "CRITICAL"), (logging.ERROR, "ERROR"), (logging.WARNING, "WARNING"), (logging.INFO, "INFO"))


def severity(levelno: int) -> str:
    """Cloud Logging's severity name for a Python log level."""
    return next((name for floor, name in _SEVERITIES if levelno >= floor), "DEBUG")


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "severity": severity(record.levelno),
            "logger": record.name,
            "message": record.getMessage(),
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


def log(message: str, level: int = logging.INFO, **fields: Any) -> None:
    logging.getLogger("ingestion").log(level, message, extra={"fields": fields})
