"""The run id comes from the orchestration (DP_RUN_ID, set by Step Functions and by the GCP workflow on both
jobs; CLOUD_RUN_EXECUTION is only a fallback, as it differs per Cloud Run job), as the dbt runner reads it, so
one execution's ingestion and dbt run records share an id. The run type (DP_RUN_TYPE) comes the same way.

Stands for: the ingestion container started by the orchestration with DP_RUN_ID / DP_RUN_TYPE. Proof: ran for
real (the CLI's parser, and a whole run writing its record). Cannot prove: that the orchestration sets them
(the gcp-emulated and aws-emulated tiers execute the orchestrations and check the overrides).
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
    for name in ("DP_RUN_ID", "CLOUD_RUN_EXECUTION", "DP_RUN_TYPE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert parser().parse_args(["run", "--pipeline", "p"]).run_id == expected


def test_an_explicit_run_id_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DP_RUN_ID", "exec-42")
    assert parser().parse_args(["run", "--pipeline", "p", "--run-id", "mine"]).run_id == "mine"


@pytest.mark.parametrize(("env", "expected"), [(None, "SCHEDULED"), ("MANUAL", "MANUAL"), ("SCHEDULED", "SCHEDULED")])
def test_run_type_defaults_to_the_orchestrations(monkeypatch: pytest.MonkeyPatch, env: str | None, expected: str) -> None:
    monkeypatch.delenv("DP_RUN_TYPE", raising=False)
    if env is not None:
        monkeypatch.setenv("DP_RUN_TYPE", env)
    assert parser().parse_args(["run", "--pipeline", "p"]).run_type == expected


def test_an_unknown_run_type_stops_the_run_with_the_variable_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DP_RUN_TYPE", "manual-ish")
    with pytest.raises(SystemExit):
        parser().parse_args(["run", "--pipeline", "p"])
    assert "--run-type / $DP_RUN_TYPE: expected SCHEDULED or MANUAL, found 'manual-ish'" in capsys.readouterr().err
