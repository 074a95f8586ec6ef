#!/usr/bin/env python3
"""The interactive view as a user meets it: the real binary in a real tmux
on a private socket, fixed size, keys sent with send-keys, the screen read
with capture-pane.  Every wait polls the screen until a marker shows up,
bounded in time; every tmux server is killed when its test ends.  DNS comes
only from zone files (--demo, --dns-zone): never the system resolver."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import dkstest
import fixturezones

tap = dkstest.Tap()
# DKIMSCOPE names another binary (as bench/ does).
BINARY = os.environ.get("DKIMSCOPE", dkstest.BINARY)
DEMO_DIR = os.path.join(dkstest.SOURCE, "demo")
DEMO_EML = os.path.join(DEMO_DIR, "demo.eml")
DEMO_ZONES = [os.path.join(DEMO_DIR, z) for z in
              ("northwind.example.net.zone", "northwindtraders.onmicrosoft.com.zone")]
KEYS_C = os.path.join(dkstest.SOURCE, "tui", "keys.c")

# Slow builds (ASan, valgrind) get longer bounds; waits return as soon as
# the marker is there, so the bound only matters when something is wrong.
WAIT = float(os.environ.get("DKS_TUI_WAIT", "20"))
# How long a frame may take to be written whole (a frame is one write of a
# few KiB; sanitizer builds are slower).
SETTLE = float(os.environ.get("DKS_TUI_SETTLE", "0.02"))

# What the screens show (tui/layout.c), in one place.
WHO = "Who must act"
RESULTS = r"(pass|fail|neutral|policy|temperror|permerror)"
# The verdict: on the overview in the signature's line ("1 ✗ permerror
# d=... s=..."), on a check's screen after "Verdict:".
VERDICT = re.compile(r"\b" + RESULTS + r"\s+d=\S+ s=|Verdict: *" + RESULTS)
CHECK_AT = re.compile(r"check (\d+) of (\d+)")
PASTE_HINT = "Ctrl-D"
HELP_TITLE = "Help"


def term_type():
    """tmux-256color where the terminfo entry exists, else screen."""
    for name in ("tmux-256color", "screen"):
        if subprocess.run(["infocmp", name], capture_output=True).returncode == 0:
            return name
    return "screen"


TERM = term_type()


class Tmux:
    """One tmux server on a socket in a private temporary folder, one window
    of a fixed size running /bin/sh."""

    def __init__(self, width=80, height=24, env=None):
        self.dir = tempfile.mkdtemp(prefix="dks-tmux-")
        self.commands = 0
        self.sock = os.path.join(self.dir, "sock")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.dir,
            "LC_ALL": "C.UTF-8",
            "PS1": "$ ",
            "TMPDIR": self.dir,
        }
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "G_DEBUG"):
            if name in os.environ:
                self.env[name] = os.environ[name]
        # A sanitizer build reports into files here, not onto the screen.
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            opts = self.env.get(name, "")
            self.env[name] = (opts + ":" if opts else "") + \
                f"log_path={self.dir}/sanitizer:print_stacktrace=1"
        if env:
            self.env.update(env)
        conf = os.path.join(self.dir, "tmux.conf")
        with open(conf, "w") as f:
            f.write(f'set -g default-terminal "{TERM}"\n'
                    "set -g status off\n"          # the whole window is the pane
                    "set -g escape-time 0\n"
                    "set -g set-clipboard on\n"    # OSC 52 lands in a tmux buffer
                    "set -g history-limit 100\n")
        self.tmux("-f", conf, "new-session", "-d", "-s", "t", "-x", str(width),
                  "-y", str(height), "-c", self.dir, "/bin/sh")
        self.wait_prompt()

    def tmux(self, *args, input=None):
        p = subprocess.run(["tmux", "-S", self.sock] + list(args), env=self.env,
                           input=input, capture_output=True, timeout=10)
        return p.stdout.decode("utf-8", "replace")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def text(self, text):
        """Literal text, each character a key (escape sequences included)."""
        self.tmux("send-keys", "-t", "t", "-l", text)

    def command(self, line):
        """Runs a shell command line in the window, then prints its status
        behind a marker numbered per command, so an earlier command's
        marker still on the screen never counts."""
        self.commands += 1
        self.text(f"{line}; echo END{self.commands}:$?")
        self.keys("Enter")

    def wait_exit(self, code=None):
        """Waits for the last command to end; (held, screen, status)."""
        marker = re.compile(r"^END%d:(\d+)$" % self.commands, re.M)
        ok, s = self.wait(lambda s: (m := marker.search(s)) is not None and
                          (code is None or int(m.group(1)) == code))
        m = marker.search(s)
        return ok, s, int(m.group(1)) if m else None

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", "t"] + (["-e"] if escapes else [])
        return self.tmux(*args)

    def flag(self, name):
        return self.tmux("display-message", "-p", "-t", "t", "#{" + name + "}").strip()

    def wait(self, cond, timeout=WAIT):
        """Polls until cond (a substring, a regex or a function of the screen)
        holds; returns (held, last screen).  A capture can catch a frame
        half written (the marker drawn, the rows below it not yet), so the
        screen returned is one taken a moment after cond first held, on
        which cond still holds: the test then reads a whole frame."""
        if isinstance(cond, str):
            text = cond
            cond = lambda s: text in s
        elif isinstance(cond, re.Pattern):
            pattern = cond
            cond = lambda s: pattern.search(s) is not None
        end = time.monotonic() + timeout
        while True:
            s = self.screen()
            if cond(s):
                time.sleep(SETTLE)
                settled = self.screen()
                if cond(settled):
                    return True, settled
            if time.monotonic() > end:
                where = sys._getframe(1)
                print(f"# wait timed out after {timeout:.0f} s "
                      f"(test-tui.py line {where.f_lineno})")
                return False, s
            time.sleep(0.05)

    def wait_prompt(self):
        """The shell's prompt: "$ ", or "# " where sh insists for root."""
        return self.wait(lambda s: s.rstrip().endswith(("$", "#")))

    def child_pid(self):
        """The process the window's shell runs in the foreground."""
        shell = int(self.flag("pane_pid"))
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        stat = f.read()
                except OSError:
                    continue
                if int(stat[stat.rindex(")") + 2:].split()[1]) == shell:
                    return int(entry)
        return None

    def sanitizer_reports(self):
        texts = []
        for name in sorted(os.listdir(self.dir)):
            if name.startswith("sanitizer"):
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    texts.append(f.read())
        return texts

    def close(self):
        self.tmux("kill-server")
        shutil.rmtree(self.dir, ignore_errors=True)


