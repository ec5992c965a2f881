"""The run id comes from the orchestration (DP_RUN_ID on AWS, CLOUD_RUN_EXECUTION on Cloud Run), as the dbt
runner reads it, so one execution's ingestion and dbt run records share an id.

Stands for: the ingestion container started by Step Functions with DP_RUN_ID. Proof: ran for real (the CLI's
parser). Cannot prove: that the orchestration sets it (test/contract/job-env.test.ts checks the plan).
"""

import pytest

from ingestion.cli import parser


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DP_RUN_ID": "exec-42"}, "exec-42"),
        ({"CLOUD_RUN_EXECUTION": "job-abc-x7"}, "job-abc-x7"),
        ({"DP_RUN_ID": "exec-42", "CLOUD_RUN_EXECUTION": "job-abc-x7"}, "exec-42"),
        ({}, None),
    ],
)
def test_run_id_defaults_to_the_orchestrations(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str | None) -> None:
    for name in ("DP_RUN_ID", "CLOUD_RUN_EXECUTION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert parser().parse_args(["run", "--pipeline", "p"]).run_id == expected


def test_an_explicit_run_id_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DP_RUN_ID", "exec-42")
    assert parser().parse_args(["run", "--pipeline", "p", "--run-id", "mine"]).run_id == "mine"
