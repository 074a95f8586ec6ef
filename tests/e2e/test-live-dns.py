#!/usr/bin/env python3
"""The binary against real DNS servers on loopback, no network needed.

nsd is authoritative for the fixture zones (and a private root zone written
here) and truncates UDP answers at 512 octets, as some authoritative
servers do; unbound is a recursive resolver in front of it (stub "." to
nsd).  Every case asserts the verdict and the DNS facts of the JSON report:
through the resolver, straight to the authoritative server, from a server
that never answers, and with --recursive iterating from the private root."""
import concurrent.futures
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time

import dkstest
from fixturezones import fixture_rows, zone_pairs

tap = dkstest.Tap()
ROWS = fixture_rows()
NOW = ROWS[0]["now"]
ANCHOR = os.path.join(dkstest.FIXTURES, "zones", "signed.example.net.ds")
TXT = 16

# A root zone that delegates nothing: nsd answers every fixture name from its
# own zones below, so a resolver iterating from "." finds them at once.
ROOT_ZONE = """$ORIGIN .
$TTL 300
.\tIN\tSOA\tns.root-servers.test. hostmaster.root-servers.test. 1 3600 900 604800 300
.\tIN\tNS\tns.root-servers.test.
ns.root-servers.test.\tIN\tA\t127.0.0.1
"""

# Where the Microsoft 365 style CNAMEs of example.org point.
M365_TARGET_2 = "selector2-example-org._domainkey.contoso.onmicrosoft.com"
M365_TARGET_1 = "selector1-example-org._domainkey.contoso.onmicrosoft.com"


def message(name):
    return os.path.join(dkstest.FIXTURES, "messages", name + ".eml")


class Case:
    """One dkimscope run and what its first signature must show.
    verdict: (exit code, result, reason, header_signature, body_hash);
    dns: exact values for keys of the "dns" object; also: (label, predicate
    over the signature) pairs for facts that are not plain equality."""

    def __init__(self, title, msg, args, verdict, dns=None, also=(), todo=None):
        self.title, self.msg, self.args = title, msg, list(args)
        self.verdict, self.dns, self.also, self.todo = verdict, dns or {}, list(also), todo


def chain(*hops):
    """Predicate: cname_chain holds exactly these (owner, target) hops, each
    with a TTL in (0, 300] (a cache may have counted it down)."""
    def check(sig):
        have = (sig.get("dns") or {}).get("cname_chain")
        if not isinstance(have, list) or len(have) != len(hops):
            return False
        return all(h.get("owner") == o and h.get("target") == t and 0 < h.get("ttl", -1) <= 300
                   for h, (o, t) in zip(have, hops))
    return (f"cname_chain is {len(hops)} hop(s): " +
            ", ".join(f"{o} -> {t}" for o, t in hops), check)


def response_size(sig):
    """Octets of the answer dkimscope got: dns.size when the report has it,
    else the key-lookup evidence line "response: ..., N octets"."""
    size = (sig.get("dns") or {}).get("size")
    if isinstance(size, int) and size > 0:
        return size
    for step in sig.get("steps", []):
        if step.get("id") == "key-lookup":
            for line in step.get("evidence", []):
                m = re.match(r"response: .*?(\d+) octets", line)
                if m:
                    return int(m.group(1))
    return None


def over_512(sig):
    size = response_size(sig)
    return size is not None and size > 512


def ms_is_count(sig):
    ms = (sig.get("dns") or {}).get("ms")
    return isinstance(ms, int) and 0 <= ms < 10000


def step_status(step_id, status):
    def check(sig):
        return any(s.get("id") == step_id and s.get("status") == status
                   for s in sig.get("steps", []))
    return (f"step {step_id} is {status}", check)


def authoritative(outcome):
    """Predicate: the cross-check with the authoritative servers (asked
    for a missing key, bypassing the resolver's cache) saw this outcome."""
    return (f"dns_authoritative.outcome is {outcome}",
            lambda sig: (sig.get("dns_authoritative") or {}).get("outcome") == outcome)


def resolver_names(addr):
    return (f"dns.resolver names {addr}",
            lambda sig: addr in ((sig.get("dns") or {}).get("resolver") or ""))


