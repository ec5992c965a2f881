#!/usr/bin/env bash
# Drift check of one stack: does the cloud still match what the last deploy left (the stack's state)?
# `pulumi refresh --preview-only` compares state with the cloud without changing either; it does not
# run the program, so unmerged code, pending promotions and image pins cannot show up as drift. The
# full output goes to the job log (Pulumi masks secrets); the result file holds only counts.
#   .github/scripts/drift-check.sh <stack file name> <backend stack name> <out dir>
# Writes <out dir>/<stack>.json = { stack, outcome: clean|drift|error, changes: ["~ 2 to update", ...] }.
# Exits 0 whatever it found: the report job decides (drift opens an issue, an error fails the run).
set -uo pipefail
file_stack="$1"
stack="$2"
out="$3"
mkdir -p "$out"
log="$(mktemp)"
pulumi login ${PULUMI_BACKEND_URL:+"$PULUMI_BACKEND_URL"} >"$log" 2>&1
code=$?
if [ "$code" -eq 0 ]; then
  pulumi refresh --preview-only --expect-no-changes --diff --non-interactive --color never --stack "$stack" >"$log" 2>&1
  code=$?
fi
cat "$log"
# The summary lines that count changes, e.g. "    ~ 2 to update" (no values, no names).
changes="$(grep -E '^[[:space:]]*[-+~]*[[:space:]]*[0-9]+ to (create|update|delete|replace)' "$log" | sed -E 's/^[[:space:]]+//' || true)"
if [ -n "$changes" ]; then
  outcome=drift
elif [ "$code" -eq 0 ]; then
  outcome=clean
else
  outcome=error
fi
jq -n --arg stack "$file_stack" --arg outcome "$outcome" --arg changes "$changes" \
  '{stack: $stack, outcome: $outcome, changes: ($changes | split("\n") | map(select(length > 0)))}' >"$out/$file_stack.json"
echo "$file_stack: $outcome" >&2
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then echo "\`$file_stack\`: $outcome" >>"$GITHUB_STEP_SUMMARY"; fi
exit 0
