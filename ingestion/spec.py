"""Read one pipeline spec. `stacks/pipeline-spec.ts` (zod) is the full validator; this side checks only
what ingestion itself depends on, so that a spec it cannot handle fails with a clear message rather
than deep inside dlt.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import SpecError

SOURCE_TYPES = ("rest_api", "filesystem", "sql_database", "fivetran")
# A job may receive its spec as JSON instead of reading a file baked into the image.
SPEC_JSON_ENV = "DP_PIPELINE_SPEC"


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    file: str  # shown in errors
    source_type: str
    source: dict[str, Any]  # the block under `source.<type>`


def load_spec(name: str, pipelines_dir: Path) -> PipelineSpec:
    inline = os.environ.get(SPEC_JSON_ENV)
    if inline:
        try:
            data = json.loads(inline)
        except json.JSONDecodeError as e:
            raise SpecError(f"${SPEC_JSON_ENV}", "(document)", "a JSON pipeline spec", f"invalid JSON ({e.msg})") from None
        return parse_spec(data, f"${SPEC_JSON_ENV}", expected_name=name)

    path = pipelines_dir / f"{name}.yaml"
    if not path.is_file():
        alt = pipelines_dir / f"{name}.yml"
        if not alt.is_file():
            known = sorted(p.stem for p in pipelines_dir.glob("*.y*ml")) if pipelines_dir.is_dir() else []
            raise SpecError(str(path), "(file)", f"a pipeline file (known pipelines: {', '.join(known) or 'none'})", "no such file")
        path = alt
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(document)"
        raise SpecError(str(path), where, "valid YAML", str(getattr(e, "problem", e))) from None
    return parse_spec(data, str(path), expected_name=name)


def parse_spec(data: Any, file: str, expected_name: str | None = None) -> PipelineSpec:
    if not isinstance(data, dict):
        raise SpecError(file, "(document)", "a mapping with name, source, schedule", data)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError(file, "name", "a lower_snake pipeline name", name)
    if expected_name is not None and name != expected_name:
        raise SpecError(file, "name", f"{expected_name!r} (the file name)", name)
    source = data.get("source")
    if not isinstance(source, dict):
        raise SpecError(file, "source", "a mapping with `type`", source)
    source_type = source.get("type")
    if source_type not in SOURCE_TYPES:
        raise SpecError(file, "source.type", " | ".join(SOURCE_TYPES), source_type)
    block = source.get(source_type)
    if not isinstance(block, dict):
        raise SpecError(file, f"source.{source_type}", "a mapping", block)
    return PipelineSpec(name=name, file=file, source_type=source_type, source=block)


def require(spec: PipelineSpec, block: dict[str, Any], key: str, kind: type | tuple[type, ...], expected: str, prefix: str) -> Any:
    value = block.get(key)
    if not isinstance(value, kind):
        raise SpecError(spec.file, f"{prefix}.{key}", expected, value)
    return value
