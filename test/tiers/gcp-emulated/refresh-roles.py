"""Rebuild ../shared/gcp/predefined-roles.json (the tier's snapshot of GCP's predefined roles).

Source: the public repository darkbitio/gcp-iam-role-permissions, whose `roles/` folder holds one JSON
file per predefined role as Google's IAM API returns it (`roles.list`, `view=FULL`). Run from the
repository root, with network access, then review the diff of the tests it changes:

    git clone https://github.com/darkbitio/gcp-iam-role-permissions /tmp/gcp-roles
    python test/tiers/gcp-emulated/refresh-roles.py /tmp/gcp-roles ../shared/gcp/predefined-roles.json

Refuses to write when the checkout has no roles (a wrong path), so a bad run changes nothing.
"""

import json
import pathlib
import subprocess
import sys


def main(checkout: str, out: str) -> None:
    root = pathlib.Path(checkout)
    files = sorted((root / "roles").glob("*.json"))
    if not files:
        sys.exit(f"refresh-roles: no roles/*.json under {root}: expected a checkout of darkbitio/gcp-iam-role-permissions")
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    roles = {}
    for f in files:
        r = json.loads(f.read_text())
        roles[r["name"]] = {
            "stage": r.get("stage", ""),
            "title": r.get("title", ""),
            "permissions": sorted(r.get("includedPermissions", [])),
            "deleted": bool(r.get("deleted", False)),
        }
    pathlib.Path(out).write_text(json.dumps({"source": f"darkbitio/gcp-iam-role-permissions@{commit}", "roles": roles}, indent=1) + "\n")
    print(f"refresh-roles: {len(roles)} roles from {commit} written to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
