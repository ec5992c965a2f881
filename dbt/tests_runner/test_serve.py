"""`python -m dbt_runner serve`: the local run's one dbt process (issue 20).

Stands for: many pipelines' builds in one process parse the project once, each build still producing
its own summary, artifacts and run record, and the DuckDB file is free between builds (the next
pipeline's ingestion, another process, must lock it). Proven by running real dbt in-process on a
temporary DuckDB and recording what dbt was asked to do; cannot prove the time saved (that is
`npm run bench:local`).
"""

from __future__ import annotations

import json

import duckdb

from dbt_runner import cli


def test_serve_parses_once_and_answers_each_build(warehouse, local_dir, monkeypatch, capsys):
    for name in ("DP_PIPELINE", "DP_RUN_ID", "DP_DBT_SELECT", "DBT_TARGET"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("DP_LOCAL_DIR", str(local_dir))
    monkeypatch.setenv("DP_ARTIFACTS_URI", str(local_dir / "artifacts"))
    monkeypatch.setattr(cli, "_MANIFESTS", {})

    from dbt.cli.main import dbtRunner

    invoked: list[tuple[str, bool]] = []  # (dbt command, was a parsed manifest handed over)
    real_invoke = dbtRunner.invoke

    def recording_invoke(self, args, **kwargs):
        invoked.append((args[0], self.manifest is not None))
        return real_invoke(self, args, **kwargs)

    monkeypatch.setattr(dbtRunner, "invoke", recording_invoke)

    def requests():
        yield json.dumps(["build", "--select", "tag:jsonplaceholder+", "--run-id", "serve-1"]) + "\n"
        with duckdb.connect(str(warehouse)) as con:  # writable: dbt let go of the file
            con.sql("create table main.probe as select 1 as x")
        yield '["run"]\n'
        yield json.dumps(["build", "--select", "tag:orders_files+", "--run-id", "serve-2"]) + "\n"

    try:
        assert cli.serve(["--target", "local"], stdin=requests()) == 0
    finally:
        monkeypatch.setattr(cli, "_SERVING", False)

    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert answers[0] == {"ready": True}
    posts, bad, orders = answers[1:]
    assert (posts["pipeline"], posts["run_id"], posts["status"], posts["exit_code"], posts["models_built"]) == ("jsonplaceholder", "serve-1", "SUCCESS", 0, 6)
    assert (orders["pipeline"], orders["run_id"], orders["status"], orders["exit_code"], orders["models_built"]) == ("orders_files", "serve-2", "SUCCESS", 0, 3)
    assert bad["status"] == "FAILED" and bad["exit_code"] == 64
    for answer in (posts, orders):
        run_dir = local_dir / "artifacts" / answer["pipeline"] / answer["run_id"]
        for artifact in ("manifest.json", "run_results.json"):
            assert (run_dir / artifact).is_file(), (answer["pipeline"], artifact)
        assert (local_dir / "artifacts" / "runs" / answer["pipeline"] / f"{answer['run_id']}.json").is_file(), answer["pipeline"]
    # One parse, then builds that were handed the parsed project.
    assert invoked == [("parse", False), ("build", True), ("build", True)]
