#!/usr/bin/env bash
# Builds the Pulumi CLI for the `engine` tier from its Go module, pinned to the version of
# @pulumi/pulumi in package.json, and caches it per machine:
#   ${DP_CACHE_DIR:-$HOME/.cache/data-platform}/pulumi-v<version>/bin/pulumi
# Idempotent: a second run finds the binary reporting the pinned version and does nothing.
# pulumi's own pkg/go.mod carries replace directives (sdk => ../sdk, a clipboard fork), which Go ignores
# in a dependency, so the build goes through a small wrapper module that repeats them.
set -euo pipefail

VERSION="${PULUMI_CLI_VERSION:-3.248.0}"
CACHE="${DP_CACHE_DIR:-$HOME/.cache/data-platform}/pulumi-v$VERSION"
BIN="$CACHE/bin/pulumi"

if [ -x "$BIN" ] && [ "$("$BIN" version 2>/dev/null)" = "v$VERSION" ]; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { echo "install-pulumi: Go is not installed; the engine tier needs it to build the Pulumi CLI v$VERSION" >&2; exit 1; }

mkdir -p "$CACHE/src" "$CACHE/bin"
# One build per machine at a time: a second caller waits, then finds the binary.
exec 9>"$CACHE/.lock"
flock 9
if [ -x "$BIN" ] && [ "$("$BIN" version 2>/dev/null)" = "v$VERSION" ]; then
  echo "$BIN"
  exit 0
fi
cd "$CACHE/src"
cat > go.mod <<MOD
module data-platform/pulumi-cli

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v$VERSION
	github.com/pulumi/pulumi/sdk/v3 v$VERSION
)

// The same replacements as github.com/pulumi/pulumi/pkg/v3's own go.mod (sdk pinned instead of ../sdk).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
MOD
echo "install-pulumi: resolving github.com/pulumi/pulumi/pkg/v3@v$VERSION (go mod tidy)" >&2
GOFLAGS=-mod=mod go mod tidy >&2
echo "install-pulumi: building pulumi v$VERSION (a few minutes on 2 cores)" >&2
go build -trimpath -o "$BIN.tmp" \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
mv "$BIN.tmp" "$BIN"
echo "$BIN"
