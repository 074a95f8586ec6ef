"""Shared helpers for the end-to-end tests: run the real binary, speak TAP,
start a real DNS server on loopback.  Standard library only."""
import json
import os
import shutil
import signal
import socket
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

    def ok(self, cond, name, diag=None):
        self.count += 1
        if not cond:
            self.failed += 1
        print(f"{'ok' if cond else 'not ok'} {self.count} - {name}")
        if not cond and diag:
            for line in str(diag).splitlines():
                print(f"# {line}")
        sys.stdout.flush()
        return cond

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


class UnboundServer:
    """A real unbound on 127.0.0.1:<free port> answering from auth-zones, as
    a recursive resolver would (RD set, full answers with CNAME chains).
    Stopped by its pid."""

    def __init__(self, zones, probe_name):
        self.dir = tempfile.mkdtemp(prefix="dks-unbound-")
        self.proc = None
        for attempt in range(5):
            self.port = free_port()
            conf = os.path.join(self.dir, "unbound.conf")
            with open(conf, "w") as f:
                f.write(self._config(zones))
            log = open(os.path.join(self.dir, "log"), "w")
            self.proc = subprocess.Popen(["unbound", "-d", "-c", conf],
                                         stdout=log, stderr=log)
            if wait_for_dns(self.port, probe_name):
                return
            self.stop()
        raise RuntimeError("unbound did not start: " + open(os.path.join(self.dir, "log")).read())

    def _config(self, zones):
        lines = ["server:",
                 f"  interface: 127.0.0.1@{self.port}",
                 "  do-daemonize: no", '  username: ""', '  chroot: ""',
                 '  directory: "' + self.dir + '"', '  pidfile: ""',
                 "  use-syslog: no", '  logfile: ""', "  verbosity: 1",
                 '  module-config: "iterator"', "  access-control: 127.0.0.0/8 allow",
                 "remote-control:", "  control-enable: no"]
        for name, path in zones:
            lines += ["auth-zone:", f'  name: "{name}"', f'  zonefile: "{path}"',
                      "  for-downstream: no", "  for-upstream: yes",
                      "  fallback-enabled: no"]
        return "\n".join(lines) + "\n"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