def dkimscope(*args):
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in (BINARY,) + args)
    return quoted


def demo_zone_args(zones=DEMO_ZONES):
    args = []
    for z in zones:
        args += ["--dns-zone", z]
    return args


def decided(screen):
    """The overview with a verdict (no longer "checking")."""
    return WHO in screen and verdict(screen) is not None


def verdict(screen):
    m = VERDICT.search(screen)
    return (m.group(1) or m.group(2)) if m else None


def check_at(screen):
    """Which check a check's screen shows (1-based), or None."""
    m = CHECK_AT.search(screen)
    return int(m.group(1)) if m else None


def restored(t):
    """The terminal as the shell wants it: main screen, cursor shown, keypad
    in normal mode."""
    return (t.flag("alternate_on"), t.flag("cursor_flag"), t.flag("keypad_flag")) == ("0", "1", "0")


ONLY = sys.argv[1:]   # names of tests to run (default: all)


def with_tmux(name, body, crashes=False, **kw):
    """Runs body(t) in a fresh tmux; afterwards, no sanitizer may have
    reported anything (unless the test crashes the program on purpose)."""
    if ONLY and name not in ONLY:
        return
    t = None
    started = time.monotonic()
    try:
        t = Tmux(**kw)
        body(t)
        reports = t.sanitizer_reports()
        if reports and not crashes:
            tap.ok(False, f"{name}: no sanitizer report", "\n".join(reports)[:4000])
    except Exception as e:  # a broken test must not hide the others
        tap.ok(False, name, f"{type(e).__name__}: {e}\n" + (t.screen() if t else ""))
    finally:
        if t:
            t.close()
        print(f"# {name}: {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------- tests

def test_demo(t):
    t.command(dkimscope("--demo"))
    ok, s = t.wait(decided)
    tap.ok(ok and verdict(s) == "permerror", "demo: the first screen shows the verdict and who must act", s)
    tap.ok(t.flag("alternate_on") == "1", "demo: the view uses the alternate screen")
    tap.ok("selector1" in s and "northwind.example.net" in s,
           "demo: the signature's d= and s= are on the first screen", s)
    t.keys("q")
    ok, s, _ = t.wait_exit(1)
    tap.ok(ok, "demo: q quits with the report's status, 1 (permerror)", s)


def test_walkthrough(t):
    t.command(dkimscope("--demo"))
    ok, first = t.wait(decided)
    # Enter opens the selected check: at first the one that decided the
    # verdict, the key lookup (the sixth), with its DNS evidence.
    t.keys("Enter")
    ok, s = t.wait(lambda s: check_at(s) == 6)
    tap.ok(ok and "Key lookup in DNS" in s and "NXDOMAIN" in s,
           "walkthrough: Enter opens the check that decided, with its evidence", s)
    t.keys("Right")
    ok, s = t.wait(lambda s: check_at(s) == 7)
    tap.ok(ok and "Key record" in s, "walkthrough: the right arrow goes on to the next check", s)
    t.keys("Left", "Left")
    ok, s = t.wait(lambda s: check_at(s) == 5)
    tap.ok(ok and "Signature time" in s, "walkthrough: the left arrow goes back", s)
    t.keys("Enter")
    ok, s = t.wait(lambda s: check_at(s) == 6)
    tap.ok(ok, "walkthrough: Enter on a check goes on to the next one", s)
    t.keys("Escape")
    ok, s = t.wait(lambda s: WHO in s and check_at(s) is None)
    tap.ok(ok, "walkthrough: Esc goes back to the overview", s)
    t.keys("q")
    t.wait_exit()


def key_help_texts():
    """Every command's help text in tui/keys.c: what the overlay must list."""
    with open(KEYS_C, encoding="utf-8") as f:
        source = f.read()
    texts = []
    for m in re.finditer(r'#define CMD_\w+ DKS_CMD_\w+, "[^"]*",\s*\\?\s*"([^"]*)"', source):
        texts.append(m.group(1))
    return texts


def test_help(t):
    t.command(dkimscope("--demo"))
    ok, s = t.wait(decided)
    t.keys("?")
    texts = key_help_texts()
    ok, s = t.wait(lambda s: HELP_TITLE in s and all(x[:40] in s for x in texts))
    missing = [x for x in texts if x[:40] not in s]
    tap.ok(ok and texts and not missing, "help: ? lists every command of the key table (120x50)",
           f"missing: {missing}\n{s}")
    t.keys("Escape")
    ok, s = t.wait(lambda s: HELP_TITLE not in s or WHO in s)
    tap.ok(ok and WHO in s, "help: Esc closes the overlay", s)
    t.keys("F1")
    ok, s = t.wait(HELP_TITLE)
    tap.ok(ok, "help: F1 opens it too", s)
    t.keys("Escape", "q")
    t.wait_exit()


def test_resize(t):
    t.command(dkimscope("--demo"))
    ok, s = t.wait(decided)
    for w, h in ((100, 30), (60, 20), (80, 24)):
        t.tmux("resize-window", "-t", "t", "-x", str(w), "-y", str(h))
        ok, s = t.wait(lambda s: WHO in s and len(s.splitlines()) == h and
                       s.splitlines()[-1].strip() != "")
        lines = s.splitlines()
        tap.ok(ok and all(len(l) <= w for l in lines),
               f"resize to {w}x{h}: verdict shown, the layout fills the new size", s)
    t.keys("q")
    ok, s, _ = t.wait_exit(1)
    tap.ok(ok, "resize: still answers keys", s)


def test_quit_restores(t):
    t.command(dkimscope("--demo"))
    t.wait(decided)
    t.keys("q")
    ok, s, _ = t.wait_exit(1)
    t.wait_prompt()
    tap.ok(ok and restored(t), "quit: main screen, cursor shown, keypad off",
           f"{t.flag('alternate_on')} {t.flag('cursor_flag')} {t.flag('keypad_flag')}\n{s}")
    t.command("echo DONE")
    ok, s = t.wait(re.compile(r"^DONE$", re.M))
    tap.ok(ok, "quit: the shell prompt is back and echoes", s)
    # Bracketed paste must be off again: cat -v shows the markers if not.
    t.text("cat -v")
    t.keys("Enter")
    t.tmux("set-buffer", "-b", "probe", "PASTED")
    t.tmux("paste-buffer", "-p", "-b", "probe", "-t", "t")
    t.keys("Enter")
    ok, s = t.wait("PASTED")
    t.keys("C-d")
    tap.ok(ok and "[200~" not in s, "quit: bracketed paste is off again", s)


def paste_mode_on(t):
    """Whether the program in the foreground has bracketed paste on: a
    paste-buffer -p into `cat -v` shows the markers then.  tmux 3.3a has no
    format for the mode.  Leaves cat running: end it with C-d."""
    t.text("clear; cat -v")
    t.keys("Enter")
    t.tmux("set-buffer", "-b", "probe", "PASTED")
    t.tmux("paste-buffer", "-p", "-b", "probe", "-t", "t")
    t.keys("Enter")
    ok, s = t.wait(re.compile(r"^(\^\[\[200~)?PASTED", re.M))
    return "[200~" in s, s


def no_mouse(t):
    return all(t.flag(f) == "0" for f in ("mouse_any_flag", "mouse_button_flag",
                                          "mouse_all_flag", "mouse_standard_flag",
                                          "mouse_sgr_flag", "mouse_utf8_flag"))


def test_suspend(t):
    """Ctrl-Z gives the shell a clean terminal; fg brings the view back."""
    t.command(dkimscope("--demo"))
    ok, s = t.wait(decided)
    t.keys("C-z")
    ok, s = t.wait(lambda s: "Stopped" in s and s.rstrip().endswith(("$", "#")))
    modes = f"{t.flag('alternate_on')} {t.flag('cursor_flag')} {t.flag('keypad_flag')}"
    tap.ok(ok and restored(t) and no_mouse(t),
           "Ctrl-Z: the shell's prompt, main screen, cursor shown, keypad and mouse off",
           modes + "\n" + s)
    pasting, s = paste_mode_on(t)
    t.keys("C-d")
    tap.ok(not pasting and "PASTED" in s, "Ctrl-Z: bracketed paste is off while suspended", s)
    t.wait_prompt()
    # The window changes size meanwhile: the view hears no SIGWINCH then.
    t.tmux("resize-window", "-t", "t", "-x", "100", "-y", "30")
    t.command("fg")
    ok, s = t.wait(lambda s: decided(s) and "Stopped" not in s and "PASTED" not in s and
                   len(s.splitlines()) == 30 and s.splitlines()[-1].strip() != "" and
                   re.search(r"^─ Checks ─{80,}$", s, re.M))
    tap.ok(ok and t.flag("alternate_on") == "1" and t.flag("cursor_flag") == "0",
           "fg: the view is redrawn whole at the new size, on the alternate screen, "
           "cursor hidden", s)
    # Bracketed paste is on again: pasted text is text (the paste screen),
    # never keys (its q would quit).
    t.tmux("set-buffer", "-b", "probe", "quiet")
    t.tmux("paste-buffer", "-p", "-b", "probe", "-t", "t")
    ok, s = t.wait(lambda s: PASTE_HINT in s and "quiet" in s)
    tap.ok(ok, "fg: bracketed paste is on again", s)
    t.keys("Escape")
    t.wait(decided)
    t.keys("q")
    ok, s, _ = t.wait_exit()
    tap.ok(ok and restored(t), "fg: q still quits and restores the terminal", s)


def test_signals(t):
    for sig, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP"),
                      (signal.SIGINT, "Ctrl-C"), (signal.SIGSEGV, "SIGSEGV"),
                      (signal.SIGABRT, "SIGABRT")):
        t.command("clear; " + dkimscope("--demo"))
        ok, s = t.wait(decided)
        if sig == signal.SIGINT:
            t.keys("C-c")
        else:
            pid = t.child_pid()
            if pid is None:
                tap.ok(False, f"{name}: found the process", s)
                continue
            os.kill(pid, sig)
        ok, s, code = t.wait_exit()
        fatal = sig in (signal.SIGSEGV, signal.SIGABRT)
        good_code = code is not None and (code != 0 if fatal else code == 128 + sig)
        tap.ok(good_code and restored(t), f"{name}: exits ({code}) and restores the terminal",
               f"{t.flag('alternate_on')} {t.flag('cursor_flag')} {t.flag('keypad_flag')}\n{s}")


