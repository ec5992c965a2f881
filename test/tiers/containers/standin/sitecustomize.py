"""Containers tier only: the one stand-in inside a running ingestion container. Never in an image.

Snowflake cannot run on this machine, so the tier mounts this folder read-only at /opt/dp-standin,
puts it first on PYTHONPATH and sets DP_STANDIN_WAREHOUSE. Python imports this module at start-up;
it wraps `ingestion.destinations.destination_kwargs`: the real function still runs (it checks the
job's Snowflake variables and registers the private key for redaction), then its Snowflake
destination and raw-bucket staging are swapped for a DuckDB file that the dbt container reads next.
Everything else (arguments, the pipeline spec from the job's environment, the raw bucket through
the cloud's object store, state restore, run records) is the image's own code.
"""

import os

if os.environ.get("DP_STANDIN_WAREHOUSE"):
    import ingestion.destinations as _destinations

    _real = _destinations.destination_kwargs

    def _standin(paths):  # type: ignore[no-untyped-def]
        import dlt

        kwargs = _real(paths)
        if paths.target == "cloud":
            kwargs.pop("staging", None)
            kwargs["destination"] = dlt.destinations.duckdb(credentials=os.environ["DP_STANDIN_WAREHOUSE"])
        return kwargs

    _destinations.destination_kwargs = _standin