def execute(case):
    start = time.monotonic()
    try:
        code, objs, err = dkstest.run_json(["--now", NOW] + case.args + [message(case.msg)],
                                           timeout=60)
    except ValueError as e:  # not JSON: the case fails, the suite goes on
        code, objs, err = None, [], f"report is not JSON: {e}".encode()
    return code, objs, err, time.monotonic() - start


def report(case, outcome):
    code, objs, err, took = outcome
    sig = objs[0]["signatures"][0] if objs and objs[0].get("signatures") else {}
    problems = []
    have = (code, sig.get("result"), sig.get("reason"), sig.get("header_signature"),
            sig.get("body_hash"))
    if have != case.verdict:
        problems.append(f"verdict: want {case.verdict}, have {have}")
    dns = sig.get("dns") or {}
    for key, want in case.dns.items():
        if dns.get(key) != want:
            problems.append(f"dns.{key}: want {want!r}, have {dns.get(key)!r}")
    for label, pred in [("dns.ms is a count of milliseconds", ms_is_count)] + case.also:
        if not pred(sig):
            problems.append(f"not true: {label}")
    diag = "\n".join(problems + [f"took {took:.2f}s", f"dns: {dns}",
                                 f"stderr: {err.decode(errors='replace').strip()}"])
    tap.ok(not problems, case.title, diag, todo=case.todo)
    return sig