def demo_headers():
    with open(DEMO_EML, "rb") as f:
        data = f.read().decode()
    head = data.split("\n\n", 1)[0]
    return head.replace("\r\n", "\n")


def test_paste_sequences(t):
    t.command(dkimscope(*demo_zone_args()))
    ok, s = t.wait(PASTE_HINT)
    tap.ok(ok, "paste: with no message the paste screen says how to finish", s)
    # As a terminal sends a paste: CR line ends inside ESC[200~ ... ESC[201~.
    headers = demo_headers()
    last = headers.splitlines()[-1].strip()
    t.text("\x1b[200~" + headers.replace("\n", "\r") + "\r\x1b[201~")
    ok, s = t.wait(last)
    tap.ok(ok and "END" not in s, "paste: the pasted header block shows on the paste screen", s)
    t.keys("C-d")
    ok, s = t.wait(decided)
    tap.ok(ok and verdict(s) in ("permerror", "neutral"),
           "paste: Ctrl-D analyses the headers at once", s)
    t.keys("q")
    ok, s, _ = t.wait_exit(1)
    tap.ok(ok, "paste: q quits after the analysis", s)


def test_paste_buffer(t):
    t.command(dkimscope(*demo_zone_args()))
    t.wait(PASTE_HINT)
    # tmux's own paste: bracketed only when the program asked for it.
    t.tmux("set-buffer", "-b", "mail", demo_headers() + "\n")
    t.tmux("paste-buffer", "-p", "-b", "mail", "-t", "t")
    ok, s = t.wait(demo_headers().splitlines()[-1].strip())
    t.keys("C-d")
    ok, s = t.wait(decided)
    tap.ok(ok, "paste: tmux paste-buffer -p (bracketed paste), then Ctrl-D", s)
    # p opens the paste screen again; letters there are text, not keys.
    t.keys("p")
    ok, s = t.wait(PASTE_HINT)
    t.text("q")
    ok2, s2 = t.wait(lambda s: "END" not in s and PASTE_HINT in s)
    tap.ok(ok and ok2, "paste: p opens the paste screen again; q there is text", s2)
    t.keys("BSpace", "Escape")
    ok, s = t.wait(decided)
    tap.ok(ok, "paste: Esc goes back to the message shown", s)
    t.keys("q")
    t.wait_exit()


