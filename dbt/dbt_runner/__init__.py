"""Run `dbt build` for one pipeline, upload its artifacts and write a run record.

    python -m dbt_runner build --select <selection> [--target local|snowflake] [--pipeline <name>]

See README.md in the dbt/ folder for the full contract (arguments, environment, output, exit codes).
"""

__all__ = ["EXIT_CODES"]

# Exit codes: 0 only for SUCCESS, so schedulers/orchestrators treat everything else as a failed step.
EXIT_CODES = {
    "SUCCESS": 0,
    "PARTIAL": 1,
    "FAILED": 2,
}
EXIT_UPLOAD_FAILED = 3  # dbt outcome is in the summary line, but artifacts/run record were not stored
EXIT_USAGE = 64  # bad arguments or environment (EX_USAGE)