def run_cases(cases):
    """Runs the cases side by side (each is one short process) and reports
    them in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(execute, cases))
    return [report(c, o) for c, o in zip(cases, outcomes)]


def through_resolver_cases(port, root):
    """root: the --root-server arguments (empty when the binary lacks the
    option), so a missing key is cross-checked against nsd, not the
    unreachable real root."""
    res = ["--resolver", f"127.0.0.1@{port}"] + root
    named = resolver_names(f"127.0.0.1@{port}")
    ok = ("pass", "pass", "valid", "match")

    def agree(outcome):
        return [authoritative(outcome)] if root else []
    return [
        Case("resolver: key found directly", "pass-simple-simple", res, (0,) + ok,
             {"query": "s2048._domainkey.example.com", "rcode": "NOERROR", "outcome": "answer",
              "cname_chain": [], "txt_records": 1, "dnssec": "unchecked"}, [named]),
        Case("resolver: key found through the Microsoft 365 CNAME", "pass-cname-m365", res,
             (0,) + ok,
             {"query": "selector2._domainkey.example.org", "rcode": "NOERROR",
              "outcome": "answer", "txt_records": 1},
             [chain(("selector2._domainkey.example.org", M365_TARGET_2))]),
        Case("resolver: dangling Microsoft 365 CNAME is key-not-found, chain shown",
             "permerror-key-not-found-m365", res,
             (1, "permerror", "key-not-found", "not-checked", "match"),
             {"query": "selector1._domainkey.example.org", "rcode": "NXDOMAIN",
              "outcome": "nxdomain", "txt_records": 0},
             [chain(("selector1._domainkey.example.org", M365_TARGET_1))] + agree("nxdomain")),
        Case("resolver: NXDOMAIN is key-not-found", "permerror-key-not-found", res,
             (1, "permerror", "key-not-found", "not-checked", "match"),
             {"query": "missing._domainkey.example.com", "rcode": "NXDOMAIN",
              "outcome": "nxdomain", "cname_chain": [], "txt_records": 0}, agree("nxdomain")),
        Case("resolver: NODATA at the end of a CNAME is key-not-found",
             "permerror-key-not-found-nodata", res,
             (1, "permerror", "key-not-found", "not-checked", "match"),
             {"query": "nodata._domainkey.example.com", "rcode": "NOERROR",
              "outcome": "nodata", "txt_records": 0},
             [chain(("nodata._domainkey.example.com", "www.example.com"))] + agree("nodata")),
        Case("resolver: two TXT records at one selector is key-syntax",
             "permerror-key-syntax-two-records", res,
             (1, "permerror", "key-syntax", "not-checked", "match"),
             {"query": "tworecords._domainkey.example.com", "rcode": "NOERROR",
              "outcome": "answer", "txt_records": 2},
             [step_status("key-lookup", "pass"), step_status("key-record", "fail")]),
        Case("resolver: a 4096-bit key in 3 strings is joined and passes", "pass-rsa4096",
             res, (0,) + ok,
             {"query": "s4096._domainkey.example.com", "rcode": "NOERROR", "outcome": "answer",
              "txt_records": 1}),
        Case("resolver: DNSSEC secure with the trust anchor", "pass-dnssec-secure",
             res + ["--trust-anchor", ANCHOR], (0,) + ok,
             {"query": "good._domainkey.signed.example.net", "dnssec": "secure",
              "txt_records": 1}),
        Case("resolver: DNSSEC bogus answer is temperror/dnssec-bogus",
             "temperror-dnssec-bogus", res + ["--trust-anchor", ANCHOR],
             (2, "temperror", "dnssec-bogus", "not-checked", "match"),
             {"query": "tampered._domainkey.signed.example.net", "dnssec": "bogus"}),
        Case("resolver: without a trust anchor the signed zone is not validated",
             "pass-dnssec-secure", res, (0,) + ok, {"dnssec": "unchecked"}),
        Case("resolver: SERVFAIL (delegation to a dead server) is temperror",
             "temperror-dns", res,
             (2, "temperror", "dns-temperror", "not-checked", "match"),
             {"query": "s2048._domainkey.broken.example.net", "rcode": "SERVFAIL",
              "outcome": "servfail", "txt_records": 0},
             [step_status("body-hash", "pass")]),
    ]


def authoritative_cases(port, root):
    auth = ["--resolver", f"127.0.0.1@{port}"] + root
    ok = ("pass", "pass", "valid", "match")
    return [
        Case("authoritative, UDP truncated at 512: 4096-bit key fetched over TCP",
             "pass-rsa4096", auth, (0,) + ok,
             {"query": "s4096._domainkey.example.com", "rcode": "NOERROR", "outcome": "answer",
              "txt_records": 1},
             [("the answer dkimscope used is larger than 512 octets", over_512)]),
        Case("authoritative: key found directly", "pass-simple-simple", auth, (0,) + ok,
             {"outcome": "answer", "cname_chain": [], "txt_records": 1}),
        Case("authoritative: CNAME into another zone is followed", "pass-cname-m365", auth,
             (0,) + ok, {"outcome": "answer", "txt_records": 1},
             [chain(("selector2._domainkey.example.org", M365_TARGET_2))]),
        Case("authoritative: dangling Microsoft 365 CNAME", "permerror-key-not-found-m365",
             auth, (1, "permerror", "key-not-found", "not-checked", "match"),
             {"rcode": "NXDOMAIN", "outcome": "nxdomain"},
             [chain(("selector1._domainkey.example.org", M365_TARGET_1))]),
        Case("authoritative: DNSSEC secure", "pass-dnssec-secure",
             auth + ["--trust-anchor", ANCHOR], (0,) + ok, {"dnssec": "secure"}),
        Case("authoritative: DNSSEC bogus", "temperror-dnssec-bogus",
             auth + ["--trust-anchor", ANCHOR],
             (2, "temperror", "dnssec-bogus", "not-checked", "match"), {"dnssec": "bogus"}),
        # nsd answers a name below a zone cut with a referral (no AA, no
        # answer, NS in authority): not a negative answer, so not a lasting
        # key-not-found (RFC 6376 §6.1.2: only NXDOMAIN/NODATA are).
        # (--dns-timeout 1: the cross-check of the "missing" key follows the
        # same referral to the dead server)
        Case("authoritative: a referral is not NODATA (temperror, not key-not-found)",
             "temperror-dns", auth + ["--dns-timeout", "1"],
             (2, "temperror", "dns-temperror", "not-checked", "match")),
    ]


def recursive_cases(root):
    rec = ["--recursive", "--root-server", root]
    ta = rec + ["--dns-timeout", "3", "--trust-anchor", ANCHOR]
    ok = ("pass", "pass", "valid", "match")
    return [
        Case("recursive: key found directly", "pass-simple-simple", ta, (0,) + ok,
             {"query": "s2048._domainkey.example.com", "rcode": "NOERROR", "outcome": "answer",
              "cname_chain": [], "txt_records": 1, "dnssec": "insecure"},
             [resolver_names(root)]),
        Case("recursive: key found through the Microsoft 365 CNAME", "pass-cname-m365", ta,
             (0,) + ok, {"outcome": "answer", "txt_records": 1},
             [chain(("selector2._domainkey.example.org", M365_TARGET_2))]),
        Case("recursive: dangling Microsoft 365 CNAME", "permerror-key-not-found-m365", ta,
             (1, "permerror", "key-not-found", "not-checked", "match"),
             {"rcode": "NXDOMAIN", "outcome": "nxdomain"},
             [chain(("selector1._domainkey.example.org", M365_TARGET_1))]),
        Case("recursive: NXDOMAIN", "permerror-key-not-found", ta,
             (1, "permerror", "key-not-found", "not-checked", "match"),
             {"rcode": "NXDOMAIN", "outcome": "nxdomain", "cname_chain": []}),
        Case("recursive: NODATA", "permerror-key-not-found-nodata", ta,
             (1, "permerror", "key-not-found", "not-checked", "match"),
             {"rcode": "NOERROR", "outcome": "nodata"},
             [chain(("nodata._domainkey.example.com", "www.example.com"))]),
        Case("recursive: 4096-bit key from a server truncating at 512 (TCP)", "pass-rsa4096",
             ta, (0,) + ok, {"outcome": "answer", "txt_records": 1},
             [("the answer dkimscope used is larger than 512 octets", over_512)]),
        Case("recursive: DNSSEC secure", "pass-dnssec-secure", ta, (0,) + ok,
             {"dnssec": "secure"}),
        Case("recursive: DNSSEC bogus", "temperror-dnssec-bogus", ta,
             (2, "temperror", "dnssec-bogus", "not-checked", "match"), {"dnssec": "bogus"}),
        Case("recursive: --trust-anchor none does not validate", "pass-dnssec-secure",
             rec + ["--dns-timeout", "3", "--trust-anchor", "none"], (0,) + ok,
             {"dnssec": "unchecked"}),
        # 127.0.0.2:53 never answers: only the timeout ends this lookup
        Case("recursive: delegation to a dead server is temperror", "temperror-dns",
             rec + ["--dns-timeout", "1", "--trust-anchor", ANCHOR],
             (2, "temperror", "dns-temperror", "not-checked", "match"),
             {"query": "s2048._domainkey.broken.example.net"}),
    ]


def test_preconditions(nsd_port):
    """What the cases rely on, checked on the wire: otherwise a pass could
    come from a server that does not do what the case says."""
    udp = dkstest.dns_query(nsd_port, "s4096._domainkey.example.com", TXT, bufsize=4096)
    tcp = dkstest.dns_query(nsd_port, "s4096._domainkey.example.com", TXT, tcp=True)
    tap.ok(udp.tc and not udp.answers and udp.size <= 512,
           "nsd truncates the 4096-bit key over UDP even with EDNS 4096 (TC set)",
           f"tc={udp.tc} answers={len(udp.answers)} size={udp.size}")
    strings = [len(dkstest.txt_strings(rd)) for _, t, _, rd in tcp.answers if t == TXT]
    tap.ok(tcp.size > 512 and strings == [3],
           "over TCP the same answer is one TXT record of 3 strings, > 512 octets",
           f"size={tcp.size} strings={strings}")
    two = dkstest.dns_query(nsd_port, "s2048._domainkey.example.com", TXT, tcp=True)
    strings = [len(dkstest.txt_strings(rd)) for _, t, _, rd in two.answers if t == TXT]
    tap.ok(strings == [2], "the 2048-bit key is one TXT record of 2 strings", strings)


def test_fixtures_through_resolver(port, root):
    """Every fixture verdict over live DNS equals the offline one."""
    by_file = {}
    for row in ROWS:
        by_file.setdefault(row["file"], []).append(row)

    def one(item):
        name, rows = item
        extra = [ANCHOR] if "--trust-anchor" in rows[0].get("args", "") else []
        args = ["--now", rows[0]["now"], "--resolver", f"127.0.0.1@{port}"] + root
        if extra:
            args += ["--trust-anchor"] + extra
        code, objs, err = dkstest.run_json(args + [os.path.join(dkstest.FIXTURES, name)])
        sigs = objs[0]["signatures"] if objs else []
        wrong = []
        for row in rows:
            if row["signature_index"] == "-":
                if sigs or code != 3:
                    wrong.append(f"{name}: want none/exit 3, have exit {code}")
                continue
            i = int(row["signature_index"])
            got = sigs[i] if i < len(sigs) else {}
            want = (row["expected_result"], row["expected_reason"], row["header_signature"],
                    row["body_hash"])
            have = (got.get("result"), got.get("reason"), got.get("header_signature"),
                    got.get("body_hash"))
            if want != have:
                wrong.append(f"{name} #{i}: want {want}, have {have}")
        return wrong

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        wrong = [w for ws in pool.map(one, by_file.items()) for w in ws]
    tap.ok(not wrong, f"all {len(ROWS)} fixture rows through the resolver match expected.tsv",
           "\n".join(wrong))


def test_silent_server():
    """A bound UDP socket that never answers: the lookup ends at
    --dns-timeout, and the rest of the walkthrough is still shown."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        case = Case("silent server: temperror/dns-temperror after --dns-timeout 1",
                    "pass-simple-simple", ["--dns-timeout", "1", "--resolver", f"127.0.0.1@{port}"],
                    (2, "temperror", "dns-temperror", "not-checked", "match"),
                    {"query": "s2048._domainkey.example.com", "outcome": "timeout",
                     "txt_records": 0},
                    [step_status("body-hash", "pass"), step_status("key-lookup", "fail"),
                     ("dns.ms is about the 1 s timeout",
                      lambda sig: 900 <= ((sig.get("dns") or {}).get("ms") or 0) < 3000)])
        outcome = execute(case)
    report(case, outcome)
    took = outcome[3]
    tap.ok(took < 4.0, f"silent server: the run ends soon after the timeout ({took:.2f}s)")


