#!/usr/bin/env bash
# Checks scripts/plot_memory.py on real `infomorph memory --json` outputs at small N: the
# figures it should write, and the error path (status 2, the file named on stderr).
# usage: plot_memory_test.sh PATH/TO/plot_memory.py PATH/TO/infomorph
set -u
script="$1"
bin="$2"
export OPENBLAS_NUM_THREADS=1
source "$(dirname "$0")/plot_lib.sh"
is_png() { cmp -s <(head -c 8 "$1") <(printf '\x89PNG\r\n\x1a\n'); }

"$bin" memory -N 16 --capacity --rule hebb --from 0.0625 --step 0.0625 --to 1 --seeds 2 --json >"$tmp/hebb16.json" || fail "hebb16 run"
"$bin" memory -N 32 --capacity --rule hebb --from 0.03125 --step 0.03125 --to 1 --seeds 2 --json >"$tmp/hebb32.json" || fail "hebb32 run"
"$bin" memory -N 16 --capacity --epochs 100 --from 0.25 --step 0.25 --to 1 --json >"$tmp/info16.json" || fail "info16 run"
"$bin" memory -N 16 --load 0.5 --epochs 50 --full-training --json >"$tmp/load.json" || fail "load run"

if "$python" "$script" "$tmp/hebb16.json" "$tmp/hebb32.json" "$tmp/info16.json" "$tmp/load.json" --out "$tmp/figs" >"$tmp/out" 2>"$tmp/err"; then
  [ -s "$tmp/err" ] && fail "unexpected stderr: $(cat "$tmp/err")"
  for f in recall.png atoms.png capacity.png; do
    if [ ! -f "$tmp/figs/$f" ] || ! is_png "$tmp/figs/$f"; then fail "$f missing or not a PNG"; fi
    grep -qx "$tmp/figs/$f" "$tmp/out" || fail "$f not printed"
  done
  [ "$(ls "$tmp/figs" | wc -l)" -eq 3 ] || fail "expected 3 figures, got $(ls "$tmp/figs")"
else
  fail "plot failed: $(cat "$tmp/err")"
fi

# One sweep at one N: no capacity figure.
if "$python" "$script" "$tmp/hebb16.json" --out "$tmp/one" >"$tmp/out" 2>"$tmp/err"; then
  [ "$(ls "$tmp/one")" = "recall.png" ] || fail "one sweep: got $(ls "$tmp/one")"
else
  fail "one sweep failed: $(cat "$tmp/err")"
fi

echo '{"neurons": 16, "rule": "hebb"}' >"$tmp/bad.json"
"$python" "$script" "$tmp/bad.json" --out "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "malformed file: status not 2"
grep -q "bad.json" "$tmp/err" || fail "malformed file: stderr lacks the file name: $(cat "$tmp/err")"
[ -e "$tmp/bad" ] && [ -n "$(ls "$tmp/bad")" ] && fail "malformed file: figures written"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all plot_memory.py checks passed"
