#!/usr/bin/env bash
# dev.sh — the README's two commands, plus a sanitizer run.
#   ./dev.sh run [ARGS]   install what is missing, build, run dkimscope
#                         (no ARGS: the bundled offline demo)
#   ./dev.sh test         install what is missing, build, run every suite;
#                         last line: "tests: N passed, M failed"
#   ./dev.sh sanitize     the same suites under ASan/UBSan (build-asan/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Debian 12 packages: to build and run, and what the tests use besides
# (independent DKIM signers/verifiers, real DNS servers, tmux, valgrind,
# man to render the generated man page, the mail clients whose README
# one-liners the tui suite runs).
build_packages=(gcc pkg-config meson ninja-build libglib2.0-dev
  libgmime-3.0-dev libunbound-dev libevent-dev libssl-dev libncurses-dev
  libjson-glib-dev libpsl-dev dns-root-data)
test_packages=(python3 python3-dkim libmail-dkim-perl nsd knot unbound
  knot-dnsutils ldnsutils tmux valgrind man-db groff-base mutt neomutt aerc)

missing_packages() {
  local p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
      printf '%s ' "$p"
    fi
  done
}

install_packages() {
  local missing
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "dev.sh: these Debian packages are missing: $missing" >&2
    echo "dev.sh: install them, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing" >&2
    exit 1
  fi
  echo "dev.sh: installing $missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >&2
}

build() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >&2
  fi
  ninja -C "$dir" >&2
}

# Runs every meson suite in $1 and prints the closing count from meson's
# own log, so the last line is the same whatever meson's version prints.
run_tests() {
  local dir=$1 status=0
  meson test -C "$dir" --print-errorlogs --num-processes 2 || status=$?
  python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1
    else: failed += 1
print(f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
  return $status
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
case "$cmd" in
  run)
    install_packages "${build_packages[@]}"
    build build
    if [ $# -eq 0 ]; then
      set -- --demo
    fi
    exec build/tui/dkimscope "$@"
    ;;
  test)
    install_packages "${build_packages[@]}" "${test_packages[@]}"
    build build
    run_tests build
    ;;
  sanitize)
    install_packages "${build_packages[@]}" "${test_packages[@]}"
    build build-asan -Db_sanitize=address,undefined -Db_lundef=false
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 run_tests build-asan
    ;;
  *)
    echo "usage: ./dev.sh run [ARGS] | test | sanitize" >&2
    exit 64
    ;;
esac