def recursive_supported(root):
    code, _, err = dkstest.run(["--report=json", "--now", NOW, "--recursive", "--root-server",
                                root, "--trust-anchor", ANCHOR, "--dns-timeout", "1",
                                message("none-unsigned")], timeout=30)
    text = err.decode(errors="replace")
    return not (code == 64 and ("recursive" in text or "root-server" in text)), text


def publish_missing_key(nsd, zone_path):
    """Publishes the s2048 key (which signed permerror-key-not-found.eml) at
    missing._domainkey.example.com in nsd's copy of the zone, reloads nsd
    (SIGHUP rereads changed zone files) and polls until nsd serves it."""
    with open(zone_path) as f:
        rdata = next(l.split("\tTXT\t", 1)[1] for l in f if l.startswith("s2048._domainkey\t"))
    with open(zone_path, "a") as f:
        f.write("missing._domainkey\tIN\tTXT\t" + rdata)
    later = time.time() + 10  # a newer mtime than the loaded one, whatever the clock's grain
    os.utime(zone_path, (later, later))
    os.kill(nsd.proc.pid, signal.SIGHUP)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        try:
            reply = dkstest.dns_query(nsd.port, "missing._domainkey.example.com", TXT, tcp=True)
            if reply.rcode == 0 and reply.answers:
                return True
        except OSError:
            pass  # nsd is reloading: it may reset the connection meanwhile
        time.sleep(0.02)
    return False


