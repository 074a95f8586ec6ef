#!/usr/bin/env python3
"""Conformance suite: runs dkimscope over ../shared/conformance with its zone
as the only DNS and compares every row of expected.tsv.  RFC 8301 is
enforced, so rows tagged [rfc8301:policy] must give `policy`."""
import os
import sys
from collections import defaultdict

import dkstest

NOW = "1767225600"  # 2026-01-01: after every t= (README: any time after 2018-06-10)


def expected_result(row):
    if row["notes"].startswith("[rfc8301:policy]"):
        return "policy"
    return row["expected_result"]


def main():
    root = sys.argv[1]
    zone = os.path.join(root, "conformance.zone")
    rows = dkstest.read_tsv(os.path.join(root, "expected.tsv"))
    by_file = defaultdict(list)
    for row in rows:
        by_file[row["file"]].append(row)
    tap = dkstest.Tap()
    for name, file_rows in by_file.items():
        code, objs, err = dkstest.run_json(["--now", NOW, "--dns-zone", zone,
                                            os.path.join(root, name)])
        if not tap.ok(len(objs) == 1 and "signatures" in objs[0],
                      f"{name}: analysed", err.decode(errors="replace")):
            continue
        sigs = objs[0]["signatures"]
        for row in file_rows:
            want = expected_result(row)
            if row["signature_index"] == "-":
                tap.ok(not sigs and objs[0]["result"] == "none" and code == 3,
                       f"{name}: no signature -> none (exit 3)",
                       f"got {objs[0]['result']} with {len(sigs)} signature(s), exit {code}")
                continue
            i = int(row["signature_index"])
            got = sigs[i] if i < len(sigs) else None
            absent = lambda v: None if v == "-" else v  # noqa: E731
            tap.ok(got is not None and got["result"] == want
                   and got["domain"] == absent(row["d"])
                   and got["selector"] == absent(row["s"]),
                   f"{name} #{i} d={row['d']} s={row['s']}: {want}",
                   f"got {got and (got['result'], got['reason'], got['domain'], got['selector'])}"
                   f"; source says: {row['source_expectation']}")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