def test_paste_whole_message(t):
    """The whole demo, body included, through tmux's paste (LF line ends
    become CR, as terminals send them): the body must arrive byte for byte
    as signed, so the body hash passes."""
    t.command(dkimscope(*demo_zone_args()))
    t.wait(PASTE_HINT)
    with open(DEMO_EML, "rb") as f:
        text = f.read().decode().replace("\r\n", "\n")
    t.tmux("set-buffer", "-b", "whole", text)
    t.tmux("paste-buffer", "-p", "-b", "whole", "-t", "t")
    t.wait(lambda s: "octets" in s and "0 octets" not in s)
    t.keys("C-d")
    ok, s = t.wait(lambda s: decided(s) and re.search(r"pass\s+Body hash", s))
    tap.ok(ok and verdict(s) == "permerror",
           "paste: a whole message pasted keeps its body exactly (body hash passes)", s)
    t.keys("q")
    t.wait_exit()


def test_paste_crlf(t):
    """Text with CRLF line ends, pasted: the terminal sends each LF as CR,
    so every CRLF arrives as CR CR.  The analysis must be the same as for
    the text with LF ends: the whole header block, not only its first
    field; and for the whole message its body byte for byte."""
    t.command(dkimscope(*demo_zone_args()))
    t.wait(PASTE_HINT)
    crlf = demo_headers().replace("\n", "\r\n") + "\r\n"
    t.tmux("set-buffer", "-b", "crlf", crlf)
    t.tmux("paste-buffer", "-p", "-b", "crlf", "-t", "t")
    lines = demo_headers().splitlines()
    # The header block as it was: its last two fields on adjacent lines.
    ok, s = t.wait(lambda s: re.search(r"^ " + re.escape(lines[-2]) + r" *\n " +
                                       re.escape(lines[-1]) + " *$", s, re.M))
    tap.ok(ok, "paste CRLF: no blank line after each header field", s)
    t.keys("C-d")
    ok, s = t.wait(decided)
    tap.ok(ok and verdict(s) in ("permerror", "neutral") and "Dana Whitfield" in s and
           "Q3 shipment" in s, "paste CRLF: the whole header block is analysed", s)
    # The whole message with CRLF ends: its blank lines stay blank lines.
    t.keys("p")
    t.wait(PASTE_HINT)
    with open(DEMO_EML, "rb") as f:
        whole = f.read().decode()
    t.tmux("set-buffer", "-b", "whole", whole)
    t.tmux("paste-buffer", "-p", "-b", "whole", "-t", "t")
    t.wait(lambda s: "octets" in s and "0 octets" not in s)
    t.keys("C-d")
    ok, s = t.wait(lambda s: decided(s) and re.search(r"pass\s+Body hash", s))
    tap.ok(ok and verdict(s) == "permerror",
           "paste CRLF: a whole CRLF message keeps its body exactly (body hash passes)", s)
    t.keys("q")
    t.wait_exit()


def test_hostile_header(t):
    """A header that tries to clear the screen, retitle the window and
    reverse the text is shown escaped and drives nothing."""
    path = os.path.join(t.dir, "hostile.eml")
    with open(path, "wb") as f:
        f.write(b"From: Mallory <m@example.com>\r\n"
                b"Subject: Invoice \x1b[2J\x1b]2;PWNED\x07 \xe2\x80\xaefdp.exe\r\n"
                b"Date: Sat, 01 Jun 2024 12:00:00 +0000\r\n"
                b"\r\nbody\r\n")
    title = t.flag("pane_title")
    t.command(dkimscope(*demo_zone_args(), path))
    ok, s = t.wait("Invoice")
    tap.ok(ok and "\\e[2J" in s and "<U+202E>" in s and "From:" in s,
           "hostile header: escape sequences and bidi overrides shown escaped", s)
    tap.ok(t.flag("pane_title") == title and "PWNED" not in t.flag("pane_title"),
           "hostile header: the window title is untouched", t.flag("pane_title"))
    t.keys("q")
    t.wait_exit()


def test_paste_file_path(t):
    t.command(dkimscope(*demo_zone_args()))
    t.wait(PASTE_HINT)
    t.text(DEMO_EML)
    t.keys("Enter", "C-d")
    ok, s = t.wait(decided)
    tap.ok(ok and verdict(s) == "permerror", "paste: a file's path opens that file", s)
    t.keys("q")
    t.wait_exit()