def test_stale_negative_cache(nsd, resolver_port, zone_path):
    """The admin publishes the key just after a resolver cached NXDOMAIN:
    dkimscope still reports the resolver's answer, and its cross-check with
    the authoritative servers shows the key is there now."""
    root = f"127.0.0.1@{nsd.port}"
    args = ["--resolver", f"127.0.0.1@{resolver_port}", "--root-server", root]
    msg = "permerror-key-not-found"
    missing = (1, "permerror", "key-not-found", "not-checked", "match")
    run_cases([Case("stale cache: before publishing, resolver and authoritative servers "
                    "agree (NXDOMAIN)", msg, args, missing, {"outcome": "nxdomain"},
                    [authoritative("nxdomain")])])
    if not tap.ok(publish_missing_key(nsd, zone_path),
                  "stale cache: nsd serves the key once published", nsd.log()[-2000:]):
        return

    def negative_ttl_left(sig):
        ttl = (sig.get("dns") or {}).get("negative_ttl")
        return isinstance(ttl, int) and 0 < ttl <= 300

    def step_says_published(sig):
        return any(st.get("id") == "key-lookup" and "publish" in st.get("summary", "")
                   for st in sig.get("steps", []))
    run_cases([
        Case("stale cache: the resolver still answers NXDOMAIN from its cache",
             msg, args, missing, {"rcode": "NXDOMAIN", "outcome": "nxdomain"},
             [authoritative("answer"),
              ("dns_authoritative has the 1 published TXT record",
               lambda sig: (sig.get("dns_authoritative") or {}).get("txt_records") == 1),
              ("dns.negative_ttl is the cache time left, in (0, 300]", negative_ttl_left),
              ("the key-lookup summary says the key is published now", step_says_published)]),
        Case("stale cache: --recursive (no cache) finds the new key: pass", msg,
             ["--recursive", "--root-server", root, "--trust-anchor", "none"],
             (0, "pass", "pass", "valid", "match"), {"outcome": "answer", "txt_records": 1}),
    ])
    # The same story for a selector checked with no message (--lookup): the
    # live path through a real resolver, and with no cache.
    code, objs, err = dkstest.run_json(args + ["--lookup", "missing", "example.com"])
    sig = (objs[0].get("signatures") or [{}])[0] if objs else {}
    tap.ok(code == 1 and sig.get("reason") == "key-not-found" and
           (sig.get("dns_authoritative") or {}).get("txt_records") == 1 and
           step_says_published(sig),
           "stale cache: --lookup through the resolver sees the cached NXDOMAIN and the "
           "published key", (code, err, sig.get("steps")))
    code, objs, err = dkstest.run_json(["--recursive", "--root-server", root, "--trust-anchor",
                                        "none", "--lookup", "missing", "example.com"])
    sig = (objs[0].get("signatures") or [{}])[0] if objs else {}
    tap.ok(code == 0 and sig.get("result") == "pass" and
           (sig.get("dns") or {}).get("txt_records") == 1,
           "stale cache: --lookup --recursive finds the new key", (code, err))


