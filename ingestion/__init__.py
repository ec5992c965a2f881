"""Ingestion on dlt: one pipeline spec (`pipelines/<name>.yaml`) → one dlt source → raw tables.

`python -m ingestion run --pipeline <name> [--target local|cloud]`; see `cli.py`.
"""

import os

# dlt sends anonymous usage telemetry by default; this package must make no calls the pipeline spec
# does not ask for (tests and the local platform run offline). Set before dlt is imported anywhere.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
# dlt's own log lines are routed through `logs.py` (JSON, redacted); only warnings and errors matter.
os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
# Arrow data (csv via DuckDB, parquet) skips dlt's row-wise normalizer, which is what adds `_dlt_load_id`
# and `_dlt_id`. Every raw table must carry them alike: the dbt project reads `_dlt_load_id` everywhere.
# `_dlt_load_id` dlt adds while extracting Arrow data; `_dlt_id` row_ids.py adds in bulk while
# extracting, because dlt's ADD_DLT_ID would make normalize rewrite every file (see row_ids.py).
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "false")