def test_pipe(t):
    t.command(f"cat '{DEMO_EML}' | " + dkimscope(*demo_zone_args()))
    ok, s = t.wait(decided)
    tap.ok(ok and verdict(s) == "permerror", "pipe: a message piped in opens the view", s)
    t.keys("Enter")
    ok, s = t.wait(lambda s: check_at(s) == 6)
    tap.ok(ok, "pipe: keys come from the terminal", s)
    t.keys("Escape", "q")
    ok, s, _ = t.wait_exit(1)
    tap.ok(ok and restored(t), "pipe: q quits and restores the terminal", s)


def test_report_when_piped(t):
    t.command(dkimscope("--demo") + " | cat")
    ok, s, _ = t.wait_exit()
    tap.ok(ok and "Overall: permerror" in s and t.flag("alternate_on") == "0",
           "report: stdout a pipe prints the text report, no view", s)
    t.command("clear; " + dkimscope("--demo", "--tui") + " | cat")
    ok, s = t.wait(decided)
    tap.ok(ok, "report: --tui opens the view although stdout is a pipe", s)
    t.keys("q")
    t.wait_exit()
    t.command("clear; " + dkimscope("--demo", "--report"))
    ok, s, _ = t.wait_exit()
    tap.ok(ok and "Overall: permerror" in s, "report: --report on a terminal prints the report", s)


def copy_demo_zones(t):
    """The demo's zone files copied into the test's folder, to be edited."""
    zdir = os.path.join(t.dir, "zones")
    os.mkdir(zdir)
    copies = []
    for z in DEMO_ZONES:
        copies.append(os.path.join(zdir, os.path.basename(z)))
        shutil.copy(z, copies[-1])
    return copies


def test_recheck(t):
    copies = copy_demo_zones(t)
    t.command(dkimscope(*demo_zone_args(copies), DEMO_EML))
    ok, s = t.wait(decided)
    tap.ok(ok and verdict(s) == "permerror", "re-check: the key is missing at first", s)
    # The tenant publishes selector1's key: the commented record in the zone.
    tenant = copies[1]
    with open(tenant) as f:
        text = f.read()
    published = re.sub(r"^;\s*(selector1-northwind-example-net\._domainkey)", r"\1", text,
                       flags=re.M)
    if published == text:
        tap.ok(False, "re-check: the demo zone has the commented selector1 record")
        return
    with open(tenant, "w") as f:
        f.write(published)
    t.keys("r")
    ok, s = t.wait(lambda s: verdict(s) == "pass")
    tap.ok(ok, "re-check: r looks the key up again and the signature passes", s)
    t.keys("q")
    t.wait_exit()


def test_copy_and_save(t):
    t.command(dkimscope("--demo"))
    t.wait(decided)
    t.keys("c")
    ok, s = t.wait("OSC 52")
    buf = t.tmux("show-buffer")
    tap.ok(ok and "dkimscope report" in buf, "copy: c puts the report on the clipboard (OSC 52)",
           s + "\nbuffer: " + buf[:200])
    t.keys("s")
    ok, s = t.wait("dkimscope-report.txt")
    t.keys("Enter")
    ok, s = t.wait("Saved")
    path = os.path.join(t.dir, "dkimscope-report.txt")
    saved = open(path).read() if os.path.exists(path) else ""
    tap.ok(ok and "dkimscope report" in saved, "save: s, Enter writes ./dkimscope-report.txt", s)
    with open(path, "w") as f:
        f.write("mine\n")
    t.keys("s")
    t.wait("dkimscope-report.txt")
    t.keys("Enter")
    ok, s = t.wait("Overwrite")
    t.keys("n", "Escape")
    ok2, s2 = t.wait("Not saved")
    tap.ok(ok and ok2 and open(path).read() == "mine\n",
           "save: never overwrites without asking", s + s2)
    t.keys("s")
    t.wait("dkimscope-report.txt")
    t.keys("Enter")
    t.wait("Overwrite")
    t.keys("y")
    ok, s = t.wait("Saved")
    tap.ok(ok and "dkimscope report" in open(path).read(), "save: y overwrites", s)
    t.keys("q")
    t.wait_exit()


def test_lookup(t):
    """--lookup: the same overview, walkthrough and guidance as a message,
    for the key checks alone."""
    t.command(dkimscope("--demo", "--lookup", "selector2", "northwind.example.net"))
    ok, s = t.wait(lambda s: verdict(s) == "pass")
    tap.ok(ok and "Key (selector lookup)" in s and "2048-bit RSA key is published" in s
           and "Body hash" not in s,
           "lookup: --lookup shows the key's verdict and only the key checks", s)
    t.keys("Enter")
    ok, s = t.wait(CHECK_AT)
    m = CHECK_AT.search(s)
    tap.ok(ok and m and m.group(2) == "3" and "selector lookup" in s,
           "lookup: Enter opens the deciding check, one of three", s)
    t.keys("Right")
    ok, s = t.wait("last check")
    tap.ok(ok, "lookup: the walkthrough ends at the key's strength", s)
    t.keys("Left", "Left", "Left")
    ok, s = t.wait("first check")
    tap.ok(ok and "check 1 of 3" in s and "Key lookup in DNS" in s,
           "lookup: and starts at the key lookup", s)
    t.keys("t")
    ok, s = t.wait("selector lookup")
    tap.ok(ok and "The key in DNS" in s and "No DKIM-Signature" in s,
           "lookup: t teaches the DNS hops with no signature to take apart", s)
    t.keys("q")
    ok, s, _ = t.wait_exit(0)
    tap.ok(ok, "lookup: q quits", s)
    out = os.path.join(t.dir, "lookup-report.txt")
    t.command("clear; " + dkimscope("--demo", "--report", "--lookup", "selector1",
                                    "northwind.example.net") + " >" + out)
    ok, s, _ = t.wait_exit(1)
    with open(out) as f:
        report = f.read()
    tap.ok(ok and "key-not-found" in report and "NXDOMAIN" in report,
           "lookup: as a report, with the DNS evidence and exit status 1", s + report)


