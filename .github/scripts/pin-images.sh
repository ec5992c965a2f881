#!/usr/bin/env bash
# Point a stack at exact images: `data-platform:images.<kind>` = the digest references in
# $INGESTION_IMAGE and $DBT_IMAGE. Refuses anything but `repo@sha256:<64 hex>`, so a deploy can only
# run images that were built and pushed (a tag could move; a digest cannot).
#   .github/scripts/pin-images.sh <stack>     (the Pulumi CLI installed; PULUMI_BACKEND_URL optional)
set -euo pipefail
stack="$1"
: "${INGESTION_IMAGE?}" "${DBT_IMAGE?}"
for ref in "$INGESTION_IMAGE" "$DBT_IMAGE"; do
  [[ "$ref" =~ ^[^@[:space:]]+@sha256:[0-9a-f]{64}$ ]] || { echo "::error::not a digest reference: '$ref'"; exit 1; }
done
pulumi login ${PULUMI_BACKEND_URL:+"$PULUMI_BACKEND_URL"}
pulumi config set --path 'data-platform:images.ingestion' "$INGESTION_IMAGE" --stack "$stack"
pulumi config set --path 'data-platform:images.dbt' "$DBT_IMAGE" --stack "$stack"
