# lib.sh - what the CLI test scripts share; sourced by them after they set GLIF.
# Sets SRC (the source tree) and TMP (removed on exit), counts failures, and gives:
#   fail MESSAGE...             report a failure and count it
#   run EXPECTED_STATUS ARGS... run glif ARGS, stdout to $TMP/out, stderr to $TMP/err,
#                               and fail unless it exits with EXPECTED_STATUS
#   has out|err TEXT            fail unless that output holds TEXT
SRC=${GLIF_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

run() {
  local want=$1; shift
  "$GLIF" "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "glif $* exited $got, want $want; stderr: $(cat "$TMP/err")"
}

has() { grep -qF -- "$2" "$TMP/$1" || fail "$1 lacks: $2 (it has: $(head -c 400 "$TMP/$1"))"; }