def test_lookup_key(t):
    """l in the view: a prompt filled with the selected signature's selector
    and domain; one edit checks the other Microsoft 365 selector."""
    t.command(dkimscope("--demo"))
    t.wait(decided)
    t.keys("l")
    ok, s = t.wait("Look up SELECTOR DOMAIN: selector1 northwind.example.net")
    tap.ok(ok, "lookup key: l asks for a selector, filled from the signature", s)
    t.keys("Escape")
    ok, s = t.wait("Not looked up")
    tap.ok(ok and verdict(s) == "permerror", "lookup key: Esc cancels", s)
    t.keys("l", "C-u")
    t.text("selector2 northwind.example.net")
    t.keys("Enter")
    ok, s = t.wait(lambda s: verdict(s) == "pass" and "Key (selector lookup)" in s)
    tap.ok(ok and "selector2._domainkey.northwind.example.net" in s,
           "lookup key: Enter looks the typed selector up", s)
    t.keys("l", "C-u")
    t.text("bad_selector! example.com")
    t.keys("Enter")
    ok, s = t.wait("Not looked up")
    tap.ok(ok and "selector2._domainkey" in s,
           "lookup key: a selector that is no DNS label is refused, the view stays", s)
    t.keys("Escape", "p")
    t.wait(PASTE_HINT)
    t.text("selector1._domainkey.northwind.example.net")
    t.keys("C-d")
    ok, s = t.wait(lambda s: verdict(s) == "permerror" and "Key (selector lookup)" in s)
    tap.ok(ok and "Microsoft 365" in s,
           "lookup key: a pasted key name is looked up, with the Microsoft 365 verdict", s)
    t.keys("q")
    t.wait_exit()


def test_lookup_recheck(t):
    copies = copy_demo_zones(t)
    t.command(dkimscope(*demo_zone_args(copies), "--lookup", "selector1",
                        "northwind.example.net"))
    ok, s = t.wait(lambda s: verdict(s) == "permerror")
    tap.ok(ok, "lookup re-check: the key is missing at first", s)
    with open(copies[1]) as f:
        text = f.read()
    with open(copies[1], "w") as f:
        f.write(re.sub(r"^;\s*(selector1-northwind-example-net\._domainkey)", r"\1", text,
                       flags=re.M))
    t.keys("r")
    # The status line is drawn last: wait for it, not for a half-drawn frame.
    ok, s = t.wait(lambda s: verdict(s) == "pass" and "Re-checked" in s)
    tap.ok(ok and "Key type and size" in s and "skipped" not in s,
           "lookup re-check: r finds the key published now", s)
    t.keys("q")
    t.wait_exit()


FIXTURE_NOW = "1717250400"   # tests/fixtures/README.md


def fixture(name):
    return os.path.join(dkstest.FIXTURES, "messages", name)


def test_exit_status(t):
    """q leaves with the status the report gives for what is shown: 0 pass,
    1 a lasting failure, 2 only temporary ones, 3 no signature.  Answers
    still awaited count as timed out (2), unless a check before them has
    already decided; with nothing analysed, 64, as the report says when
    given no message."""
    zones = fixturezones.zone_args() + ["--now", FIXTURE_NOW]
    cases = (
        ("pass", "pass-simple-simple.eml", lambda s: verdict(s) == "pass", 0),
        ("no signature", "none-unsigned.eml", "no DKIM-Signature", 3),
        ("temperror", "temperror-dns.eml", lambda s: verdict(s) == "temperror", 2),
        ("permerror", "permerror-key-not-found.eml", lambda s: verdict(s) == "permerror", 1),
    )
    for name, message, shown, code in cases:
        t.command("clear; " + dkimscope(*zones, fixture(message)))
        ok, s = t.wait(shown)
        t.keys("q")
        ok2, s2, got = t.wait_exit(code)
        tap.ok(ok and ok2, f"exit status: q on {name} exits {code} (got {got})", s + s2)
    # A resolver that never answers: q while the lookups are pending.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        resolver = ["--resolver", "127.0.0.1@%d" % silent.getsockname()[1],
                    "--dns-timeout", "60", "--now", FIXTURE_NOW]
        pending = (
            ("the demo", [DEMO_EML], lambda s: "s=selector1" in s and verdict(s) is None, 2),
            # From is not signed: decided before the key lookup, which
            # cannot change it.
            ("from-not-signed", [fixture("permerror-from-not-signed.eml")],
             lambda s: verdict(s) == "permerror", 1),
            ("a selector lookup", ["--lookup", "selector1", "example.com"],
             lambda s: "Key (selector lookup)" in s and "checking" in s, 2),
        )
        for name, args, shown, code in pending:
            t.command("clear; " + dkimscope(*resolver, *args))
            ok, s = t.wait(shown)
            t.keys("q")
            ok2, s2, got = t.wait_exit(code)
            tap.ok(ok and ok2, f"exit status: q on {name} with DNS answers pending exits "
                   f"{code} (got {got})", s + s2)
    finally:
        silent.close()
    t.command("clear; " + dkimscope(*zones))
    ok, s = t.wait(PASTE_HINT)
    t.keys("C-d")
    ok2, s2, got = t.wait_exit(64)
    tap.ok(ok and ok2, f"exit status: leaving the paste screen with nothing analysed exits 64 "
           f"(got {got})", s + s2)


README = os.path.join(dkstest.SOURCE, "README.md")


