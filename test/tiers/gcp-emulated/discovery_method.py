"""Print one REST method of a Google API as its discovery document defines it.

Reads {"api": "<name>.<version>", "method": "<dotted resource path>.<method>"} on stdin (e.g.
"projects.locations.workflows.executions.create") and prints {"httpMethod", "flatPath", "path",
"request", "response", "parameters"} from google-api-python-client's shipped document, or
{"error": ...} naming what does not exist. Standard library plus googleapiclient (for the documents).
"""

import json
import pathlib
import sys

import googleapiclient

DOCS = pathlib.Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


def main() -> None:
    job = json.load(sys.stdin)
    doc = json.loads((DOCS / f"{job['api']}.json").read_text())
    *resources, method = job["method"].split(".")
    node = doc
    for name in resources:
        node = node.get("resources", {}).get(name)
        if node is None:
            print(json.dumps({"error": f"{job['api']}: no resource {name!r} on the way to {job['method']}"}))
            return
    m = node.get("methods", {}).get(method)
    if m is None:
        print(json.dumps({"error": f"{job['api']}: no method {job['method']}"}))
        return
    print(
        json.dumps(
            {
                "httpMethod": m["httpMethod"],
                "flatPath": m.get("flatPath"),
                "path": m["path"],
                "rootUrl": doc["rootUrl"],
                "servicePath": doc.get("servicePath", ""),
                "request": (m.get("request") or {}).get("$ref"),
                "response": (m.get("response") or {}).get("$ref"),
                "parameters": {k: {"location": v.get("location"), "required": v.get("required", False), "pattern": v.get("pattern")} for k, v in m.get("parameters", {}).items()},
            }
        )
    )


if __name__ == "__main__":
    main()