def serve_copies(tmp):
    """The fixture zones copied into tmp, (name, copy) pairs: the stale-cache
    case edits example.com's copy, never the fixture."""
    pairs = []
    for name, path in zone_pairs():
        copy = os.path.join(tmp, os.path.basename(path))
        shutil.copyfile(path, copy)
        pairs.append((name, copy))
    return pairs


def main():
    # meson ends a test that runs too long with SIGTERM: stop the servers
    # in the finally below rather than leave them behind
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    tmp = tempfile.mkdtemp(prefix="dks-live-")
    root_zone = os.path.join(tmp, "root.zone")
    with open(root_zone, "w") as f:
        f.write(ROOT_ZONE)
    nsd = unbound = None
    try:
        zones = serve_copies(tmp)
        # 512: UDP answers above it are truncated, so big keys need TCP.
        nsd = dkstest.NsdServer(zones + [(".", root_zone)], "example.com",
                                options=["ipv4-edns-size: 512"])
        nsd_addr = f"127.0.0.1@{nsd.port}"
        # The fixture delegates broken.example.net to 127.0.0.2:53, where
        # nothing listens; loopback must be allowed for the stub, so that
        # address is refused explicitly (SERVFAIL at once, no retries).
        unbound = dkstest.UnboundServer([], "example.com", stubs=[(".", nsd_addr)],
                                        options=["do-not-query-address: 127.0.0.2"])
        supported, why = recursive_supported(nsd_addr)
        # Without --root-server a missing key's cross-check would iterate
        # from the real root, which this machine cannot reach.
        root = ["--root-server", nsd_addr] if supported else []
        test_preconditions(nsd.port)
        run_cases(through_resolver_cases(unbound.port, root))
        test_fixtures_through_resolver(unbound.port, root)
        run_cases(authoritative_cases(nsd.port, root))
        test_silent_server()
        if supported:
            run_cases(recursive_cases(nsd_addr))
            test_stale_negative_cache(nsd, unbound.port,
                                      dict(zones)["example.com."])
        else:
            for case in recursive_cases(nsd_addr):
                tap.skip(case.title, "option not available")
            tap.skip("stale cache: cross-check with the authoritative servers",
                     "option not available")
            print("# " + why.strip().replace("\n", "\n# "))
    finally:
        if unbound:
            unbound.close()
        if nsd:
            nsd.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
