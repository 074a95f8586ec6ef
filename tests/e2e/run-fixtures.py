#!/usr/bin/env python3
"""Fixture suite: every message in tests/fixtures/expected.tsv (signed by
python3-dkim or Mail::DKIM, never by us) must give the expected result,
reason, header-signature and body-hash outcome."""
import os
import sys
from collections import defaultdict

import dkstest
from fixturezones import fixture_rows, zone_args


def fixture_args(text):
    """The args column as arguments: "-" is none, and a token naming an
    existing path relative to tests/fixtures/ (a trust anchor file) becomes
    that absolute path, since dkimscope runs from the build directory."""
    out = []
    for arg in text.split():
        if arg == "-":
            continue
        path = os.path.join(dkstest.FIXTURES, arg)
        out.append(path if not os.path.isabs(arg) and os.path.exists(path) else arg)
    return out


def main():
    rows = fixture_rows()
    by_file = defaultdict(list)
    for row in rows:
        by_file[row["file"]].append(row)
    zones = zone_args()
    tap = dkstest.Tap()
    for name, file_rows in by_file.items():
        extra = fixture_args(file_rows[0].get("args", "-"))
        path = os.path.join(dkstest.FIXTURES, name)
        code, objs, err = dkstest.run_json(["--now", file_rows[0]["now"]] + zones + extra + [path])
        if not tap.ok(len(objs) == 1 and "signatures" in objs[0], f"{name}: analysed",
                      err.decode(errors="replace")):
            continue
        sigs = objs[0]["signatures"]
        for row in file_rows:
            if row["signature_index"] == "-":
                tap.ok(not sigs and code == 3, f"{name}: none, exit 3", f"exit {code}")
                continue
            i = int(row["signature_index"])
            got = sigs[i] if i < len(sigs) else {}
            want = (row["expected_result"], row["expected_reason"],
                    row["header_signature"], row["body_hash"])
            have = (got.get("result"), got.get("reason"), got.get("header_signature"),
                    got.get("body_hash"))
            diag = f"want {want}\nhave {have}\nnotes: {row.get('notes', '')}"
            if got:
                for step in got["steps"]:
                    diag += f"\n  {step['status']:8} {step['id']}: {step['summary']}"
            tap.ok(want == have, f"{name} #{i}: {row['expected_result']}/{row['expected_reason']}", diag)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
