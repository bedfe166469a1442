#!/usr/bin/env bash
# Exact resume of `infomorph train`: a run killed (SIGKILL) at three random moments and
# resumed after each, and a run stopped by SIGINT (exit 130, checkpoint kept) and resumed with
# another thread count, end with model.bin and log.jsonl byte-identical to the uninterrupted
# run's — for a trivariate infomorphic network and for the backprop baseline.
set -u
bin="$1"
mnist="$2"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1
common=(--epochs 4 --limit 3000 --batch 250 --seed 3 --hidden 40 --data-dir "$mnist" --no-progress)

now_ms() { date +%s%3N; }

# Runs "$@" in the background and kills it with SIGKILL after a random share of `span` ms.
kill_at_random() {
  local span="$1"; shift
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$(awk -v r="$RANDOM" -v s="$span" 'BEGIN { printf "%.3f", r / 32768 * s / 1000 }')"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

same_run() {  # NAME REFERENCE-DIR DIR
  for f in model.bin log.jsonl; do
    cmp -s "$2/$f" "$3/$f" || fail "$1: $f differs from the uninterrupted run's"
  done
  ls "$3" | grep -q partial && fail "$1: a temporary file was left behind: $(ls "$3")"
}

for kind in context_lateral backprop; do
  ref="$tmp/$kind-ref"
  start=$(now_ms)
  "$bin" train --kind "$kind" "${common[@]}" --threads 2 --out "$ref" >/dev/null 2>"$tmp/err" ||
    fail "$kind: uninterrupted run: $(tail -n 2 "$tmp/err")"
  span=$(( $(now_ms) - start ))

  # SIGKILL at three random moments; each time resume (or start again if the run was killed
  # before it wrote its config).
  run="$tmp/$kind-killed"
  for i in 1 2 3; do
    if [ -e "$run/config.json" ]; then
      kill_at_random "$span" "$bin" train --resume "$run" --threads 2 --no-progress
    else
      kill_at_random "$span" "$bin" train --kind "$kind" "${common[@]}" --threads 2 --out "$run"
    fi
  done
  if [ -e "$run/config.json" ]; then cmd=(train --resume "$run" --no-progress)
  else cmd=(train --kind "$kind" "${common[@]}" --threads 2 --out "$run"); fi
  "$bin" "${cmd[@]}" >/dev/null 2>"$tmp/err" || fail "$kind: final resume: $(tail -n 2 "$tmp/err")"
  same_run "$kind killed and resumed" "$ref" "$run"

  # SIGINT once the first epoch is logged: status 130, a checkpoint, how to resume; resumed
  # with one thread instead of two.
  run="$tmp/$kind-sigint"
  "$bin" train --kind "$kind" "${common[@]}" --threads 2 --out "$run" >/dev/null 2>"$tmp/sigint.err" &
  pid=$!
  for _ in $(seq 600); do
    [ -s "$run/log.jsonl" ] && break
    sleep 0.05
  done
  kill -INT "$pid"
  wait "$pid"
  status=$?
  [ "$status" -eq 130 ] || fail "$kind: SIGINT: exit status $status, expected 130"
  [ -s "$run/checkpoint.bin" ] || fail "$kind: SIGINT: no checkpoint"
  grep -qF -- "--resume $run" "$tmp/sigint.err" || fail "$kind: SIGINT: stderr does not say how to resume: $(cat "$tmp/sigint.err")"
  [ -e "$run/model.bin" ] && fail "$kind: SIGINT: the run finished before the signal; the test proves nothing"
  "$bin" train --resume "$run" --threads 1 --no-progress >/dev/null 2>"$tmp/err" ||
    fail "$kind: resume with --threads 1: $(tail -n 2 "$tmp/err")"
  same_run "$kind after SIGINT, resumed with one thread" "$ref" "$run"
done

# A finished run resumed has nothing to do; flags that would change a run are refused.
ref="$tmp/context_lateral-ref"
cp "$ref/model.bin" "$tmp/model.before"
"$bin" train --resume "$ref" >"$tmp/out" 2>"$tmp/err" || fail "resume of a finished run: exit status $?"
grep -q "complete after 4 epochs" "$tmp/err" || fail "resume of a finished run: $(cat "$tmp/err")"
cmp -s "$ref/model.bin" "$tmp/model.before" || fail "resume of a finished run changed model.bin"
expect_error "resume with another seed" "--seed: --resume continues the run in" "$bin" train --resume "$ref" --seed 5
expect_error "resume with fewer epochs" "beyond the 2 epochs asked for" "$bin" train --resume "$ref" --epochs 2
expect_error "resume and overwrite" "--resume and --overwrite exclude each other" "$bin" train --resume "$ref" --overwrite
expect_error "resume of nothing" "no run to resume" "$bin" train --resume "$tmp/nothing"
printf 'x' >>"$ref/checkpoint.bin"
expect_error "damaged checkpoint" "checkpoint.bin: damaged" "$bin" train --resume "$ref" --epochs 5

if [ "$failures" -ne 0 ]; then echo "$failures resume check(s) failed"; exit 1; fi
echo "all resume checks passed"
