"""
Validates API requests against AWS's service models as botocore ships them (botocore/data/<service>/*):
botocore's own ParamValidator (required members, types, lengths, ranges, unknown members), plus the
model's `enum` lists, which ParamValidator leaves to the service.

    python service_models.py < {"requests": [{"where", "service", "operation", "params"}], "errorsOf": [{"service", "operation"}]}

Answers {"botocore": version, "requests": [{"where", "errors": [...]}], "errorsOf": [{"service", "operation", "errors": [names]}]}.
"""

import json
import sys

import botocore
import botocore.session
from botocore.validate import ParamValidator


def enum_errors(shape, value, path):
    out = []
    if shape.type_name == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                out += enum_errors(shape.members[k], v, f"{path}.{k}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, v in enumerate(value):
            out += enum_errors(shape.member, v, f"{path}[{i}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for k, v in value.items():
            out += enum_errors(shape.value, v, f"{path}.{k}")
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:
        out.append(f"{path}: {value!r} is not one of {shape.enum}")
    return out


def main():
    job = json.load(sys.stdin)
    session = botocore.session.get_session()
    models = {}

    def model(service):
        if service not in models:
            models[service] = session.get_service_model(service)
        return models[service]

    results = []
    for r in job.get("requests", []):
        op = model(r["service"]).operation_model(r["operation"])
        report = ParamValidator().validate(r["params"], op.input_shape)
        errors = [line.strip() for line in report.generate_report().splitlines() if line.strip()] if report.has_errors() else []
        errors += enum_errors(op.input_shape, r["params"], r["operation"])
        results.append({"where": r["where"], "errors": errors})
    errors_of = []
    for q in job.get("errorsOf", []):
        op = model(q["service"]).operation_model(q["operation"])
        errors_of.append({**q, "errors": sorted(e.name for e in op.error_shapes)})
    json.dump({"botocore": botocore.__version__, "requests": results, "errorsOf": errors_of}, sys.stdout)


if __name__ == "__main__":
    main()
