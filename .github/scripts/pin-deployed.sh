#!/usr/bin/env bash
# Pin, in this checkout's stack file, the image digests a stack already runs, for each image whose
# sources have not changed since that deploy. Used before every PR preview and drift check, and on a
# laptop before `pulumi up` of a stack that never builds (prod: `images.build: false`).
#
# Why: the deploy pins digests with `pulumi config set` in its runner's checkout only; the stack file
# in git carries none. Without this, a later preview plans the images afresh (a build for dev, a
# content-tag reference for prod) and a change to every job, although nothing changed.
#
# What it reads: the stack outputs `images` (the digests the jobs run) and `imageSources` (the content
# hash of each build context at that deploy, the tag CI built it under). An image is pinned only when
# this checkout's context hashes the same (tools/image-context.ts): a PR that changes ingestion/
# still previews the new ingestion image. A stack never deployed (no outputs) pins nothing.
#   .github/scripts/pin-deployed.sh <stack file name: dev|prod|dev-aws> [<backend stack name, e.g. acme/prod>]
set -euo pipefail
file_stack="$1"
stack="${2:-$1}"

pulumi login ${PULUMI_BACKEND_URL:+"$PULUMI_BACKEND_URL"} >&2
if ! outputs="$(pulumi stack output --json --stack "$stack" 2>/dev/null)"; then
  echo "$stack: no stack outputs (not deployed yet?): nothing pinned" >&2
  exit 0
fi
for kind in ingestion dbt; do
  deployed="$(jq -r --arg k "$kind" '.images[$k] // empty' <<<"$outputs")"
  source="$(jq -r --arg k "$kind" '.imageSources[$k] // empty' <<<"$outputs")"
  if ! [[ "$deployed" =~ ^[^@[:space:]]+@sha256:[0-9a-f]{64}$ ]]; then
    echo "$kind: $stack runs no digest-pinned image yet ('$deployed'): not pinned" >&2
    continue
  fi
  here="$(node --import tsx tools/image-context.ts "$file_stack" "$kind" | jq -r .tag)"
  if [ -z "$source" ] || [ "$source" != "$here" ]; then
    echo "$kind: sources changed since the deploy (${source:-unknown} -> $here): the preview shows the new image" >&2
    continue
  fi
  pulumi config set --path "data-platform:images.$kind" "$deployed" --stack "$stack"
  echo "$kind: pinned what $stack runs ($deployed, sources $here)" >&2
done
