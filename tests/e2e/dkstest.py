"""Shared helpers for the end-to-end tests: run the real binary, speak TAP,
start a real DNS server on loopback.  Standard library only."""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("DKS_BUILD_ROOT", os.path.join(os.path.dirname(__file__), "../../build"))
SOURCE = os.environ.get("DKS_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../.."))
BINARY = os.path.join(BUILD, "tui", "dkimscope")
FIXTURES = os.path.join(SOURCE, "tests", "fixtures")


class Tap:
    """Minimal TAP producer: meson reads the plan and every ok/not ok."""

    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, cond, name, diag=None, todo=None):
        """todo: a known bug, marked "# TODO todo": it does not fail the
        suite, and turns up as an unexpected pass once fixed."""
        self.count += 1
        if not cond and todo is None:
            self.failed += 1
        directive = f" # TODO {todo}" if todo is not None else ""
        print(f"{'ok' if cond else 'not ok'} {self.count} - {name}{directive}")
        if not cond and diag:
            for line in str(diag).splitlines():
                print(f"# {line}")
        sys.stdout.flush()
        return cond

    def skip(self, name, reason):
        self.count += 1
        print(f"ok {self.count} - {name} # SKIP {reason}")
        sys.stdout.flush()

    def done(self):
        print(f"1..{self.count}")
        return 1 if self.failed else 0


