#!/bin/sh
# serve.sh -- serve the test zones of tests/dns/ with nsd on 127.0.0.1, for
# trying dkimscope by hand:  tests/dns/serve.sh 5353 &
#                            dkimscope --resolver 127.0.0.1@5353 mail.eml
# Runs in the foreground until interrupted; its files live in a temporary
# directory that is removed on exit.  (tests/unit/test-dns.c starts its own
# server the same way; it does not use this script.)
set -eu

port=${1:-5353}
here=$(cd "$(dirname "$0")" && pwd)
nsd=$(command -v nsd || echo /usr/sbin/nsd)
[ -x "$nsd" ] || { echo "serve.sh: nsd not found (apt-get install -y nsd)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/dkimscope-nsd-XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat > "$dir/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$port
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: ""
  database: ""
  server-count: 1
  pidfile: "$dir/nsd.pid"
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  logfile: "$dir/nsd.log"
remote-control:
  control-enable: no
EOF
for zone in example.com example.net example.org contoso.onmicrosoft.com signed.example; do
    printf 'zone:\n  name: "%s"\n  zonefile: "%s/%s.zone"\n' "$zone" "$here" "$zone" \
        >> "$dir/nsd.conf"
done

"$nsd" -d -c "$dir/nsd.conf" &
pid=$!
echo "serve.sh: nsd (pid $pid) on 127.0.0.1@$port, log $dir/nsd.log" >&2
wait "$pid"
