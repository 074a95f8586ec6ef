#!/usr/bin/env python3
"""Prints what bench/dns-parallel.sh measured.  Reads WORKDIR/runs.tsv
(kind, run, wall ms, first and last proxy log line of the run), the JSON
report of each run (WORKDIR/KIND-RUN.json) and the proxy's log.

usage: summary.py WORKDIR --delay SECONDS --count N
"""
import argparse
import json
import os
import statistics


def load_runs(workdir):
    runs = []
    with open(os.path.join(workdir, "runs.tsv")) as f:
        for line in f:
            kind, run, wall, first, last = line.split()
            with open(os.path.join(workdir, f"{kind}-{run}.json")) as j:
                report = json.loads(j.readline())
            runs.append({"kind": kind, "run": int(run), "wall": int(wall),
                         "log": (int(first), int(last)), "report": report})
    return runs


def proxy_lines(workdir, first, last):
    with open(os.path.join(workdir, "proxy.log")) as f:
        lines = f.read().splitlines()[first:last]
    return [(int(a), int(b), proto, name) for a, b, proto, name in (l.split() for l in lines)]


def max_in_flight(entries):
    """The most queries the proxy held at the same moment."""
    events = sorted([(a, 1) for a, _, _, _ in entries] + [(b, -1) for _, b, _, _ in entries],
                    key=lambda e: (e[0], e[1]))
    depth = best = 0
    for _, step in events:
        depth += step
        best = max(best, depth)
    return best


def spread(values):
    return f"min {min(values)}, median {statistics.median(values):g}, max {max(values)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workdir")
    ap.add_argument("--delay", type=float, required=True)
    ap.add_argument("--count", type=int, required=True)
    a = ap.parse_args()
    runs = load_runs(a.workdir)
    delay_ms = a.delay * 1000
    print(f"{a.count} DKIM-Signatures, {a.count} selectors; proxy delay {delay_ms:g} ms per answer")
    print()
    for r in runs:
        sigs = r["report"]["signatures"]
        results = {}
        for s in sigs:
            results[s["result"]] = results.get(s["result"], 0) + 1
        lookup_ms = [s["dns"]["ms"] for s in sigs if s.get("dns")]
        label = "through the delaying proxy" if r["kind"] == "delayed" else "straight to nsd, no delay"
        print(f"{r['kind']} run {r['run']}, {label}: wall {r['wall']} ms, "
              f"results {results}")
        print(f"  per-lookup dns.ms: {' '.join(str(m) for m in lookup_ms)}")
        print(f"  ({spread(lookup_ms)})")
        if r["kind"] == "delayed":
            entries = proxy_lines(a.workdir, *r["log"])
            arrivals = [e[0] for e in entries]
            print(f"  proxy: {len(entries)} answers; queries arrived within "
                  f"{max(arrivals) - min(arrivals)} ms of each other; "
                  f"at most {max_in_flight(entries)} in flight at once")
    flights = [max_in_flight(proxy_lines(a.workdir, *r["log"])) for r in runs
               if r["kind"] == "delayed"]
    delayed = [r["wall"] for r in runs if r["kind"] == "delayed"]
    direct = [r["wall"] for r in runs if r["kind"] == "direct"]
    print()
    base = statistics.median(direct)
    wall = statistics.median(delayed)
    print(f"median wall time: {wall:g} ms through the proxy, {base:g} ms without delay")
    print(f"time the delay added: {wall - base:g} ms = {(wall - base) / delay_ms:.2f} round trips of "
          f"{delay_ms:g} ms")
    print(f"{a.count} sequential lookups would add {a.count} x {delay_ms:g} ms = "
          f"{a.count * delay_ms:g} ms (wall about {base + a.count * delay_ms:g} ms)")
    most = max(flights)
    if most < a.count:
        print(f"note: never more than {most} queries were in flight, so the lookups went "
              f"out in {-(-a.count // most)} waves of at most {most}")


if __name__ == "__main__":
    main()
