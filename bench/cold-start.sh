#!/usr/bin/env bash
# cold-start.sh [BINARY] — what one message costs from process start to
# exit, above the cost of loading dkimscope's own libraries.
#
# Builds an empty main() linked with exactly the shared libraries the
# binary loads (ldd), then times with hyperfine (median of RUNS, default
# 60, after a warm-up):
#   empty       the empty program (the floor: dynamic loading)
#   version     dkimscope --version (option parsing, no resolver)
#   zone        one 4 KB message, --report=json --dns-zone (offline)
#   resolver    the same message, --report=json --resolver (nsd on loopback)
# and prints each median minus the empty program's.  The message and zone
# come from the shared benchmark corpus (../shared/bench/make-corpus.sh),
# generated on first use.  Needs hyperfine, nsd, gcc.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=$(realpath "${1:-$here/../build/tui/dkimscope}")
RUNS=${RUNS:-60}
shared=$here/../../shared/bench
[ -x "$BIN" ] || { echo "cold-start: no binary at $BIN (ninja -C build)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "cold-start: needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }

# shellcheck source=/dev/null
. "$shared/common.sh"
PORT=${PORT:-15390}
prepare_env
start_dns
msg=$CORPUS/small-rsa/000000.eml

work=$(mktemp -d "${TMPDIR:-/tmp}/cold-start-XXXXXX")
trap 'stop_nsd; rm -rf "$work"' EXIT
libs=$(ldd "$BIN" | awk '$3 ~ /^\// {print $3}' | grep -v -e '/libc\.so' -e 'ld-linux')
echo 'int main(void) { return 0; }' > "$work/empty.c"
# shellcheck disable=SC2086
gcc -O2 -o "$work/empty" "$work/empty.c" -Wl,--no-as-needed $libs
want=$(ldd "$BIN" | awk '{print $1}' | sort)
have=$(ldd "$work/empty" | awk '{print $1}' | sort)
[ "$want" = "$have" ] || { echo "cold-start: the empty program loads other libraries:"; diff <(echo "$want") <(echo "$have"); exit 1; }

hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$work/times.json" \
  -n empty "$work/empty" \
  -n version "$BIN --version" \
  -n zone "$BIN --report=json --dns-zone $ZONE $msg" \
  -n resolver "$BIN --report=json --resolver 127.0.0.1@$PORT $msg" >&2
python3 - "$work/times.json" <<'PY'
import json, statistics, sys
rows = json.load(open(sys.argv[1]))["results"]
floor = statistics.median(rows[0]["times"]) * 1000
print("| run | median ms | above the empty program, ms | min-max ms |")
print("|---|---:|---:|---|")
for r in rows:
    t = [x * 1000 for x in r["times"]]
    m = statistics.median(t)
    print(f"| {r['command']} | {m:.1f} | {m - floor:+.1f} | {min(t):.1f}-{max(t):.1f} |")
PY
