"""OpenLineage events for the platform's lineage: each pipeline's ingestion (its source → its raw
tables) and each dbt model (its sources and parent models → its relation), written with OpenLineage's
own client and file transport (one JSON event per line).

    python emit.py < job.json        (tools/lineage.ts builds the job; npm run lineage)

The job: {"out", "producer", "jobNamespace", "warehouse": {"namespace", "database"}, "manifest",
"ingestions": [{"pipeline", "run_id", "finished_at", "dataset", "tables", "source": {"namespace", "names"}}]}.
Dataset names follow OpenLineage's naming for warehouses, `<database>.<schema>.<table>` in the
warehouse's namespace, so the raw tables ingestion writes and the sources dbt reads are one dataset.
Prints {"events", "edges"} on stdout.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState, set_producer
from openlineage.client.facet_v2 import documentation_job, job_type_job, schema_dataset
from openlineage.client.transport.file import FileConfig, FileTransport


def _relation(node: dict[str, Any], database: str) -> str:
    """A manifest node's relation as OpenLineage names it: `<database>.<schema>.<table>`, with the
    node's own database (DuckDB: the file's catalog), lower case as DuckDB and Snowflake resolve it."""
    table = node.get("identifier") or node.get("alias") or node["name"]
    return f"{node.get('database') or database}.{node['schema']}.{table}".lower()


def _schema_facet(node: dict[str, Any]) -> dict[str, Any]:
    columns = node.get("columns") or {}
    if not columns:
        return {}
    fields = [schema_dataset.SchemaDatasetFacetFields(name=c, type=(v.get("data_type") or None), description=(v.get("description") or None)) for c, v in columns.items()]
    return {"schema": schema_dataset.SchemaDatasetFacet(fields=fields)}


def dbt_events(manifest: dict[str, Any], ns: str, database: str, job_ns: str, when: str) -> list[RunEvent]:
    nodes = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    events = []
    for uid, node in sorted(manifest.get("nodes", {}).items()):
        if node.get("resource_type") != "model" or not (node.get("config") or {}).get("enabled", True):
            continue
        parents = [nodes[p] for p in node.get("depends_on", {}).get("nodes", []) if p in nodes and nodes[p].get("resource_type") in ("model", "source", "seed", "snapshot")]
        job_facets: dict[str, Any] = {"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="DBT", jobType="MODEL")}
        if node.get("description"):
            job_facets["documentation"] = documentation_job.DocumentationJobFacet(description=node["description"])
        events.append(
            RunEvent(
                eventType=RunState.COMPLETE,
                eventTime=when,
                run=Run(runId=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{job_ns}/{uid}/{when}"))),
                job=Job(namespace=job_ns, name=f"dbt.{node['name']}", facets=job_facets),
                inputs=[InputDataset(namespace=ns, name=_relation(p, database), facets=_schema_facet(p)) for p in parents],
                outputs=[OutputDataset(namespace=ns, name=_relation(node, database), facets=_schema_facet(node))],
            )
        )
    return events


def ingestion_events(ingestions: list[dict[str, Any]], ns: str, database: str, job_ns: str) -> list[RunEvent]:
    events = []
    for i in ingestions:
        job_facets = {"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="DLT", jobType="PIPELINE")}
        events.append(
            RunEvent(
                eventType=RunState.COMPLETE,
                eventTime=i["finished_at"],
                run=Run(runId=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{job_ns}/ingestion/{i['pipeline']}/{i['run_id']}"))),
                job=Job(namespace=job_ns, name=f"ingestion.{i['pipeline']}", facets=job_facets),
                inputs=[InputDataset(namespace=i["source"]["namespace"], name=n) for n in i["source"]["names"]],
                outputs=[OutputDataset(namespace=ns, name=f"{database}.{i['dataset']}.{t}".lower()) for t in sorted(i["tables"])],
            )
        )
    return events


def main() -> int:
    job = json.load(sys.stdin)
    set_producer(job["producer"])
    out = Path(job["out"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)  # one export per run: the file holds this export's events only
    wh = job["warehouse"]
    manifest = json.loads(Path(job["manifest"]).read_text(encoding="utf-8"))
    when = datetime.now(timezone.utc).isoformat()
    events = ingestion_events(job["ingestions"], wh["namespace"], wh["database"], job["jobNamespace"])
    events += dbt_events(manifest, wh["namespace"], wh["database"], job["jobNamespace"], when)
    client = OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=str(out), append=True)))
    for e in events:
        client.emit(e)
    edges = sorted(
        {(f"{d.namespace}/{d.name}", e.job.name) for e in events for d in e.inputs or []} | {(e.job.name, f"{d.namespace}/{d.name}") for e in events for d in e.outputs or []}
    )
    print(json.dumps({"events": len(events), "out": str(out), "edges": len(edges)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
