"""Static checks of the image definition and the pinned requirements."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DBT_DIR = Path(__file__).resolve().parent.parent
DOCKERFILE = (DBT_DIR / "Dockerfile").read_text()


def _instructions():
    """(INSTRUCTION, args) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in DOCKERFILE.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "") for line in text.splitlines() if line.strip()]


def test_base_image_is_python_311_slim_pinned_by_digest():
    froms = [args for ins, args in _instructions() if ins == "FROM"]
    assert froms, "no FROM"
    # The base is `ARG BASE_IMAGE=<default>` then `FROM ${BASE_IMAGE}`: what CI builds is the default.
    args = dict(a.split("=", 1) for ins, a in _instructions() if ins == "ARG" and "=" in a)
    stages = set()
    for image in froms:
        ref, *alias = image.split()
        if alias[:1] and alias[0].upper() == "AS":
            stages.add(alias[1])
        if ref in stages - {alias[1] if alias else None}:
            continue  # builds on an earlier stage of this file, whose base is checked here
        ref = args.get(ref[2:-1], ref) if ref.startswith("${") and ref.endswith("}") else ref
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?@sha256:[0-9a-f]{64}", ref), image


def test_runs_as_non_root():
    users = [args.strip() for ins, args in _instructions() if ins == "USER"]
    assert users, "the image must set USER"
    final = users[-1].split(":")[0]
    assert final not in ("root", "0"), final
    # USER comes before the entrypoint and nothing after it switches back.
    assert [ins for ins, _ in _instructions()].index("ENTRYPOINT") > max(i for i, (ins, _) in enumerate(_instructions()) if ins == "USER")


def test_entrypoint_is_the_runner():
    entry = [args for ins, args in _instructions() if ins == "ENTRYPOINT"]
    assert entry == ['["python", "-m", "dbt_runner"]']


def test_no_secrets_baked_in():
    for ins, args in _instructions():
        if ins in ("ENV", "ARG"):
            assert not re.search(r"PRIVATE_KEY|PASSWORD|SECRET|TOKEN", args, re.I), args
        if ins in ("COPY", "ADD"):
            assert not re.search(r"\.pem|\.p8|\.env\b|\.local", args), args
    ignore = (DBT_DIR / ".dockerignore").read_text().split()
    for entry in ("target/", "logs/", "dbt_packages/", ".venv/", "__pycache__/", "**/*.pem", "**/.env", "**/.local/"):
        assert entry in ignore, entry


def test_packages_are_installed_and_the_project_parsed_at_build_time():
    steps = _instructions()
    runs = [i for i, (ins, args) in enumerate(steps) if ins == "RUN" and "dbt deps" in args]
    user = [i for i, (ins, _) in enumerate(steps) if ins == "USER"]
    assert runs and user and runs[0] < user[0], "dbt deps must run at build time, before dropping root"
    assert any(ins == "COPY" and "packages.yml*" in args for ins, args in steps), "a project's packages.yml must reach the image"
    assert "dbt parse" in DOCKERFILE


def _pins(name):
    pins = {}
    # A lock's entries run over continuation lines (`name==version \` then `--hash=...`): keep the requirement.
    for line in (DBT_DIR / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip().rstrip("\\").strip()
        if line and not line.startswith("--hash"):
            req = Requirement(line)
            specs = list(req.specifier)
            assert len(specs) == 1 and specs[0].operator == "==", f"{name}: not an exact pin: {line}"
            pins[canonicalize_name(req.name)] = specs[0].version
    return pins


def test_requirements_are_exact_pins_matching_the_environment_and_the_lock():
    direct, lock = _pins("requirements.txt"), _pins("requirements.lock")
    assert {"dbt-core", "dbt-duckdb", "dbt-snowflake"} <= direct.keys()
    for name, version in direct.items():
        assert lock.get(name) == version, f"requirements.lock disagrees on {name}"
        assert metadata.version(name) == version, f"{name}: pinned {version}, installed {metadata.version(name)}"


# `VAR=value ... dbt <command>`: a dbt step, with the environment it runs with.
_DBT_STEP = re.compile(r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*dbt\s")


def _replay_dockerfile(project: Path, tmp_path: Path):
    """Replay the image's COPY layout (stages included) and its `dbt` RUN steps, in order, in a scratch
    /app with this venv's dbt. Returns the first failing step's (step, output), or None."""
    import os
    import shutil
    import subprocess
    import sys

    app = tmp_path / "app"
    app.mkdir(parents=True)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DP_LOCAL_DIR": str(tmp_path / "local"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    ran = 0
    for ins, args in _instructions():
        if ins == "COPY" and args.startswith("--from="):
            # A file an earlier stage's RUN wrote: it must exist, or the image build fails.
            _, src, dest = args.split()
            source = Path(src.replace("/tmp/", f"{tmp_path}/"))
            assert source.exists(), f"COPY {args}: the stage did not write {src}"
            shutil.copy(source, app / Path(dest).relative_to("/app"))
        elif ins == "COPY":
            *sources, dest = args.split()
            for pattern in sources:
                for src in project.glob(pattern):
                    target = app / dest / src.name if dest.endswith("/") and dest not in ("./", ".") else app / src.name
                    (shutil.copytree if src.is_dir() else shutil.copy)(src, target)
        elif ins == "RUN" and _DBT_STEP.match(args.lstrip()):
            ran += 1
            command = args.replace("/tmp/", f"{tmp_path}/").replace("/app", str(app))
            result = subprocess.run(command, shell=True, cwd=app, env=env, capture_output=True, text=True, timeout=180)
            if result.returncode != 0:
                return args, result.stdout[-4000:] + result.stderr[-2000:]
    assert ran, "the Dockerfile runs no dbt step"
    return None


def test_the_dockerfile_dbt_steps_run_in_a_plain_venv(tmp_path):
    """Stands for: the dbt steps of `docker build` (deps, the Snowflake parse stage, the local parse).
    Proof: our own stand-in (the Dockerfile's steps replayed with the pinned dbt, no engine); the
    containers tier builds the image for real. Cannot prove: the engine's own behaviour."""
    failed = _replay_dockerfile(DBT_DIR, tmp_path)
    assert failed is None, "\n".join(failed)
    assert "--target snowflake" in DOCKERFILE and "--target local" in DOCKERFILE


def test_a_snowflake_only_model_that_does_not_compile_fails_the_build_steps(tmp_path):
    """Stands for: a broken model that only the Snowflake target enables (shop_postgres) failing the
    image build instead of the first scheduled run. Proof: our own stand-in (the replay above); the
    containers tier proves the same with a real `docker build`. Cannot prove: errors only Snowflake
    itself reports at run time (SQL it rejects), since parsing opens no connection."""
    import shutil

    project = tmp_path / "project"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__", ".venv"))
    broken = project / "models" / "staging" / "shop_postgres" / "stg_shop_postgres__broken.sql"
    broken.write_text("select * from {{ ref('no_such_model') }}\n")
    failed = _replay_dockerfile(project, tmp_path / "build")
    assert failed is not None, "a Snowflake-only model referring to a missing model passed every build step"
    step, output = failed
    assert "--target snowflake" in step, f"failed at another step than the Snowflake parse: {step}"
    assert "no_such_model" in output, output
