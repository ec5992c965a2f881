"""One builder per source type: pipeline spec → dlt source (or resources)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..secrets import SecretResolver
from ..settings import Paths
from ..spec import PipelineSpec


@dataclass(frozen=True)
class SourceContext:
    spec: PipelineSpec
    paths: Paths
    secrets: SecretResolver
    base_url: str | None = None  # overrides a rest_api spec's client.base_url


def build_source(ctx: SourceContext) -> Any:
    kind = ctx.spec.source_type
    if kind == "rest_api":
        from .rest_api import build_rest_api_source

        return build_rest_api_source(ctx)
    if kind == "filesystem":
        from .filesystem import build_filesystem_source

        return build_filesystem_source(ctx)
    if kind == "sql_database":
        from .sql_database import build_sql_database_source

        return build_sql_database_source(ctx)
    raise SpecError(ctx.spec.file, "source.type", "rest_api, filesystem or sql_database (run by ingestion)", kind)
