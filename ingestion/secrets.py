"""Secrets: `{ secret: name }` in a pipeline file → env `DP_SECRET_<PIPELINE>__<NAME>`, else `DP_SECRET_<NAME>`
(locally also from `.local/secrets.env`, same names).

Named like the cloud's secrets, pipeline first (`<prefix>-<env>-<pipeline>-secret-<name>`,
components/cloud/<cloud>/secrets.ts), with dlt's own section separator `__`: two pipelines that both
name a secret `db_url` get two variables on a laptop, where one shell and one secrets.env serve every
pipeline. In the cloud a job sees only its own pipeline's secrets, so it is given `DP_SECRET_<NAME>`
(components/pipeline.ts `secretEnvName`), the fallback here, which also keeps a value shared on
purpose (one database behind two pipelines) a single line. The pipeline's own variable wins.

Every value read is registered with the log redactor before it is returned.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import ConfigurationError
from .logs import register_secret


def secret_env(name: str) -> str:
    """The variable a cloud job is given (one pipeline per job), and the shared fallback locally."""
    return f"DP_SECRET_{name.upper()}"


def pipeline_secret_env(pipeline: str, name: str) -> str:
    """The pipeline's own variable for a secret: `DP_SECRET_SHOP_SQL__DB_URL`."""
    return f"DP_SECRET_{pipeline.upper()}__{name.upper()}"


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` lines; `#` comments and blank lines ignored; optional surrounding quotes removed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


class SecretResolver:
    def __init__(self, pipeline_file: str, env_file: Path | None = None, pipeline: str | None = None):
        self.pipeline_file = pipeline_file
        self.env_file = env_file
        self.pipeline = pipeline
        self.file_values = read_env_file(env_file) if env_file else {}

    def variables(self, name: str) -> list[str]:
        """The variables a secret is read from, first match wins: the pipeline's own, then the shared one."""
        return ([pipeline_secret_env(self.pipeline, name)] if self.pipeline else []) + [secret_env(name)]

    def _value(self, name: str) -> str | None:
        # The environment before the file for each name, and the pipeline's name before the shared one.
        for env in self.variables(name):
            value = os.environ.get(env) or self.file_values.get(env)
            if value:
                return value
        return None

    def where(self, name: str) -> str:
        """Where a secret is looked up, for messages: the variables, and the env file if any."""
        return " or ".join(self.variables(name)) + (f", in the environment or in {self.env_file}" if self.env_file else "")

    def missing(self, value: Any) -> list[str]:
        """Names of the secrets referenced inside `value` that have no (non-empty) value."""
        if is_secret_ref(value):
            return [] if self._value(value["secret"]) else [value["secret"]]
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        return sorted({name for child in children for name in self.missing(child)})

    def get(self, name: str, field: str) -> str:
        value = self._value(name)
        if not value:
            raise ConfigurationError(f"{self.pipeline_file}: {field}: secret {name!r} expected in variable {self.where(name)}, found nothing")
        register_secret(value)
        return value

    def resolve(self, value: Any, field: str) -> Any:
        """Replace every `{secret: name}` inside `value` (recursively) by the secret's value."""
        if is_secret_ref(value):
            return self.get(value["secret"], field)
        if isinstance(value, dict):
            return {k: self.resolve(v, f"{field}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, f"{field}[{i}]") for i, v in enumerate(value)]
        return value


def is_secret_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secret"} and isinstance(value["secret"], str)
