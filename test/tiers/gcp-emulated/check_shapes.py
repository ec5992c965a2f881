"""Check request bodies and connector calls against Google's discovery documents.

The discovery documents are Google's machine-readable API definitions, as shipped in
google-api-python-client (googleapiclient/discovery_cache/documents/<api>.<version>.json). Reads JSON on
stdin:
  {"requests": [{"what", "api", "schema", "body"}], "calls": [{"what", "call", "args"}]}
and prints {"problems": [...]}: unknown fields, wrong types, values outside an enum, malformed
durations and bytes, connector methods that do not exist and required parameters that are missing.
"""

import base64
import binascii
import json
import pathlib
import re
import sys

import googleapiclient

DOCS = pathlib.Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
DURATION = re.compile(r"^-?\d+(\.\d{1,9})?s$")
# Helpers the Workflows connectors add on top of the REST methods (documented by Workflows, not in discovery).
CONNECTOR_HELPERS = {"googleapis.secretmanager.v1.projects.secrets.versions.accessString": {"required": ["secret_id"], "optional": ["project_id", "version"]}}


def document(api):
    return json.loads((DOCS / f"{api}.json").read_text())


def check(value, schema, doc, where, problems):
    if "$ref" in schema:
        schema = doc["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object, found {type(value).__name__}")
            return
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                prop = props[key]
                if prop.get("readOnly") or prop.get("description", "").startswith("Output only"):
                    problems.append(f"{where}.{key}: output-only field sent in a request")
                check(item, prop, doc, f"{where}.{key}", problems)
            elif extra is not None:
                check(item, extra, doc, f"{where}.{key}", problems)
            else:
                problems.append(f"{where}.{key}: not a field of {schema.get('id', 'this object')} (fields: {', '.join(sorted(props))})")
    elif kind == "array":
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, found {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check(item, schema["items"], doc, f"{where}[{i}]", problems)
    elif kind == "string":
        fmt = schema.get("format")
        if fmt in ("int64", "uint64") and isinstance(value, int):
            return
        if not isinstance(value, str):
            problems.append(f"{where}: expected a string, found {json.dumps(value)}")
            return
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
        if fmt == "google-duration" and not DURATION.match(value):
            problems.append(f"{where}: {value!r} is not a duration like '60s'")
        if fmt == "byte":
            try:
                base64.b64decode(value, validate=True)
            except binascii.Error:
                problems.append(f"{where}: not base64")
    elif kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: expected an integer, found {json.dumps(value)}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{where}: expected true or false, found {json.dumps(value)}")


def method(call):
    _, api, version, *resources, name = call.split(".")
    doc = document(f"{api}.{version}")
    node = doc
    for r in resources:
        node = node.get("resources", {}).get(r)
        if node is None:
            return doc, None
    return doc, node.get("methods", {}).get(name)


def check_call(c, problems):
    call, args, what = c["call"], c["args"], c["what"]
    if call in CONNECTOR_HELPERS:
        spec = CONNECTOR_HELPERS[call]
        for p in spec["required"]:
            if p not in args:
                problems.append(f"{what}: {call} needs {p}")
        for a in args:
            if a not in spec["required"] + spec["optional"]:
                problems.append(f"{what}: {call} has no argument {a}")
        return
    doc, m = method(call)
    if m is None:
        problems.append(f"{what}: {call} is not a method of {call.split('.')[1]} {call.split('.')[2]}")
        return
    params = m.get("parameters", {})
    for name, p in params.items():
        if p.get("required") and name not in args:
            problems.append(f"{what}: {call} needs {name}")
    for name, value in args.items():
        if name in ("connector_params",):
            continue
        if name == "body":
            if "request" not in m:
                problems.append(f"{what}: {call} takes no body")
            continue
        if name not in params:
            problems.append(f"{what}: {call} has no parameter {name} (parameters: {', '.join(sorted(params))})")
            continue
        pattern = params[name].get("pattern")
        literal = isinstance(value, str) and "${" not in value
        if pattern and literal and not re.match(pattern, value):
            problems.append(f"{what}: {call} {name}={value!r} does not match {pattern}")


def main():
    data = json.load(sys.stdin)
    problems = []
    for r in data.get("requests", []):
        doc = document(r["api"])
        check(r["body"], {"$ref": r["schema"]}, doc, r["what"], problems)
    for c in data.get("calls", []):
        check_call(c, problems)
    # What a request path must look like: the method's flat path, resolved against the document's root.
    for u in data.get("uris", []):
        doc, m = method(u["method"])
        template = doc["rootUrl"] + doc["servicePath"] + m["flatPath"] if m else None
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$" if template else None
        if not regex or not re.match(regex, u["uri"]):
            problems.append(f"{u['what']}: {u['uri']} is not {template}")
        if m and "request" in m and u.get("body") is not None:
            check(u["body"], m["request"], doc, f"{u['what']} body", problems)
    print(json.dumps({"problems": problems}))


main()
