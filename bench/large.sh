#!/usr/bin/env bash
# large.sh — how fast and how big is dkimscope on large messages?
#
# A benchmark run by hand, not a test.  It runs each given binary over the
# large-rsa and small-rsa sets of a bench corpus (as made for
# ../shared/bench/run-dkimscope.sh: SET/*.eml and zone/bench.zone),
# `--report=json --dns-zone ZONE FILE...`, RUNS times each, the binaries
# taking turns so that a busy machine slows them alike.  Per binary and
# set it prints the best elapsed and CPU (user+sys) seconds, throughput
# over the set's octets from both, and the largest peak RSS
# (/usr/bin/time %M); then the large set's peak RSS over the small set's
# (the goal is <= 1.2).  With two binaries it also checks that their JSON
# is the same once --now is fixed and what is measured, not computed, is
# masked (as bench/same-output.sh does).
#
# usage: bench/large.sh [-r RUNS] [-c CORPUS] BINARY [BINARY...]
#   bench/large.sh /tmp/dkimscope-before build/tui/dkimscope
set -euo pipefail

runs=3 corpus=/tmp/dkimscope-bench/corpus
while getopts "r:c:h" opt; do
  case $opt in
    r) runs=$OPTARG ;;
    c) corpus=$OPTARG ;;
    *) sed -n '2,17p' "$0"; exit 64 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,17p' "$0"; exit 64; }
zone=$corpus/zone/bench.zone
sets=(large-rsa small-rsa)
work=$(mktemp -d "${TMPDIR:-/tmp}/large-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

mask() { sed -E 's/"ms":[0-9]+/"ms":N/g; s/([0-9]+) ms\b/N ms/g; s/"negative_ttl":[0-9]+/"negative_ttl":N/g; s/negative answer for [0-9]+ [a-z]+/negative answer for N/g; s/expires in [0-9]+ [a-z]+/expires in N/g; s/TTL [0-9]+/TTL N/g; s/"ttl":[0-9]+/"ttl":N/g'; }

declare -A best_e best_c peak
for set in "${sets[@]}"; do
  for ((r = 0; r < runs; r++)); do
    for ((b = 1; b <= $#; b++)); do
      bin=${!b}
      # exit status 1-3 are verdicts, not failures
      /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
        "$bin" --report=json --dns-zone "$zone" "$corpus/$set"/*.eml > /dev/null || true
      read -r e u s m < "$work/time"
      c=$(echo "$u + $s" | bc)
      k="$b/$set"
      if [ -z "${best_e[$k]:-}" ] || (( $(echo "$e < ${best_e[$k]}" | bc) )); then best_e[$k]=$e; fi
      if [ -z "${best_c[$k]:-}" ] || (( $(echo "$c < ${best_c[$k]}" | bc) )); then best_c[$k]=$c; fi
      if [ -z "${peak[$k]:-}" ] || [ "$m" -gt "${peak[$k]}" ]; then peak[$k]=$m; fi
    done
  done
done

printf '%-40s %-10s %8s %8s %9s %9s %9s\n' binary set elapsed cpu 'MB/s el' 'MB/s cpu' 'peak KB'
for ((b = 1; b <= $#; b++)); do
  for set in "${sets[@]}"; do
    k="$b/$set"
    octets=$(cat "$corpus/$set"/*.eml | wc -c)
    printf '%-40s %-10s %8s %8s %9.0f %9.0f %9s\n' "${!b}" "$set" "${best_e[$k]}" "${best_c[$k]}" \
      "$(echo "$octets / 1000000 / ${best_e[$k]}" | bc -l)" \
      "$(echo "$octets / 1000000 / ${best_c[$k]}" | bc -l)" "${peak[$k]}"
  done
  printf '%-40s peak RSS large/small: %.2f\n' "${!b}" \
    "$(echo "${peak[$b/large-rsa]} / ${peak[$b/small-rsa]}" | bc -l)"
done

if [ $# -ge 2 ]; then
  status=0
  for set in "${sets[@]}"; do
    for ((b = 1; b <= $#; b++)); do
      "${!b}" --report=json --now 1717250400 --dns-zone "$zone" "$corpus/$set"/*.eml \
        | mask > "$work/out.$b" || true
      if [ "$b" -gt 1 ] && ! cmp -s "$work/out.1" "$work/out.$b"; then
        echo "DIFFERS: $set: ${!b} against $1"
        status=1
      fi
    done
  done
  [ $status -eq 0 ] && echo "same JSON on ${sets[*]}"
  exit $status
fi
