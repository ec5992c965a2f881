"""Errors a user can act on: they name the file, the field, what was expected and what was found."""

from __future__ import annotations


class IngestionError(Exception):
    """Base for errors that are reported as a one-line message, without a traceback."""


class SpecError(IngestionError):
    def __init__(self, file: str, field: str, expected: str, found: object):
        self.file, self.field, self.expected, self.found = file, field, expected, found
        super().__init__(f"{file}: {field}: expected {expected}, found {describe(found)}")


class ConfigurationError(IngestionError):
    """A missing or invalid environment variable (name given, value never echoed)."""


def describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    if isinstance(value, dict):
        return f"an object with keys {sorted(value)}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{type(value).__name__} {value!r}"
