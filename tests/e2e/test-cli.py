#!/usr/bin/env python3
"""The command line as a user meets it: exit codes, errors on bad input,
stdin, JSON shape, hostile bytes kept off the terminal, the demo and a
silent resolver.  Real DNS servers are exercised in test-live-dns.py."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import dkstest
from fixturezones import fixture_rows, zone_args

tap = dkstest.Tap()
ROWS = fixture_rows()


def fixture(reason, result=None):
    """Path and row of the first single-signature fixture with this reason."""
    counts = {}
    for r in ROWS:
        counts[r["file"]] = counts.get(r["file"], 0) + 1
    for r in ROWS:
        if r["expected_reason"] == reason and counts[r["file"]] == 1 and \
                (result is None or r["expected_result"] == result):
            return os.path.join(dkstest.FIXTURES, r["file"]), r
    raise LookupError(reason)


def one_line_error(err):
    lines = err.decode(errors="replace").strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("dkimscope: ")


def test_usage_errors():
    for args, what in [(["--bogus"], "unknown option"),
                       (["--report=xml", "x"], "bad --report"),
                       (["--now", "abc", "x"], "bad --now"),
                       (["--resolver", "not-an-ip", "x"], "bad --resolver"),
                       (["--resolver", "127.0.0.1@99999", "x"], "bad port"),
                       (["--dns-timeout", "0", "x"], "bad timeout"),
                       (["--resolver", "127.0.0.1", "--dns-zone", "z", "x"], "zone and resolver"),
                       (["--jobs", "-1", "x"], "negative --jobs"),
                       (["--jobs", "65", "x"], "too many --jobs"),
                       (["--jobs", "two", "x"], "--jobs not a number")]:
        code, out, err = dkstest.run(args)
        tap.ok(code == 64 and one_line_error(err), f"usage error exits 64: {what}",
               f"exit {code}, stderr {err!r}")
    code, out, _ = dkstest.run(["--version"])
    tap.ok(code == 0 and out.startswith(b"dkimscope "), "--version")
    code, out, _ = dkstest.run(["--help"])
    tap.ok(code == 0 and b"Exit status" in out and b"--dns-zone" in out, "--help lists options and exit codes")


def test_unreadable_input(zones):
    tmp = tempfile.mkdtemp(prefix="dks-cli-")
    try:
        unreadable_cases(zones, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def unreadable_cases(zones, tmp):
    empty = os.path.join(tmp, "empty.eml")
    open(empty, "wb").close()
    garbage = os.path.join(tmp, "garbage.eml")
    with open(garbage, "wb") as f:
        f.write(bytes(range(256)) * 40)
    for path, what in [(os.path.join(tmp, "missing.eml"), "missing file"),
                       (tmp, "a directory"), (empty, "empty file"),
                       (garbage, "binary garbage")]:
        code, out, err = dkstest.run(zones + [path])
        tap.ok(code == 66 and one_line_error(err) and out == b"",
               f"unreadable input exits 66 with one line: {what}",
               f"exit {code}, stderr {err!r}, stdout {out[:200]!r}")
    code, out, err = dkstest.run(["--dns-zone", os.path.join(tmp, "nope.zone"), empty])
    tap.ok(code == 66 and one_line_error(err), "missing zone file exits 66", err)


def test_exit_codes(zones, now):
    for reason, result, want in [("pass", "pass", 0), ("key-not-found", None, 1),
                                 ("body-hash-mismatch", None, 1),
                                 ("dns-temperror", None, 2)]:
        path, _ = fixture(reason, result)
        code, out, err = dkstest.run(["--report", "--now", now] + zones + [path])
        tap.ok(code == want, f"exit {want} for {reason}", f"exit {code}: {err!r}")
    nosig = next(r for r in ROWS if r["signature_index"] == "-")
    code, _, _ = dkstest.run(zones + [os.path.join(dkstest.FIXTURES, nosig["file"])])
    tap.ok(code == 3, "exit 3 when the message has no DKIM-Signature")


def test_stdin_and_json(zones, now):
    path, row = fixture("pass", "pass")
    data = open(path, "rb").read()
    code, objs, err = dkstest.run_json(["--now", now] + zones + ["-"], stdin=data)
    tap.ok(code == 0 and len(objs) == 1 and objs[0]["file"] == "-" and
           objs[0]["signatures"][0]["result"] == "pass", "message on stdin via '-'", err)
    code, objs, err = dkstest.run_json(["--now", now] + zones, stdin=data)
    tap.ok(code == 0 and len(objs) == 1, "message piped with no FILE argument", err)
    bad, _ = fixture("key-not-found")
    code, objs, err = dkstest.run_json(["--now", now] + zones + [path, bad])
    tap.ok(code == 1 and len(objs) == 2, "two files: two JSON lines, worst exit code wins")
    sig = objs[1]["signatures"][0] if len(objs) == 2 else {}
    keys = {"index", "domain", "selector", "algorithm", "result", "reason",
            "header_signature", "body_hash", "dns", "steps"}
    tap.ok(keys <= set(sig), "signature object has every documented key", sorted(sig))
    dns = sig.get("dns") or {}
    tap.ok({"query", "rcode", "cname_chain", "dnssec", "ms"} <= set(dns),
           "dns object has every documented key", dns)
    steps = sig.get("steps", [])
    tap.ok([s["id"] for s in steps] == ["signature-syntax", "algorithm", "identity",
           "from-signed", "timestamps", "key-lookup", "key-record", "key-strength",
           "body-hash", "header-signature"], "steps in RFC 6376 §6.1 order")


def test_hostile_bytes(zones, now):
    evil = (b"From: \x1b[2J\x1b]0;pwned\x07 Mallory <m@example.com>\r\n"
            b"Subject: invoice \xe2\x80\xaegpj.exe \x9b31m\r\n"
            b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=\x1b[31mred;\r\n"
            b"\th=from; bh=AAAA; b=AAAA\r\n"
            b"\r\nbody\r\n")
    for fmt in ("--report=text", "--report=json"):
        code, out, err = dkstest.run([fmt, "--now", now] + zones + ["-"], stdin=evil)
        tap.ok(b"\x1b" not in out and b"\x07" not in out and "\u202e".encode() not in out
               and b"\x9b" not in out and b"\x1b" not in err,
               f"{fmt}: no control bytes or bidi overrides reach the terminal", out[:400])
    code, out, err = dkstest.run(["--report=text", "--now", now] + zones + ["-"], stdin=evil)
    tap.ok(b"<U+202E>" in out and b"\\e[2J" in out, "hostile bytes are shown escaped", out[:600])


def test_guidance_output(zones, now):
    path, _ = fixture("key-not-found")
    code, objs, err = dkstest.run_json(["--now", now] + zones + [path])
    obj = objs[0] if objs else {}
    sig = obj.get("signatures", [{}])[0]
    tap.ok({"party", "who", "provider", "verdict_line", "explanation", "fix",
            "receiver_note", "clues", "dmarc_alignment"} <= set(sig),
           "signature JSON carries the guidance fields", sorted(sig))
    tap.ok(sig.get("party") == "sender-dns" and sig.get("key_name", "") in sig.get("fix", ""),
           "key-not-found: the sender's DNS admin must publish the named record",
           (sig.get("party"), sig.get("fix")))
    tap.ok("dmarc" in obj and "authentication_results" in obj,
           "top level carries dmarc and authentication_results", sorted(obj))
    code, out, err = dkstest.run(["--demo", "--report=advice"])
    text = out.decode(errors="replace")
    tap.ok(code == 1 and text.startswith("To: the Microsoft 365 administrator") and
           "Set-DkimSigningConfig -Identity northwind.example.net -Enabled $true" in text,
           "--report=advice writes to the Microsoft 365 admin", text[:1500])
    path, _ = fixture("pass", "pass")
    code, out, err = dkstest.run(["--report=advice", "--now", now] + zones + [path])
    tap.ok(code == 0 and b"nothing to fix" in out, "--report=advice on a pass", out)


def test_demo():
    code, out, err = dkstest.run([])
    tap.ok(code == 64 or code == 66, "no argument and no input: a clear error", err)
    code, out, err = dkstest.run(["--demo", "--report"])
    text = out.decode(errors="replace")
    tap.ok(code == 1 and "selector1" in text and "key-not-found" in text and
           "CNAME" in text, "--demo explains the Microsoft 365 dangling CNAME", text[:3000])


def test_lookup(zones, now):
    """--lookup SELECTOR DOMAIN: the key checks with no message, in every
    report format, with the same exit codes and guidance."""
    code, objs, err = dkstest.run_json(zones + ["--lookup", "s2048", "example.com"])
    obj = objs[0] if objs else {}
    sig = (obj.get("signatures") or [{}])[0]
    tap.ok(code == 0 and obj.get("result") == "pass" and obj.get("message") is None and
           obj.get("lookup", {}).get("key_name") == "s2048._domainkey.example.com" and
           [s["id"] for s in sig.get("steps", [])] == ["key-lookup", "key-record",
                                                        "key-strength"],
           "--lookup: JSON with the lookup, no message, the three key checks", obj)
    tap.ok("2048-bit RSA key is published" in sig.get("verdict_line", ""),
           "--lookup: a pass says a usable key is published", sig.get("verdict_line"))
    for selector, domain, want_code, want_reason in [
            ("missing", "example.com", 1, "key-not-found"),
            ("revoked", "example.com", 1, "key-revoked"),
            ("s512", "example.com", 1, "key-too-short"),
            ("selector1", "example.org", 1, "key-not-found")]:
        code, objs, err = dkstest.run_json(zones + ["--lookup", selector, domain])
        sig = (objs[0].get("signatures") or [{}])[0] if objs else {}
        tap.ok(code == want_code and sig.get("reason") == want_reason,
               f"--lookup {selector} {domain}: exit {want_code}, {want_reason}", (code, err))
    code, out, err = dkstest.run(zones + ["--report", "--lookup", "selector1", "example.org"])
    text = out.decode(errors="replace")
    tap.ok(code == 1 and "Microsoft 365 administrator for example.org" in text and
           "the other selector" in text and "Body hash" not in text,
           "--lookup text: the Microsoft 365 guidance, with the other selector", text[:3000])
    code, out, err = dkstest.run(zones + ["--report=advice", "--lookup", "missing",
                                          "example.com"])
    text = out.decode(errors="replace")
    tap.ok(code == 1 and "About: the DKIM key of example.com (selector missing)" in text and
           "missing._domainkey.example.com" in text,
           "--lookup advice: a message to the DNS administrator", text[:2000])
    code, out, err = dkstest.run(zones + ["--report=advice", "--lookup", "s2048",
                                          "example.com"])
    tap.ok(code == 0 and b"nothing to fix: a usable key is published" in out,
           "--lookup advice on a usable key", out)
    for args, what in [(["--lookup", "s1"], "one argument"),
                       (["--lookup", "s1", "example.com", "x"], "three arguments"),
                       (["--lookup", "s 1", "example.com"], "a selector with a space"),
                       (["--lookup", "s1", "exa\x1b[2Jmple.com"], "a domain with an escape")]:
        code, out, err = dkstest.run(zones + args)
        tap.ok(code == 64 and one_line_error(err) and b"\x1b" not in err,
               f"--lookup usage error exits 64: {what}", (code, err))


def test_dns_timeout(now):
    # A UDP socket that never answers: the lookup must end at --dns-timeout.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        path, _ = fixture("pass", "pass")
        start = time.monotonic()
        code, objs, err = dkstest.run_json(["--now", now, "--dns-timeout", "1",
                                            "--resolver", f"127.0.0.1@{port}", path])
        took = time.monotonic() - start
    sig = objs[0]["signatures"][0] if objs else {}
    tap.ok(code == 2 and sig.get("reason") == "dns-temperror" and
           sig.get("dns", {}).get("outcome") == "timeout",
           f"a silent resolver gives temperror/timeout (took {took:.1f}s)", (code, sig.get("dns")))
    tap.ok(sig.get("body_hash") == "match", "the rest of the walkthrough is still shown")


def masked(out):
    """A report with what DNS measures masked: the time an answer took, and
    the TTLs libunbound counts down in its cache (two names asked a second
    apart can see the zone's SOA a second older).  The rest must not vary."""
    for pattern, repl in ((rb'"ms":[0-9]+', b'"ms":N'), (rb'\b[0-9]+ ms\b', b'N ms'),
                          (rb'"(negative_ttl|ttl)":[0-9]+', rb'"\1":N'),
                          (rb'\bTTL [0-9]+', b'TTL N'),
                          (rb'negative answer for [0-9]+ [a-z]+', b'negative answer for N'),
                          (rb'expires in [0-9]+ [a-z]+', b'expires in N')):
        out = re.sub(pattern, repl, out)
    return out


def test_many_files(zones, now):
    """Many messages in one run: the same reports, in the order given, with
    one thread or several, as one file at a time; unreadable entries are
    reported in their place."""
    files = sorted({os.path.join(dkstest.FIXTURES, r["file"]) for r in ROWS
                    if r.get("args", "-") == "-"})
    with tempfile.TemporaryDirectory() as tmp:
        missing = os.path.join(tmp, "missing.eml")
        mixed = files[:3] + [missing, tmp] + files[3:] + files[:2]
        runs = {}
        for fmt in ("json", "text"):
            for jobs in ("1", "2", "8"):
                runs[fmt, jobs] = dkstest.run([f"--report={fmt}", "--jobs", jobs, "--now", now]
                                              + zones + mixed)
            same = all(runs[fmt, j][0] == runs[fmt, "1"][0] and
                       masked(runs[fmt, j][1]) == masked(runs[fmt, "1"][1]) and
                       runs[fmt, j][2] == runs[fmt, "1"][2] for j in ("2", "8"))
            tap.ok(same and runs[fmt, "1"][0] == 66,
                   f"{len(mixed)} files as {fmt}: --jobs 1, 2 and 8 print the same, exit 66",
                   [(j, runs[fmt, j][0], runs[fmt, j][2]) for j in ("1", "2", "8")])
        err = runs["json", "2"][2].decode()
        tap.ok(err == f"dkimscope: cannot open {missing}: No such file or directory\n"
                      f"dkimscope: {tmp} is a directory\n",
               "unreadable entries: one line each on stderr, in order", err)
        merged = subprocess.run([dkstest.BINARY, "--report=json", "--jobs", "2", "--now", now]
                                + zones + mixed, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, LC_ALL="C.UTF-8")).stdout.decode()
        order = [l.split('"file":"')[1].split('"')[0] if l.startswith("{") else l
                 for l in merged.splitlines()]
        want = (mixed[:3] + [f"dkimscope: cannot open {missing}: No such file or directory",
                             missing, f"dkimscope: {tmp} is a directory", tmp] + mixed[5:])
        tap.ok(order == want, "stdout and stderr into one pipe: each error line in its place",
               order[:8])
        objs = [json.loads(line) for line in runs["json", "2"][1].decode().splitlines()]
        tap.ok([o["file"] for o in objs] == mixed,
               "one JSON line per file, in the order given", [o["file"] for o in objs][:8])
        alone = []
        for path in mixed[:3] + mixed[5:8]:
            code, out, _ = dkstest.run(["--report=json", "--now", now] + zones + [path])
            alone.append(masked(out))
        lines = [masked(l + b"\n") for l in runs["json", "2"][1].splitlines()]
        tap.ok(lines[:3] + lines[5:8] == alone,
               "each report is what the file alone gives", (len(lines), len(alone)))


