#!/usr/bin/env bash
# dns-parallel.sh — do N signatures cost one DNS round trip or N?
#
# A benchmark run by hand, not a test.  In a temporary directory it makes N
# RSA keys and one message signed N times by python3-dkim, each signature
# with its own selector; nsd serves the keys on loopback behind
# bench/delay-proxy.py, which holds every answer back DELAY seconds.  Then
# dkimscope verifies the message through the proxy (and, as the baseline,
# straight from nsd) and bench/summary.py prints the wall times, every
# lookup's dns.ms, and what N sequential lookups would cost.
#
# usage: bench/dns-parallel.sh [-n COUNT] [-d DELAY_SECONDS] [-r RUNS] [-b KEY_BITS]
#   DKIMSCOPE=path/to/dkimscope overrides the binary (default:
#   ${DKS_BUILD_ROOT:-build}/tui/dkimscope).  Needs nsd, openssl and Debian's
#   python3-dkim.  Everything it starts is stopped by pid on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
binary=${DKIMSCOPE:-${DKS_BUILD_ROOT:-$root/build}/tui/dkimscope}
py=/usr/bin/python3 # Debian's, for the dkim module
count=20 delay=0.2 runs=3 bits=2048
domain=bench.example

while getopts "n:d:r:b:h" opt; do
  case $opt in
    n) count=$OPTARG ;;
    d) delay=$OPTARG ;;
    r) runs=$OPTARG ;;
    b) bits=$OPTARG ;;
    *) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 64 ;;
  esac
done
[ -x "$binary" ] || { echo "dns-parallel: no dkimscope at $binary (build it, or set DKIMSCOPE)" >&2; exit 69; }
for tool in nsd openssl; do
  command -v "$tool" >/dev/null || { echo "dns-parallel: $tool is not installed" >&2; exit 69; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dks-bench.XXXXXX")
nsd_pid='' proxy_pid=''
cleanup() {
  # the proxy first, then nsd: SIGTERM by pid, and nsd's own process group
  # (setsid made it a group leader) for the processes it forked
  if [ -n "$proxy_pid" ]; then kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; fi
  if [ -n "$nsd_pid" ]; then
    kill "$nsd_pid" 2>/dev/null || true
    wait "$nsd_pid" 2>/dev/null || true
    kill -TERM -- "-$nsd_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_dns() { # PORT NAME: polls with a DNS query until an answer comes back
  "$py" - "$1" "$2" <<EOF
import sys, time
sys.path.insert(0, "$root/tests/e2e")
import dkstest
end = time.monotonic() + 10
while time.monotonic() < end:
    try:  # 2 s per try: the proxy's answers come late on purpose
        dkstest.dns_query(int(sys.argv[1]), sys.argv[2], 6, timeout=2)
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

echo "dns-parallel: making $count keys ($bits bits) and a message with $count signatures in $work" >&2
"$py" "$here/make-signed.py" "$work" --count "$count" --domain "$domain" --bits "$bits"

nsd_port=$("$py" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$nsd_port
  port: $nsd_port
  do-ip6: no
  username: ""
  zonesdir: "$work"
  database: ""
  zonelistfile: "$work/zone.list"
  xfrdfile: ""
  xfrdir: "$work"
  pidfile: ""
  logfile: "$work/nsd.log"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: "$domain"
  zonefile: "$work/$domain.zone"
EOF
setsid nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 &
nsd_pid=$!
wait_dns "$nsd_port" "$domain" || { echo "dns-parallel: nsd did not start:" >&2; cat "$work/nsd.out" "$work/nsd.log" >&2; exit 69; }

# Bounded: the proxy exits by itself well after the last run would end.
lifetime=$("$py" -c "print(int(60 + 2 * $runs * ($count * $delay + 10)))")
"$py" "$here/delay-proxy.py" --upstream "127.0.0.1@$nsd_port" --delay "$delay" \
  --lifetime "$lifetime" --port-file "$work/proxy.port" --log "$work/proxy.log" &
proxy_pid=$!
deadline=$(( $(now_ms) + 10000 ))
until [ -s "$work/proxy.port" ]; do
  kill -0 "$proxy_pid" 2>/dev/null || { echo "dns-parallel: the proxy exited" >&2; exit 69; }
  [ "$(now_ms)" -lt "$deadline" ] || { echo "dns-parallel: the proxy did not start" >&2; exit 69; }
  sleep 0.05
done
proxy_port=$(cat "$work/proxy.port")
wait_dns "$proxy_port" "$domain" || { echo "dns-parallel: the proxy does not answer" >&2; exit 69; }

: >"$work/runs.tsv"
for kind in direct delayed; do
  port=$nsd_port
  [ "$kind" = delayed ] && port=$proxy_port
  for run in $(seq 1 "$runs"); do
    first=$(wc -l <"$work/proxy.log")
    start=$(now_ms)
    code=0
    "$binary" --report=json --resolver "127.0.0.1@$port" --dns-timeout 10 \
      "$work/message.eml" >"$work/$kind-$run.json" || code=$?
    wall=$(( $(now_ms) - start ))
    last=$(wc -l <"$work/proxy.log")
    [ "$code" -eq 0 ] || echo "dns-parallel: $kind run $run: dkimscope exited $code (0 = all pass)" >&2
    printf '%s %s %s %s %s\n' "$kind" "$run" "$wall" "$first" "$last" >>"$work/runs.tsv"
  done
done

"$py" "$here/summary.py" "$work" --delay "$delay" --count "$count"