def readme_mail_client_lines():
    """The README's one-liners for mail clients, exactly as written there:
    (the mutt/neomutt macro, the aerc binding)."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    part = text.split("**From a mail client.**", 1)[1]
    block = part.split("```text", 1)[1].split("```", 1)[0]
    lines = [l for l in block.splitlines() if l.strip() and not l.startswith("#")]
    macro = next(l for l in lines if l.startswith("macro "))
    aerc = next(l for l in lines if ":pipe" in l)
    return macro, aerc


def mail_setup(t):
    """In the test's folder: a `dkimscope` first on PATH that answers DNS
    from the demo's and the fixtures' zone files at the fixtures' time (so
    the README's commands run as written), and two messages, a passing
    fixture and the demo: as an mbox and as a maildir."""
    bindir = os.path.join(t.dir, "bin")
    os.mkdir(bindir)
    zones = DEMO_ZONES + fixturezones.zone_files()
    args = " ".join(f"--dns-zone '{z}'" for z in zones)
    with open(os.path.join(bindir, "dkimscope"), "w") as f:
        f.write(f"#!/bin/sh\nexec '{BINARY}' --now {FIXTURE_NOW} {args} \"$@\"\n")
    os.chmod(os.path.join(bindir, "dkimscope"), 0o755)
    messages = []
    for path in (fixture("pass-simple-simple.eml"), DEMO_EML):
        with open(path, "rb") as f:
            messages.append(f.read().replace(b"\r\n", b"\n"))
    mbox = os.path.join(t.dir, "inbox")
    with open(mbox, "wb") as f:
        for m in messages:
            f.write(b"From dana@example.net Sat Jun  1 12:00:00 2024\n" + m + b"\n")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(t.dir, "Maildir", "INBOX", sub))
    for i, m in enumerate(messages):
        name = f"17172432{i:02d}.{i}.dkimscope:2,S"
        with open(os.path.join(t.dir, "Maildir", "INBOX", "cur", name), "wb") as f:
            f.write(m)
    t.command(f"PATH='{bindir}':$PATH; export PATH; clear")
    t.wait_exit()
    return mbox


def demo_view(s):
    return decided(s) and "Q3 shipment" in s and verdict(s) == "permerror"


def drive_mutt(t, program, status):
    """mutt or neomutt with the README's macro, read-only on the mbox: the
    key in the index on the second message, then in its pager; each time
    the view shows that message's verdict, and after q (and the key mutt
    asks for) mutt's screen is back as it was."""
    macro, _ = readme_mail_client_lines()
    mbox = mail_setup(t)
    muttrc = os.path.join(t.dir, "muttrc")
    with open(muttrc, "w") as f:
        f.write(f"set folder='{t.dir}'\nset spoolfile='{mbox}'\n{macro}\n")
    t.command(f"{program} -n -F '{muttrc}' -R -f '{mbox}'")
    ok, index = t.wait(lambda s: "Q3 shipment" in s and "Quarterly figures" in s and
                       status in s)
    tap.ok(ok, f"{program}: opens the mbox", index)
    t.keys("j", "C-k")
    ok, s = t.wait(demo_view)
    tap.ok(ok, f"{program}: the README's key in the index opens the view on the current "
           "message, with its verdict", s)
    t.keys("q")
    ok, s = t.wait("Press any key")
    t.keys("Space")
    ok, s = t.wait(lambda s: s == index)
    tap.ok(ok and t.flag("alternate_on") == "1",
           f"{program}: after q, the index is back intact", s + "\n---- before:\n" + index)
    t.keys("Enter")
    ok, pager = t.wait(re.compile(r"2/2: Dana Whitfield +Q3 shipment"))
    t.keys("C-k")
    ok2, s = t.wait(demo_view)
    tap.ok(ok and ok2, f"{program}: the README's key in the pager opens the view", s)
    t.keys("q")
    t.wait("Press any key")
    t.keys("Space")
    ok, s = t.wait(lambda s: s == pager)
    tap.ok(ok, f"{program}: after q, the pager is back intact", s + "\n---- before:\n" + pager)
    t.keys("q", "q")
    ok, s, _ = t.wait_exit(0)
    tap.ok(ok, f"{program}: quits cleanly", s)


def test_mutt(t):
    drive_mutt(t, "mutt", "Mutt: ")


def test_neomutt(t):
    drive_mutt(t, "neomutt", "NeoMutt: ")


AERC_VIEW_DEFAULT = "<C-k> = :prev-part<Enter>"


def aerc_binds(binding):
    """Debian's default binds.conf changed as the README says: the binding
    added to [messages], and in [view] put in place of the default
    AERC_VIEW_DEFAULT.  None when that file is not as the README expects."""
    with open("/usr/share/aerc/binds.conf", encoding="utf-8") as f:
        lines = f.read().splitlines()
    out, section, done = [], None, set()
    for line in lines:
        if line.startswith("["):
            section = line.strip()
        if section == "[view]" and line.strip() == AERC_VIEW_DEFAULT:
            out.append(binding)
            done.add(section)
            continue
        out.append(line)
        if line.strip() == "[messages]":
            out.append(binding)
            done.add(section)
    return "\n".join(out) + "\n" if done == {"[messages]", "[view]"} else None


def aerc_pipe(t):
    """Presses the README's key in aerc and waits for the view.  aerc 0.14
    sometimes adds the terminal tab without redrawing, and starts the
    command only at its next redraw: Esc then, as the README says."""
    t.keys("C-k")
    ok, s = t.wait(demo_view, timeout=min(WAIT, 2))
    if not ok:
        print("# aerc did not redraw after the key: pressing Esc")
        t.keys("Escape")
        ok, s = t.wait(demo_view)
    return ok, s


