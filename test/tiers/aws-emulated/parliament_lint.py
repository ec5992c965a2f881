"""
Lints IAM policy documents with parliament (duo-labs), AWS's IAM reference data inside it:
unknown actions, actions on resources they do not apply to, malformed ARNs and conditions,
condition keys an action does not take, Resource "*" on scopable actions.

    python parliament_lint.py < [{"where": ..., "kind": "identity|trust|resource|boundary", "document": {...}}] > findings.json

Trust policies have no Resource, which parliament reports as MALFORMED; the test accepts exactly that.
Output: one entry per policy with its findings (issue, severity,
detail), and parliament's version.
"""

import json
import sys

import parliament
from parliament import analyze_policy_string


def main() -> None:
    out = []
    for p in json.load(sys.stdin):
        doc = json.dumps(p["document"])
        policy = analyze_policy_string(doc, include_community_auditors=True)
        findings = [{"issue": f.issue, "severity": f.severity, "detail": f.detail} for f in policy.findings]
        out.append({"where": p["where"], "findings": findings})
    json.dump({"version": parliament.__version__, "policies": out}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