def test_many_files_one_timeout(now):
    """20 messages against a resolver that never answers: their lookups
    wait together and the failure is not asked again per message, so the
    run takes about one --dns-timeout, not twenty."""
    path, _ = fixture("pass", "pass")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        start = time.monotonic()
        code, objs, err = dkstest.run_json(["--now", now, "--dns-timeout", "1",
                                            "--resolver", f"127.0.0.1@{port}"] + [path] * 20)
        took = time.monotonic() - start
    reasons = {sig["reason"] for o in objs for sig in o["signatures"]}
    tap.ok(code == 2 and len(objs) == 20 and reasons == {"dns-temperror"},
           "20 messages, silent resolver: 20 reports, temperror each", (code, len(objs), reasons))
    tap.ok(took < 10, f"their lookups waited together: {took:.1f} s, not 20 x 1 s")


def main():
    zones = zone_args()
    now = ROWS[0]["now"]
    test_usage_errors()
    test_unreadable_input(zones)
    test_exit_codes(zones, now)
    test_stdin_and_json(zones, now)
    test_hostile_bytes(zones, now)
    test_demo()
    test_guidance_output(zones, now)
    test_lookup(zones, now)
    test_dns_timeout(now)
    test_many_files(zones, now)
    test_many_files_one_timeout(now)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