def run(args, stdin=None, timeout=60, env=None):
    """Runs dkimscope; returns (exit code, stdout bytes, stderr bytes)."""
    full_env = dict(os.environ)
    full_env.setdefault("LC_ALL", "C.UTF-8")
    if env:
        full_env.update(env)
    p = subprocess.run([BINARY] + list(args), input=stdin, capture_output=True,
                       timeout=timeout, env=full_env,
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def run_json(args, **kw):
    code, out, err = run(["--report=json"] + list(args), **kw)
    objs = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    return code, objs, err


def free_port():
    """A UDP+TCP port free on 127.0.0.1 right now (the caller retries on a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_dns(port, name, deadline=10.0):
    """Polls with a raw DNS query until the server answers (no fixed sleep)."""
    qname = b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".")) + b"\0"
    query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + qname + b"\x00\x10\x00\x01"
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(query, ("127.0.0.1", port))
                data = s.recv(4096)
                if data[:2] == b"\x12\x34":
                    return True
            except OSError:
                time.sleep(0.05)
    return False


def stop_process(proc, group=False):
    """SIGTERM by pid, then SIGKILL if it lingers; with group (the process
    was started with start_new_session, so its pid is its group id) also
    ends the children it forked, by that group id."""
    if proc is None:
        return
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    if group:
        end = time.monotonic() + 3.0
        while _group_alive(proc.pid) and time.monotonic() < end:
            time.sleep(0.02)
        if _group_alive(proc.pid):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _group_alive(pgid):
    """Any process of this group still running (zombies do not count)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


class UnboundServer:
    """A real unbound on 127.0.0.1:<free port> answering from auth-zones, as
    a recursive resolver would (RD set, full answers with CNAME chains).
    stubs: (zone, "ADDR@PORT") pairs it iterates from instead (loopback
    allowed); options: extra "server:" lines.  Stopped by its pid."""

    def __init__(self, zones, probe_name, stubs=(), options=()):
        self.dir = tempfile.mkdtemp(prefix="dks-unbound-")
        self.proc = None
        for attempt in range(5):
            self.port = free_port()
            conf = os.path.join(self.dir, "unbound.conf")
            with open(conf, "w") as f:
                f.write(self._config(zones, stubs, options))
            log = open(os.path.join(self.dir, "log"), "w")
            self.proc = subprocess.Popen(["unbound", "-d", "-c", conf],
                                         stdout=log, stderr=log)
            if wait_for_dns(self.port, probe_name):
                return
            self.stop()
        raise RuntimeError("unbound did not start: " + open(os.path.join(self.dir, "log")).read())

    def _config(self, zones, stubs=(), options=()):
        lines = ["server:",
                 f"  interface: 127.0.0.1@{self.port}",
                 "  do-daemonize: no", '  username: ""', '  chroot: ""',
                 '  directory: "' + self.dir + '"', '  pidfile: ""',
                 "  use-syslog: no", '  logfile: ""', "  verbosity: 1",
                 '  module-config: "iterator"', "  access-control: 127.0.0.0/8 allow"]
        if stubs:
            # the stub servers are on loopback, which unbound skips by default
            lines += ["  do-not-query-localhost: no", "  do-ip6: no"]
        lines += ["  " + o for o in options]
        lines += ["remote-control:", "  control-enable: no"]
        for name, path in zones:
            lines += ["auth-zone:", f'  name: "{name}"', f'  zonefile: "{path}"',
                      "  for-downstream: no", "  for-upstream: yes",
                      "  fallback-enabled: no"]
        for name, addr in stubs:
            lines += ["stub-zone:", f'  name: "{name}"', f"  stub-addr: {addr}"]
        return "\n".join(lines) + "\n"

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class NsdServer:
    """A real authoritative nsd on 127.0.0.1:<free port> (UDP and TCP) for
    zones, (name, path) pairs; options: extra "server:" lines such as
    "ipv4-edns-size: 512".  nsd forks (xfrd, main, server): it runs in its
    own session and is stopped by its pid, then its group id."""

    def __init__(self, zones, probe_name, options=()):
        self.dir = tempfile.mkdtemp(prefix="dks-nsd-")
        self.proc = None
        for attempt in range(5):
            self.port = free_port()
            conf = os.path.join(self.dir, "nsd.conf")
            with open(conf, "w") as f:
                f.write(self._config(zones, options))
            log = open(os.path.join(self.dir, "stderr"), "w")
            self.proc = subprocess.Popen(["nsd", "-d", "-c", conf], stdout=log, stderr=log,
                                         start_new_session=True)
            if wait_for_dns(self.port, probe_name):
                return
            self.stop()
        raise RuntimeError("nsd did not start: " + self.log())

    def _config(self, zones, options):
        lines = ["server:",
                 f"  ip-address: 127.0.0.1@{self.port}", f"  port: {self.port}",
                 "  do-ip6: no", '  username: ""', f'  zonesdir: "{self.dir}"',
                 '  database: ""', f'  zonelistfile: "{self.dir}/zone.list"',
                 '  xfrdfile: ""', f'  xfrdir: "{self.dir}"', '  pidfile: ""',
                 f'  logfile: "{self.dir}/log"', "  verbosity: 1", "  server-count: 1"]
        lines += ["  " + o for o in options]
        lines += ["remote-control:", "  control-enable: no"]
        for name, path in zones:
            lines += ["zone:", f'  name: "{name}"', f'  zonefile: "{path}"']
        return "\n".join(lines) + "\n"

    def log(self):
        text = ""
        for name in ("stderr", "log"):
            try:
                text += open(os.path.join(self.dir, name)).read()
            except OSError:
                pass
        return text

    def stop(self):
        stop_process(self.proc, group=True)
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class DnsReply:
    """What dns_query saw: rcode, header flags and the answer section as
    (owner, type, ttl, rdata bytes); size is the response's octets."""

    def __init__(self, data):
        self.size = len(data)
        self.id, flags, qd, an, ns, ar = struct.unpack("!6H", data[:12])
        self.rcode = flags & 0xF
        self.aa = bool(flags & 0x0400)
        self.tc = bool(flags & 0x0200)
        self.ad = bool(flags & 0x0020)
        off = 12
        for _ in range(qd):
            _, off = read_name(data, off)
            off += 4
        self.answers = []
        for _ in range(an):
            owner, off = read_name(data, off)
            rtype, _, ttl, rdlen = struct.unpack("!HHIH", data[off:off + 10])
            off += 10
            self.answers.append((owner, rtype, ttl, data[off:off + rdlen]))
            off += rdlen


def read_name(data, off):
    """A possibly compressed domain name at off: (dotted name, offset after it)."""
    labels, end, hops = [], None, 0
    while True:
        n = data[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | data[off + 1]
            hops += 1
            if hops > 64:
                raise ValueError("compression loop")
            continue
        off += 1
        if n == 0:
            break
        labels.append(data[off:off + n].decode("ascii", "replace"))
        off += n
    return ".".join(labels), (end if end is not None else off)


def txt_strings(rdata):
    """The character-strings of one TXT RDATA."""
    out, off = [], 0
    while off < len(rdata):
        n = rdata[off]
        out.append(rdata[off + 1:off + 1 + n])
        off += 1 + n
    return out


def dns_query(port, name, qtype=16, tcp=False, bufsize=None, dnssec_ok=False, timeout=2.0):
    """One query to 127.0.0.1:port, no retry over TCP (so a truncated UDP
    answer is seen as such); bufsize adds EDNS0 with that payload size."""
    qname = b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".")) + b"\0"
    qid = int.from_bytes(os.urandom(2), "big")
    msg = struct.pack("!6H", qid, 0x0100, 1, 0, 0, 1 if bufsize else 0) + qname + \
        struct.pack("!HH", qtype, 1)
    if bufsize:
        msg += b"\0" + struct.pack("!HHIH", 41, bufsize, 0x8000 if dnssec_ok else 0, 0)
    if tcp:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(struct.pack("!H", len(msg)) + msg)
            data = b""
            while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
                chunk = s.recv(65535)
                if not chunk:
                    raise OSError("TCP connection closed early")
                data += chunk
            data = data[2:]
    else:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(msg, ("127.0.0.1", port))
            data = s.recv(65535)
    reply = DnsReply(data)
    if reply.id != qid:
        raise OSError("reply to another query")
    return reply


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
