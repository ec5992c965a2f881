#!/usr/bin/env bash
# Install what `npm run local` and `npm test` need, only when it is missing or out of date:
#   node_modules  from package-lock.json (npm ci)
#   .venv         Python virtualenv from requirements.lock: every file hash-checked (pip --require-hashes);
#                 it locks ingestion/, dbt/, the dev, scaffold and lint requirements (npm run lock:python)
#   .tools/bin    actionlint, pinned, from the Go module proxy: only with --with-actionlint (npm test
#                 passes it; npm run local and npm run new do not need the workflow linter)
# Idempotent: a second run with nothing changed does nothing (it compares a hash of the inputs).
# Each step that has work to do says so, and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_ACTIONLINT=false
for arg in "$@"; do
  case "$arg" in
    --with-actionlint) WITH_ACTIONLINT=true ;;
    *) printf 'bootstrap: unknown argument %s (expected --with-actionlint)\n' "$arg" >&2; exit 2 ;;
  esac
done

log() { printf 'bootstrap: %s\n' "$*" >&2; }
done_in() { log "  done in $((SECONDS - $1))s"; }

# --- Node ----------------------------------------------------------------------------------------
# npm ci writes node_modules/.package-lock.json, so it is newer than the lock file after an install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node dependencies (npm ci, about a minute on a cold cache)"
  t0=$SECONDS
  npm ci --no-audit --no-fund --loglevel=error
  done_in "$t0"
fi

# --- actionlint (workflow linter for the `actionlint` suite of npm test) --------------------------
# Pinned, built from the Go module proxy into the project-local .tools/bin (git-ignored); only when
# missing or another version. Without Go, the suite reports the missing binary instead.
ACTIONLINT_VERSION=1.7.12
if $WITH_ACTIONLINT && [ "$(.tools/bin/actionlint -version 2>/dev/null | head -n1)" != "v$ACTIONLINT_VERSION" ]; then
  if command -v go >/dev/null 2>&1; then
    log "installing actionlint v$ACTIONLINT_VERSION into .tools/bin (go install)"
    mkdir -p .tools/bin
    t0=$SECONDS
    GOBIN="$PWD/.tools/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
    done_in "$t0"
  else
    log "Go is not installed: skipping actionlint (the actionlint suite will fail)"
  fi
fi

# --- Python --------------------------------------------------------------------------------------
# One lock for the whole .venv, compiled from the .txt inputs by `npm run lock:python`
# (test/config/python-locks.test.ts fails while an input and the lock disagree).
# pip comes first from its own lock (requirements-pip.txt says why).
REQS=(requirements-pip.lock requirements.lock)
for f in "${REQS[@]}"; do [ -f "$f" ] || { log "$f is missing (npm run lock:python writes it)"; exit 1; }; done

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
[ -n "$PYTHON" ] || { log "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' \
  || { log "Python >= 3.11 is required, found $("$PYTHON" --version)"; exit 1; }

STAMP=".venv/.requirements.sha256"
WANT="$( { "$PYTHON" --version; cat "${REQS[@]}"; } | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x .venv/bin/python ]; then
  exit 0
fi
[ -x .venv/bin/python ] || { log "creating .venv"; "$PYTHON" -m venv .venv; }
log "installing Python dependencies from ${REQS[*]} (dbt, dlt, pyarrow: a minute or two on a cold cache)"
t0=$SECONDS
# pip's own lines go to .venv/pip-install.log; the console gets one line per phase (and every 25
# packages resolved), and the end of the log when pip fails.
PIP_LOG=.venv/pip-install.log
pip_progress() {
  local n=0 line
  while IFS= read -r line; do
    printf '%s\n' "$line" >> "$PIP_LOG"
    case "$line" in
      Collecting*) n=$((n + 1)); [ $((n % 25)) -eq 0 ] && log "  resolved $n packages" ;;
      "Installing collected packages"*) log "  resolved $n packages; installing them" ;;
    esac
  done
}
: > "$PIP_LOG"
# --require-hashes: every package must be in the lock, at its version, with a matching file hash.
if ! { .venv/bin/python -m pip install --require-hashes --disable-pip-version-check --progress-bar off -r requirements-pip.lock \
  && .venv/bin/python -m pip install --require-hashes --disable-pip-version-check --progress-bar off -r requirements.lock; } 2>&1 | pip_progress; then
  log "pip install failed; the end of $PIP_LOG:"
  tail -n 30 "$PIP_LOG" >&2
  exit 1
fi
done_in "$t0"
echo "$WANT" > "$STAMP"
