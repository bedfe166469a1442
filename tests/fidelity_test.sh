#!/usr/bin/env bash
# Checks scripts/fidelity.py on synthetic run logs whose statistics are known in closed form:
# a perfectly monotone set (Spearman 1, the exact line), ties, bands, --floor, and the error
# and --skip-unfinished paths.
# usage: fidelity_test.sh PATH/TO/fidelity.py
set -u
script="$1"
source "$(dirname "$0")/plot_lib.sh"

# run NAME VALIDATION_AT_2 FINAL_TEST: a 3-epoch log, test accuracy on the last epoch only.
run() {
  mkdir -p "$tmp/$1"
  { printf '{"epoch": 1, "train_accuracy": 0.5, "validation_accuracy": 0.5}\n'
    printf '{"epoch": 2, "train_accuracy": 0.6, "validation_accuracy": %s}\n' "$2"
    printf '{"epoch": 3, "train_accuracy": 0.7, "validation_accuracy": 0.9, "test_accuracy": %s}\n' "$3"; } >"$tmp/$1/log.jsonl"
}
# test = 0.5 * validation + 47 (in %), exactly: validation 90, 91, 92, 93 -> test 92, 92.5, 93, 93.5.
run a 0.90 0.92; run b 0.91 0.925; run c 0.92 0.93; run d 0.93 0.935
# Far below the floor, and anti-correlated: --floor 80 must leave it out.
run low 0.99 0.10
"$python" "$script" "$tmp"/{a,b,c,d,low} --early 2 --floor 80 >"$tmp/out" 2>"$tmp/err" || fail "status $? ($(cat "$tmp/err"))"
grep -qx 'runs: 4; validation after epoch 2: 90.00-93.00 %; final test: 92.00-93.50 %' "$tmp/out" || fail "summary: $(cat "$tmp/out")"
grep -qx 'Spearman rho: 1.000' "$tmp/out" || fail "rho: $(cat "$tmp/out")"
grep -qx 'least squares: test = 0.500 \* validation + 47.00' "$tmp/out" || fail "line: $(cat "$tmp/out")"
grep -qxF '| 91.0-91.5 % | 1 | 92.50 % |' "$tmp/out" || fail "band 91.0: $(cat "$tmp/out")"
# Reversed order and a tie: ranks (1.5, 1.5, 3) against (3, 2, 1) give rho = -0.866.
run e 0.95 0.99; run f 0.95 0.98; run g 0.96 0.97
"$python" "$script" "$tmp"/{e,f,g} --early 2 >"$tmp/out" 2>"$tmp/err" || fail "ties: status $?"
grep -qx 'Spearman rho: -0.866' "$tmp/out" || fail "ties: $(cat "$tmp/out")"
grep -qxF '| 95.0-95.5 % | 2 | 98.50 % |' "$tmp/out" || fail "ties band: $(cat "$tmp/out")"
# A run stopped after epoch 2 (no test accuracy): an error naming it, or left out and counted.
run h 0.95 0.5; sed -i '3d' "$tmp/h/log.jsonl"
"$python" "$script" "$tmp"/{a,b,h} --early 2 >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -qF "h/log.jsonl: the last epoch has no test_accuracy" "$tmp/err" || fail "unfinished: $(cat "$tmp/err")"
"$python" "$script" "$tmp"/{a,b,h} --early 2 --skip-unfinished >"$tmp/out" 2>"$tmp/err" || fail "skip: status $?"
grep -qx 'left out: 1 unfinished runs' "$tmp/out" && grep -q '^runs: 2;' "$tmp/out" || fail "skip: $(cat "$tmp/out")"
# A malformed log is an error even with --skip-unfinished.
mkdir -p "$tmp/bad"; echo '{"epoch": 1, ' >"$tmp/bad/log.jsonl"
"$python" "$script" "$tmp"/{a,b,bad} --early 2 --skip-unfinished >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -qF "bad/log.jsonl:1: not valid JSON" "$tmp/err" || fail "malformed: $(cat "$tmp/err")"

# --median-of: reference runs r1-r3 put the median at 0.5 (epoch 1) and 0.70 (epoch 2); run a
# (0.90 at epoch 2) is never below it, run m (0.60 at epoch 2) is pruned at epoch 2 with any
# warmup up to 2, and not with warmup 3 (past the early epoch). r4 lacks epoch 2 and is no
# reference.
for r in 1 2 3; do run "ref/r$r" "0.$((r + 5))0" 0.9; done
run m 0.60 0.95
mkdir -p "$tmp/ref/r4"; head -n 1 "$tmp/a/log.jsonl" >"$tmp/ref/r4/log.jsonl"
"$python" "$script" "$tmp"/{a,m} --early 2 --median-of "$tmp/ref/r*" --warmups 1,2,3 >"$tmp/out" 2>"$tmp/err" \
  || fail "median-of: status $? ($(cat "$tmp/err"))"
grep -qxF 'median pruner against 3 reference runs (median validation at epoch 2: 70.00 %):' "$tmp/out" || fail "median-of: $(cat "$tmp/out")"
grep -qxF 'warmup 1: 1 of 2 runs pruned, first at epoch 2, median epoch 2' "$tmp/out" || fail "warmup 1: $(cat "$tmp/out")"
grep -qxF 'warmup 3: 0 of 2 runs pruned' "$tmp/out" || fail "warmup 3: $(cat "$tmp/out")"
# The pruner compares the best value so far: run dip (0.60, then 0.55) against the medians 0.5
# and 0.58 is kept although 0.55 < 0.58.
run "ref2/r1" 0.58 0.9
mkdir -p "$tmp/dip"; printf '%s\n' '{"epoch": 1, "train_accuracy": 0.5, "validation_accuracy": 0.6}' \
  '{"epoch": 2, "train_accuracy": 0.6, "validation_accuracy": 0.55}' \
  '{"epoch": 3, "train_accuracy": 0.7, "validation_accuracy": 0.9, "test_accuracy": 0.95}' >"$tmp/dip/log.jsonl"
"$python" "$script" "$tmp"/{a,dip} --early 2 --median-of "$tmp/ref2/r*" --warmups 1 >"$tmp/out" 2>"$tmp/err" \
  || fail "dip: status $? ($(cat "$tmp/err"))"
grep -qxF 'warmup 1: 0 of 2 runs pruned' "$tmp/out" || fail "dip: $(cat "$tmp/out")"
"$python" "$script" "$tmp"/{a,m} --early 2 --median-of "$tmp/nothing*" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -qF -- "--median-of: no run in $tmp/nothing* has a validation accuracy for every epoch to 2" "$tmp/err" \
  || fail "median-of nothing: $(cat "$tmp/err")"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all fidelity.py checks passed"
