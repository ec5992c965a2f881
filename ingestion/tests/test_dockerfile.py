"""What can be checked without a Docker engine: pinned base, pinned deps, non-root, no secrets baked in."""

from __future__ import annotations

import re
from pathlib import Path

INGESTION = Path(__file__).resolve().parents[1]
DOCKERFILE = (INGESTION / "Dockerfile").read_text()
# One entry per instruction: comments dropped, continuation lines joined.
_TEXT = re.sub(r"\\\n", " ", "\n".join(line for line in DOCKERFILE.splitlines() if not line.lstrip().startswith("#")))
INSTRUCTIONS = [re.sub(r"\s+", " ", line.strip()) for line in _TEXT.splitlines() if line.strip()]


def instructions(keyword: str) -> list[str]:
    return [line for line in INSTRUCTIONS if line.upper().startswith(keyword + " ")]


def test_base_image_is_python_311_slim_pinned_by_digest():
    # `ARG BASE_IMAGE=<default>` then `FROM ${BASE_IMAGE}`: the default is what CI and users build (a
    # tag could move under it; a digest cannot). The containers tier passes a stand-in instead.
    (base,) = instructions("FROM")
    assert base == "FROM ${BASE_IMAGE}", f"{base}: expected FROM ${{BASE_IMAGE}}"
    (arg,) = [a for a in instructions("ARG") if a.split()[1].startswith("BASE_IMAGE=")]
    image = arg.split("=", 1)[1]
    assert re.fullmatch(r"python:3\.11[\w.-]*-slim[\w-]*@sha256:[0-9a-f]{64}", image), f"ARG {arg}: expected python:3.11...-slim...@sha256:<64 hex>"


def test_runs_as_a_non_root_user():
    users = instructions("USER")
    assert users, "no USER instruction: the container would run as root"
    assert users[-1].split()[1].split(":")[0] not in ("root", "0")
    assert INSTRUCTIONS.index(users[-1]) > max(INSTRUCTIONS.index(i) for i in instructions("RUN"))


def test_installs_only_the_hashed_lock():
    # The lock's agreement with requirements.txt is test/config/python-locks.test.ts's to check.
    installs = [cmd.strip() for line in instructions("RUN") for cmd in line.split("&&") if "pip install" in cmd]
    assert installs, "no pip install in the Dockerfile"
    for cmd in installs:
        assert re.search(r"--require-hashes .*(-r|--requirement) \S*requirements(-pip)?\.lock$", cmd), cmd
    assert installs[-1].endswith("requirements.lock"), "the runtime lock is installed last, by the pinned pip"
    for line in (INGESTION / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z0-9_,\-]+\])?==[0-9][\w.]*", line), f"requirements.txt: {line!r} is not pinned with =="


def test_entrypoint_and_default_command():
    assert instructions("ENTRYPOINT") == ['ENTRYPOINT ["python", "-m", "ingestion"]']
    assert instructions("CMD") == ['CMD ["run", "--help"]']


def test_no_secrets_in_the_image():
    assert not instructions("ARG") or not any(re.search(r"(KEY|TOKEN|SECRET|PASSWORD)", a, re.I) for a in instructions("ARG"))
    for env in instructions("ENV"):
        assert not re.search(r"(PRIVATE_KEY|TOKEN|PASSWORD|DP_SECRET_)", env)
    ignored = (INGESTION / ".dockerignore").read_text().split()
    for pattern in ("**/*.env", "**/*.pem", "tests/", "sample_data/", "**/.local/"):
        assert pattern in ignored


def test_dev_requirements_are_pinned_and_separate():
    dev = (INGESTION / "requirements-dev.txt").read_text()
    assert "pytest==" in dev and "pytest" not in (INGESTION / "requirements.txt").read_text()
