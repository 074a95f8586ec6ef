#!/usr/bin/env bash
# peers.sh [BINARY] — dkimscope side by side with dkimpy, Mail::DKIM,
# mailauth and OpenDKIM, in one run, on the shared benchmark corpus.
#
# A thin front to ../shared/bench/run-dkimscope.sh (see its README for
# the sets, knobs and what is measured), with the binary of this tree by
# default and this project's usual knobs: RUNS (default 5), SETS (all four),
# PEERS (all four).  It prints a table per set and lines
#   RATIO dkimscope SET: N.NNx the throughput of the best peer
# which bench/README.md records.  Run by hand; never part of the tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=$(realpath "${1:-$here/../build/tui/dkimscope}")
shared=$here/../../shared/bench/run-dkimscope.sh
[ -x "$shared" ] || { echo "peers: $shared not found (the shared/ folder beside the repository)" >&2; exit 2; }
export RUNS=${RUNS:-5}
exec "$shared" "$BIN"
