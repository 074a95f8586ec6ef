#!/usr/bin/env bash
# same-output.sh OLD NEW — do two dkimscope binaries say the same thing?
#
# A speed-up must not change a report.  This runs both binaries over every
# fixture message (with the fixture zones and each row's --now) and every
# conformance message (with its zone), one file per run and all files in
# one run, as JSON, text and advice, and diffs what they print.  The only
# things masked are the time a DNS answer took ("ms":N and "N ms") and a
# TTLs, which libunbound counts down as it serves from its cache; both are
# measured, not computed.  Exit 0 when everything matches; 1 and the first
# differences otherwise.
#
#   bench/same-output.sh /tmp/dkimscope-before build/tui/dkimscope
set -euo pipefail
old=$1 new=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fixtures=$here/tests/fixtures
conformance=$here/../shared/conformance
work=$(mktemp -d "${TMPDIR:-/tmp}/same-output-XXXXXX")
trap 'rm -rf "$work"' EXIT

zones=()
for z in "$fixtures"/zones/*.zone; do zones+=(--dns-zone "$z"); done

mask() { sed -E 's/"ms":[0-9]+/"ms":N/g; s/([0-9]+) ms\b/N ms/g; s/"negative_ttl":[0-9]+/"negative_ttl":N/g; s/negative answer for [0-9]+ [a-z]+/negative answer for N/g; s/expires in [0-9]+ [a-z]+/expires in N/g; s/TTL [0-9]+/TTL N/g; s/"ttl":[0-9]+/"ttl":N/g'; }

# run_both NAME ARGS...: both binaries, every format; records a mismatch.
status=0
run_both() {
  local name=$1; shift
  local fmt
  for fmt in json text advice; do
    ("$old" --report=$fmt "$@" 2>"$work/old.err"; echo "exit $?") | mask > "$work/old" || true
    ("$new" --report=$fmt "$@" 2>"$work/new.err"; echo "exit $?") | mask > "$work/new" || true
    if ! cmp -s "$work/old" "$work/new" || ! cmp -s "$work/old.err" "$work/new.err"; then
      echo "DIFFERS: $name ($fmt)"
      diff "$work/old" "$work/new" | cut -c1-240 | head -12 || true
      diff "$work/old.err" "$work/new.err" | cut -c1-240 | head -6 || true
      status=1
    fi
  done
}

# Fixtures: each row's --now; all at the first row's --now in one run.
fixture_now=
while IFS=$'\t' read -r file _ _ _ _ _ now args _; do
  [ "$file" = file ] && continue
  [ -z "$fixture_now" ] && fixture_now=$now
  extra=()
  for a in $args; do
    [ "$a" = - ] && continue
    if [ -e "$fixtures/$a" ]; then extra+=("$fixtures/$a"); else extra+=("$a"); fi
  done
  run_both "$file" --now "$now" "${zones[@]}" "${extra[@]}" "$fixtures/$file"
done < <(awk -F'\t' '!seen[$1]++' "$fixtures/expected.tsv")
mapfile -t all_fixtures < <(awk -F'\t' 'NR > 1 && !seen[$1]++ && $8 == "-" {print $1}' "$fixtures/expected.tsv")
run_both "all fixtures in one run" --now "$fixture_now" "${zones[@]}" \
  "${all_fixtures[@]/#/$fixtures/}"

if [ -f "$conformance/expected.tsv" ]; then
  now=$(grep -o 'NOW = "[0-9]*"' "$here/tests/e2e/run-conformance.py" | grep -o '[0-9]*')
  mapfile -t conf < <(awk -F'\t' 'NR > 1 && !seen[$1]++ {print $1}' "$conformance/expected.tsv")
  for f in "${conf[@]}"; do
    run_both "$f" --now "$now" --dns-zone "$conformance/conformance.zone" "$conformance/$f"
  done
  run_both "all conformance messages in one run" --now "$now" \
    --dns-zone "$conformance/conformance.zone" "${conf[@]/#/$conformance/}"
fi
demo_zones=()
for z in "$here"/demo/*.zone; do demo_zones+=(--dns-zone "$z"); done
run_both "demo" --now 1767225600 "${demo_zones[@]}" "$here/demo/demo.eml"
[ $status = 0 ] && echo "same output: every fixture and conformance message, json/text/advice"
exit $status
