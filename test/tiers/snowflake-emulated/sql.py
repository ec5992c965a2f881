"""Run SQL against the tier's fakesnow server as a client would: `python sql.py < statements.json`.

stdin: `{"port": N, "statements": ["...", ...]}`; stdout: one JSON array, per statement its rows
(lists of values, stringified when not JSON-native). The first failing statement stops the run, exit 1.
"""

from __future__ import annotations

import json
import sys

import snowflake.connector


def main() -> int:
    req = json.load(sys.stdin)
    conn = snowflake.connector.connect(
        host="127.0.0.1", port=req["port"], protocol="http", account="tier", user="TIER_ADMIN", password="unused", session_parameters={"TIMEZONE": "UTC"}
    )
    out = []
    with conn.cursor() as cur:
        for statement in req["statements"]:
            try:
                cur.execute(statement)
                rows = cur.fetchall() if cur.description else []
            except Exception as e:  # noqa: BLE001 - the test prints which statement failed and why
                print(json.dumps({"failed": statement, "error": f"{type(e).__name__}: {e}"}), file=sys.stderr)
                return 1
            out.append([[v if isinstance(v, (int, float, str, bool)) or v is None else str(v) for v in row] for row in rows])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
