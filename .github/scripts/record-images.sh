#!/usr/bin/env bash
# After `pulumi up`: check the stack now runs exactly the digests it was given ($INGESTION_IMAGE,
# $DBT_IMAGE, from its `images` output) and print them to $GITHUB_OUTPUT (`ingestion=`, `dbt=`), so
# the next environment is promoted to what this one really runs.
#   .github/scripts/record-images.sh <stack>     (the Pulumi CLI logged in)
set -euo pipefail
stack="$1"
: "${INGESTION_IMAGE?}" "${DBT_IMAGE?}"
images="$(pulumi stack output images --json --stack "$stack")"
ingestion="$(jq -r '.ingestion // empty' <<<"$images")"
dbt="$(jq -r '.dbt // empty' <<<"$images")"
if [ "$ingestion" != "$INGESTION_IMAGE" ] || [ "$dbt" != "$DBT_IMAGE" ]; then
  echo "::error::$stack runs '$ingestion' and '$dbt', not the images it was given ('$INGESTION_IMAGE', '$DBT_IMAGE')"
  exit 1
fi
echo "ingestion=$ingestion" >> "$GITHUB_OUTPUT"
echo "dbt=$dbt" >> "$GITHUB_OUTPUT"
