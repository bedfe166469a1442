#!/usr/bin/env bash
# Checks scripts/plot_sizes.py on synthetic run directories: the table's rows against values
# computed here, the figure, and the error path (status 2, the file named, no PNG left behind).
# usage: plot_sizes_test.sh PATH/TO/plot_sizes.py
set -u
script="$1"
source "$(dirname "$0")/plot_lib.sh"

# run N PARTNERS TEST SECONDS...: a run directory as `infomorph train` leaves it (2 epochs, the
# test accuracy logged on the last only; the one-neuron layer's pairwise distance is null).
run() {
  local d="$tmp/N$1"; mkdir -p "$d"
  printf '{"kind": "context_lateral", "hidden": %s, "partners": %s, "epochs": 2}\n' "$1" "$2" >"$d/config.json"
  printf '{"epoch": 1, "train_accuracy": 0.5, "diversity": {"hidden": {"self": 0.1, "pairwise": null}}}\n' >"$d/log.jsonl"
  printf '{"epoch": 2, "train_accuracy": 0.6, "test_accuracy": %s}\n' "$3" >>"$d/log.jsonl"
  printf '{"epoch": 1, "seconds": %s}\n{"epoch": 2, "seconds": %s}\n' "$4" "$5" >"$d/timing.jsonl"
}
run 1 0 0.1 0.5 0.25
run 2000 100 0.975 30 32.5
run 300 100 0.9 1 1

"$python" "$script" "$tmp/N2000" "$tmp/N1" "$tmp/N300" --out "$tmp/fig" >"$tmp/out" 2>"$tmp/err" \
  || fail "three runs: status $? ($(cat "$tmp/err"))"
# Sorted by N; the paper's medians for N = 1 and 2000 (18.88 %, 97.53 %), none for N = 300.
grep -qxF '| 1 | all others | 18.88 % | 10.00 % | 10.00 | -8.88 | 1 s (1 × 2 epochs) |' "$tmp/out" || fail "row N = 1: $(cat "$tmp/out")"
grep -qxF '| 2000 | 100 | 97.53 % | 97.50 % | 97.50 | -0.03 | 62 s (1 × 2 epochs) |' "$tmp/out" || fail "row N = 2000: $(cat "$tmp/out")"
grep -qxF '| 300 | 100 |  | 90.00 % | 90.00 |  | 2 s (1 × 2 epochs) |' "$tmp/out" || fail "row N = 300: $(cat "$tmp/out")"
[ "$(grep '^| [0-9]' "$tmp/out" | cut -d'|' -f2 | tr -d ' ' | tr '\n' ,)" = "1,300,2000," ] || fail "rows not sorted by N"
grep -qx 'total training time: 65 s' "$tmp/out" || fail "total time: $(cat "$tmp/out")"
[ -s "$tmp/fig/sizes.png" ] || fail "no sizes.png"

# Seeds of one size form one row: their values in the order given, their median, summed times.
mkdir -p "$tmp/seeds"
for s in 1 2 3; do cp -r "$tmp/N2000" "$tmp/seeds/s$s"; done
sed -i 's/"test_accuracy": 0.975/"test_accuracy": 0.97/' "$tmp/seeds/s2/log.jsonl"
sed -i 's/"test_accuracy": 0.975/"test_accuracy": 0.99/' "$tmp/seeds/s3/log.jsonl"
"$python" "$script" "$tmp/seeds/s3" "$tmp/seeds/s1" "$tmp/seeds/s2" --out "$tmp/fig4" >"$tmp/out" 2>"$tmp/err" || fail "seeds: status $?"
grep -qxF '| 2000 | 100 | 97.53 % | 97.50 % | 99.00, 97.50, 97.00 | -0.03 | 188 s (3 × 2 epochs) |' "$tmp/out" \
  || fail "seeds: $(cat "$tmp/out")"
# Older binaries logged the epoch times in log.jsonl itself (no timing.jsonl): they count.
rm "$tmp/N300/timing.jsonl"
sed -i 's/"epoch": 1,/"epoch": 1, "seconds": 4,/; s/"epoch": 2,/"epoch": 2, "seconds": 5.5,/' "$tmp/N300/log.jsonl"
"$python" "$script" "$tmp/N300" --out "$tmp/fig1" >"$tmp/out" 2>"$tmp/err" || fail "older log: status $? ($(cat "$tmp/err"))"
grep -qxF '| 300 | 100 |  | 90.00 % | 90.00 |  | 10 s (1 × 2 epochs) |' "$tmp/out" || fail "older log: $(cat "$tmp/out")"
# Epoch times in neither file: status 2, the file named, nothing written.
sed -i 's/"seconds": [0-9.]*, //' "$tmp/N300/log.jsonl"
"$python" "$script" "$tmp/N1" "$tmp/N300" --out "$tmp/fig2" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "no epoch times: not status 2"
grep -qF "N300/log.jsonl:1: expected an object with a number 'seconds'" "$tmp/err" || fail "no epoch times: not named ($(cat "$tmp/err"))"
[ ! -e "$tmp/fig2/sizes.png" ] || fail "no epoch times: a PNG was written"
# A run whose last epoch has no test accuracy.
run 5 0 0.5 1 1
sed -i 's/, "test_accuracy": 0.5//' "$tmp/N5/log.jsonl"
"$python" "$script" "$tmp/N5" --out "$tmp/fig3" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -qF "N5/log.jsonl: the last epoch has no test_accuracy" "$tmp/err" || fail "no test accuracy: $(cat "$tmp/err")"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all plot_sizes.py checks passed"
