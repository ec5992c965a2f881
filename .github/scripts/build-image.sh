#!/usr/bin/env bash
# Build one image once, tagged by the content hash of its build context (the same hash
# components/deploy.ts uses), push it, and print its digest reference to $GITHUB_OUTPUT as `ref=`.
# When the tag already exists in the registry the image is not rebuilt: unchanged sources, same digest.
#   .github/scripts/build-image.sh <kind: ingestion|dbt> <context dir>     (needs IMAGE_REPOSITORY)
set -euo pipefail
kind="$1"
context="$2"
: "${IMAGE_REPOSITORY:?set IMAGE_REPOSITORY (registry path, e.g. europe-west1-docker.pkg.dev/acme-ci/images)}"

tag="$(node --import tsx -e 'process.stdout.write(require("./components/build-context").contextHash(process.argv[1]))' "$context")"
image="$IMAGE_REPOSITORY/$kind"

if digest="$(docker buildx imagetools inspect "$image:$tag" --format '{{.Manifest.Digest}}' 2>/dev/null)" && [ -n "$digest" ]; then
  echo "$image:$tag exists ($digest): not rebuilding" >&2
else
  meta="$(mktemp)"
  docker buildx build --platform linux/amd64 --provenance=false --push --tag "$image:$tag" --metadata-file "$meta" "$context"
  digest="$(jq -r '."containerimage.digest"' "$meta")"
fi

if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "no digest for $image:$tag (got '$digest')" >&2
  exit 1
fi
echo "ref=$image@$digest" >> "$GITHUB_OUTPUT"
echo "$kind: $image@$digest" >&2
