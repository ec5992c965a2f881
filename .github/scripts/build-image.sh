#!/usr/bin/env bash
# Build one image once, from the build context the stack configures (`images.<kind>Context`) and
# tagged by that context's content hash (what components/deploy.ts uses: tools/image-context.ts),
# push it, and print its digest reference to $GITHUB_OUTPUT as `ref=`.
# When the tag already exists in the registry the image is not rebuilt: unchanged sources, same digest.
#   .github/scripts/build-image.sh <kind: ingestion|dbt> <stack>     (needs IMAGE_REPOSITORY)
set -euo pipefail
kind="$1"
stack="$2"
: "${IMAGE_REPOSITORY:?set IMAGE_REPOSITORY (registry path, e.g. europe-west1-docker.pkg.dev/acme-ci/images)}"

resolved="$(node --import tsx tools/image-context.ts "$stack" "$kind")"
context="$(jq -r .context <<<"$resolved")"
tag="$(jq -r .tag <<<"$resolved")"
image="$IMAGE_REPOSITORY/$kind"

# `{{json .Manifest}}`, not `{{.Manifest.Digest}}`: buildx pretty-prints any format that starts with
# `{{.Manifest` (Name/MediaType/Digest lines), which is no digest (found by the containers tier).
if digest="$(docker buildx imagetools inspect "$image:$tag" --format '{{json .Manifest}}' 2>/dev/null | jq -r .digest)" && [ -n "$digest" ] && [ "$digest" != null ]; then
  echo "$image:$tag exists ($digest): not rebuilding" >&2
else
  meta="$(mktemp)"
  # Optional: BASE_IMAGE replaces the Dockerfiles' pinned base (e.g. a mirror's copy of it);
  # BUILD_NETWORK sets the RUN steps' network (e.g. host, on an engine without a bridge).
  docker buildx build --platform linux/amd64 --provenance=false --push --tag "$image:$tag" --metadata-file "$meta" \
    ${BASE_IMAGE:+--build-arg "BASE_IMAGE=$BASE_IMAGE"} ${BUILD_NETWORK:+--network "$BUILD_NETWORK"} "$context"
  digest="$(jq -r '."containerimage.digest"' "$meta")"
fi

if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "no digest for $image:$tag (got '$digest')" >&2
  exit 1
fi
echo "ref=$image@$digest" >> "$GITHUB_OUTPUT"
echo "$kind: $image@$digest ($context)" >&2
