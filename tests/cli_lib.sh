# Shared by the command-line test scripts (sourced): a temporary directory removed on exit,
# fail (counts failures), and expect_error NAME MESSAGE-FRAGMENT ARGS..., which checks the
# error path of every command: status 2, one line on stderr containing the fragment (fixed
# text), nothing on stdout.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { local m="$*"; echo "FAIL: ${m:0:1000}"; failures=$((failures + 1)); }

expect_error() {
  local name="$1" fragment="$2"; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  [ "$status" -eq 2 ] || fail "$name: exit status $status, expected 2"
  [ -s "$tmp/out" ] && fail "$name: stdout not empty: $(head -c 200 "$tmp/out")"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$tmp/err")"
  grep -qF -- "$fragment" "$tmp/err" || fail "$name: stderr lacks '$fragment': $(cat "$tmp/err")"
}
