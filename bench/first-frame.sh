#!/usr/bin/env bash
# first-frame.sh — how long until the interactive view shows its first
# frame, for a large message, while DNS has not answered?
#
# A benchmark run by hand, not a test.  In a temporary directory it makes an
# RSA key and a message of SIZE MiB signed by python3-dkim, and a "DNS
# server" on loopback that reads queries and never answers, so no DNS answer
# can arrive before the first frame.  dkimscope opens the message in a tmux
# window (80x24, private socket); the script polls capture-pane until the
# message's Subject is on screen and reports the time from launch (a
# timestamp the launching shell writes just before exec) to that frame.
# The same for a small message, as the baseline.
#
# usage: bench/first-frame.sh [-s SIZE_MIB] [-r RUNS]
#   DKIMSCOPE=path/to/dkimscope overrides the binary (default:
#   ${DKS_BUILD_ROOT:-build}/tui/dkimscope).  Needs tmux, openssl and
#   Debian's python3-dkim.  Everything it starts is stopped by pid on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
binary=${DKIMSCOPE:-${DKS_BUILD_ROOT:-$root/build}/tui/dkimscope}
py=/usr/bin/python3 # Debian's, for the dkim module
size=10 runs=5

while getopts "s:r:h" opt; do
  case $opt in
    s) size=$OPTARG ;;
    r) runs=$OPTARG ;;
    *) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 64 ;;
  esac
done
[ -x "$binary" ] || { echo "first-frame: no dkimscope at $binary (build it, or set DKIMSCOPE)" >&2; exit 69; }
for tool in tmux openssl; do
  command -v "$tool" >/dev/null || { echo "first-frame: $tool is not installed" >&2; exit 69; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dks-first-frame.XXXXXX")
silent_pid=''
cleanup() {
  tmux -S "$work/sock" kill-server 2>/dev/null || true
  if [ -n "$silent_pid" ]; then kill "$silent_pid" 2>/dev/null || true; wait "$silent_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The key and the two messages.
openssl genrsa -traditional -out "$work/key.pem" 2048 2>/dev/null
"$py" - "$work" "$size" <<'EOF'
import os, sys
import dkim
work, size = sys.argv[1], float(sys.argv[2])
key = open(os.path.join(work, "key.pem"), "rb").read()
line = b"The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
for name, mib in (("big", size), ("small", 0)):
    count = max(1, int(mib * 1024 * 1024) // len(line))
    msg = (b"From: Bench Sender <sender@bench.example>\r\n"
           b"To: Bench Reader <reader@example.org>\r\n"
           b"Subject: first-frame bench (" + name.encode() + b")\r\n"
           b"Date: Sat, 01 Jun 2024 12:00:00 +0000\r\n"
           b"Message-ID: <first-frame@bench.example>\r\n"
           b"\r\n" + line * count)
    sig = dkim.sign(msg, b"bench", b"bench.example", key,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    with open(os.path.join(work, name + ".eml"), "wb") as f:
        f.write(sig + msg)
EOF

# A DNS server that never answers: every lookup stays pending.
"$py" - "$work/port" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
end = time.monotonic() + 600   # bounded lifetime
s.settimeout(1)
while time.monotonic() < end:
    try:
        s.recv(4096)
    except OSError:
        pass
EOF
silent_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")

# tmux: 80x24, no status line, a plain shell.
printf 'set -g status off\nset -g escape-time 0\n' > "$work/tmux.conf"
LC_ALL=C.UTF-8 PS1='$ ' tmux -S "$work/sock" -f "$work/tmux.conf" new-session -d -s b -x 80 -y 24 -c "$work" /bin/sh

"$py" - "$work" "$binary" "$port" "$runs" "$(stat -c %s "$work/big.eml")" <<'EOF'
import os, statistics, subprocess, sys, time
work, binary, port, runs, big_size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
sock = os.path.join(work, "sock")

def tmux(*args):
    return subprocess.run(["tmux", "-S", sock] + list(args), capture_output=True,
                          timeout=10).stdout.decode("utf-8", "replace")

def screen():
    return tmux("capture-pane", "-p", "-t", "b")

def wait(cond, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = screen()
        if cond(s):
            return time.time(), s
        time.sleep(0.002)
    raise SystemExit("first-frame: timed out; screen:\n" + screen())

def one(name):
    t0 = os.path.join(work, "t0")
    if os.path.exists(t0):
        os.unlink(t0)
    cmd = (f"clear; date +%s.%N > t0; '{binary}' --resolver 127.0.0.1@{port} "
           f"--dns-timeout 30 {name}.eml; echo DONE")
    tmux("send-keys", "-t", "b", "-l", cmd)
    tmux("send-keys", "-t", "b", "Enter")
    t1, s = wait(lambda s: f"first-frame bench ({name})" in s and "DONE" not in s)
    start = float(open(t0).read())
    tmux("send-keys", "-t", "b", "q")
    wait(lambda s: "DONE" in s)
    return (t1 - start) * 1000, s

# The DNS server never answers: every frame measured here came before any
# DNS answer.
for name in ("small", "big"):
    times, last = [], ""
    for _ in range(runs):
        ms, last = one(name)
        times.append(ms)
    label = f"{big_size / 1048576:.1f} MiB" if name == "big" else "small (1 line)"
    print(f"{label:>16}: first frame after median {statistics.median(times):.0f} ms "
          f"(min {min(times):.0f}, max {max(times):.0f}, {runs} runs)")
print("\nlast frame of the big message:\n" + last)
EOF
