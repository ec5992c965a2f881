"""`source.type: rest_api` → dlt's declarative `rest_api_source`.

The spec's `rest_api` block is already dlt's config shape; this module resolves secrets in `auth`,
applies the base URL override and rejects what dlt would otherwise fail on obscurely.
"""

from __future__ import annotations

import copy
from typing import Any, cast

from dlt.sources.rest_api import RESTAPIConfig, rest_api_source

from ..errors import SpecError
from ..spec import require
from . import SourceContext

# dlt auth types this package accepts; their `{ secret: name }` fields are resolved wherever they sit.
AUTH_TYPES = ("bearer", "api_key", "http_basic")


def rest_api_config(ctx: SourceContext) -> dict[str, Any]:
    spec, block = ctx.spec, copy.deepcopy(ctx.spec.source)
    prefix = "source.rest_api"
    client = require(spec, block, "client", dict, "a mapping with base_url", prefix)
    require(spec, client, "base_url", str, "an http(s) URL", f"{prefix}.client")
    if ctx.base_url:
        client["base_url"] = ctx.base_url
    if not str(client["base_url"]).startswith(("http://", "https://")):
        raise SpecError(spec.file, f"{prefix}.client.base_url", "an http(s) URL", client["base_url"])

    auth = client.get("auth")
    if auth is not None:
        kind = auth.get("type") if isinstance(auth, dict) else None
        if kind not in AUTH_TYPES:
            raise SpecError(spec.file, f"{prefix}.client.auth.type", "bearer, api_key or http_basic", kind)
        client["auth"] = ctx.secrets.resolve(auth, f"{prefix}.client.auth")

    resources = require(spec, block, "resources", list, "a list of resources", prefix)
    if not resources:
        raise SpecError(spec.file, f"{prefix}.resources", "at least one resource", resources)
    for i, resource in enumerate(resources):
        if not isinstance(resource, (str, dict)):
            raise SpecError(spec.file, f"{prefix}.resources[{i}]", "a name or a mapping with name", resource)
        if isinstance(resource, dict) and not isinstance(resource.get("name"), str):
            raise SpecError(spec.file, f"{prefix}.resources[{i}].name", "a table name", resource.get("name"))
    return {"client": client, "resource_defaults": block.get("resource_defaults") or {}, "resources": resources}


def build_rest_api_source(ctx: SourceContext) -> Any:
    # rest_api_config checked the shape dlt declares as the RESTAPIConfig TypedDict.
    return rest_api_source(cast(RESTAPIConfig, rest_api_config(ctx)), name=ctx.spec.name)