def test_aerc(t):
    """aerc on a local maildir (no network): the README's binding in the
    message list and in the viewer opens the view in an aerc terminal tab;
    q, and the key aerc asks for, closes the tab."""
    _, binding = readme_mail_client_lines()
    mail_setup(t)
    conf = os.path.join(t.dir, "config", "aerc")
    os.makedirs(conf)
    with open(os.path.join(conf, "accounts.conf"), "w") as f:
        f.write(f"[local]\nsource = maildir://{t.dir}/Maildir\ndefault = INBOX\n"
                "from = Test <test@example.com>\noutgoing = /bin/false\n")
    os.chmod(os.path.join(conf, "accounts.conf"), 0o600)
    binds = aerc_binds(binding)
    if not tap.ok(binds is not None, "aerc: Debian's binds.conf has [messages] and, in "
                  f"[view], {AERC_VIEW_DEFAULT} (README)"):
        return
    with open(os.path.join(conf, "binds.conf"), "w") as f:
        f.write(binds)
    shutil.copy("/usr/share/aerc/aerc.conf", conf)
    t.command(f"XDG_CONFIG_HOME='{t.dir}/config' aerc")
    ok, msglist = t.wait(lambda s: "Q3 shipment" in s and "Quarterly" in s and
                         "Connected" in s)
    tap.ok(ok, "aerc: opens the local maildir", msglist)
    # The newest message is at the top and selected: the demo.
    ok, s = aerc_pipe(t)
    tap.ok(ok, "aerc: the README's binding in the message list opens the view on the "
           "selected message, with its verdict", s)
    t.keys("q")
    ok, s = t.wait("press any key to close")
    t.keys("Space")
    ok2, s = t.wait(lambda s: s == msglist)
    tap.ok(ok and ok2, "aerc: after q and a key, the message list is back intact",
           s + "\n---- before:\n" + msglist)
    t.keys("Enter")
    ok, viewer = t.wait(lambda s: "Hi Priya" in s)
    ok2, s = aerc_pipe(t)
    tap.ok(ok and ok2, "aerc: the README's binding in the viewer opens the view", s)
    t.keys("q")
    t.wait("press any key to close")
    t.keys("Space")
    ok, s = t.wait(lambda s: s == viewer)
    tap.ok(ok, "aerc: after q and a key, the viewer is back", s + "\n---- before:\n" + viewer)
    t.text(":quit")
    t.keys("Enter")
    ok, s, _ = t.wait_exit(0)
    tap.ok(ok, "aerc: quits cleanly", s)


def with_mail_client(name, program, body):
    if ONLY and name not in ONLY:
        return
    if shutil.which(program) is None:
        tap.skip(name, f"{program} is not installed (dev.sh installs it)")
        return
    with_tmux(name, body)


def test_no_color(t):
    t.command(dkimscope("--demo"))
    ok, s = t.wait(decided)
    colored = re.search(r"\x1b\[[0-9;]*3[1-7]m|\x1b\[[0-9;]*38;5;", t.screen(escapes=True))
    tap.ok(ok and colored is not None, "colour: used on a colour terminal")
    t.keys("q")
    t.wait_exit()
    for how, cmd in (("NO_COLOR=1", "NO_COLOR=1 " + dkimscope("--demo")),
                     ("--no-color", dkimscope("--demo", "--no-color")),
                     ("TERM=vt100 (monochrome)", "TERM=vt100 " + dkimscope("--demo"))):
        t.command("clear; " + cmd)
        ok, s = t.wait(decided)
        raw = t.screen(escapes=True)
        colored = re.search(r"\x1b\[[0-9;]*(3[1-7]|4[1-7]|38;5;\d+)m", raw)
        tap.ok(ok and colored is None and verdict(s) == "permerror",
               f"colour: none with {how}, the verdict still in words", raw[:600])
        t.keys("q")
        t.wait_exit()


def test_ascii_locale(t):
    t.command("LC_ALL=C " + dkimscope("--demo"))
    ok, s = t.wait(decided)
    tap.ok(ok and all(ord(c) < 128 for c in s), "locale C: ASCII only on the screen",
           "".join(sorted({c for c in s if ord(c) >= 128})) + "\n" + s)
    t.keys("q")
    t.wait_exit()


def test_no_terminal():
    """--tui with no terminal at all (no controlling tty): a clear error."""
    if ONLY and "no terminal" not in ONLY:
        return
    p = subprocess.run([BINARY, "--tui", "--demo"], capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL, start_new_session=True,
                       env=dict(os.environ, LC_ALL="C.UTF-8"))
    err = p.stderr.decode(errors="replace")
    tap.ok(p.returncode == 69 and "terminal" in err and "--report" in err,
           "no terminal: --tui exits 69 and says to use --report", f"{p.returncode}: {err}")


def main():
    # meson ends a test that runs too long with SIGTERM: leave through the
    # finally clauses, so every tmux server is killed and its folder removed.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(128 + sig))
    if shutil.which("tmux") is None:
        print("1..0 # SKIP tmux is not installed")
        return 0
    test_no_terminal()
    with_tmux("demo", test_demo)
    with_tmux("walkthrough", test_walkthrough)
    with_tmux("help", test_help, width=120, height=50)
    with_tmux("resize", test_resize)
    with_tmux("quit", test_quit_restores)
    with_tmux("signals", test_signals, crashes=True)
    with_tmux("suspend", test_suspend)
    with_tmux("paste sequences", test_paste_sequences)
    with_tmux("paste buffer", test_paste_buffer)
    with_tmux("paste path", test_paste_file_path)
    with_tmux("paste whole", test_paste_whole_message)
    with_tmux("paste crlf", test_paste_crlf)
    with_tmux("hostile", test_hostile_header)
    with_tmux("pipe", test_pipe)
    with_tmux("report", test_report_when_piped)
    with_tmux("re-check", test_recheck)
    with_tmux("copy and save", test_copy_and_save)
    with_tmux("lookup", test_lookup)
    with_tmux("lookup key", test_lookup_key)
    with_tmux("lookup re-check", test_lookup_recheck)
    with_tmux("exit status", test_exit_status)
    with_mail_client("mutt", "mutt", test_mutt)
    with_mail_client("neomutt", "neomutt", test_neomutt)
    with_mail_client("aerc", "aerc", test_aerc)
    with_tmux("colour", test_no_color)
    with_tmux("ascii", test_ascii_locale)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
