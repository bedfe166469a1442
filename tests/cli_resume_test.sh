#!/usr/bin/env bash
# Exact resume of `infomorph train`: a run killed (SIGKILL) at three random moments and
# resumed after each, and a run stopped by SIGINT or SIGTERM (exit 130, checkpoint kept) and
# resumed with another thread count, end with model.bin and log.jsonl byte-identical to the
# uninterrupted run's — for a trivariate infomorphic network and for the backprop baseline.
set -u
bin="$1"
mnist="$2"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1
common=(--epochs 4 --limit 3000 --batch 20 --seed 3 --hidden 40 --data-dir "$mnist" --no-progress)

now_ms() { date +%s%3N; }
config_inode() { stat -c %i "$1/config.json" 2>/dev/null || echo none; }

logged_epochs() { cat "$1/log.jsonl" 2>/dev/null | wc -l; }

# Runs "$@" (a run in DIR) in the background, waits until it has written its config.json (the
# data is loaded, training starts: most of a short run is loading), then until a random epoch
# of those left is logged, and kills it with SIGKILL a random share of an epoch's time later
# (`span` ms: the training time of the whole run).
kill_at_random() {
  local span="$1" dir="$2"; shift 2
  local before
  before=$(config_inode "$dir")
  "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 3000); do
    [ "$(config_inode "$dir")" != "$before" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  local done target
  done=$(logged_epochs "$dir")
  target=$(( done < 4 ? done + RANDOM % (4 - done) : 4 ))
  for _ in $(seq 3000); do
    [ "$(logged_epochs "$dir")" -ge "$target" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  sleep "$(awk -v r="$RANDOM" -v s="$span" 'BEGIN { printf "%.3f", r / 32768 * s / 4 / 1000 }')"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  logged="$logged $(cat "$dir/log.jsonl" 2>/dev/null | wc -l)"
}

same_run() {  # NAME REFERENCE-DIR DIR
  for f in model.bin log.jsonl; do
    cmp -s "$2/$f" "$3/$f" || fail "$1: $f differs from the uninterrupted run's"
  done
  ls "$3" | grep -q partial && fail "$1: a temporary file was left behind: $(ls "$3")"
}

for kind in context_lateral backprop; do
  ref="$tmp/$kind-ref"
  "$bin" train --kind "$kind" "${common[@]}" --threads 2 --out "$ref" >/dev/null 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 3000); do
    [ -e "$ref/config.json" ] && break
    sleep 0.01
  done
  start=$(now_ms)
  wait "$pid" || fail "$kind: uninterrupted run: $(tail -n 2 "$tmp/err")"
  span=$(( $(now_ms) - start ))

  # SIGKILL at three random moments; each time resume (or start again if the run was killed
  # before it wrote its config).
  run="$tmp/$kind-killed"
  logged=""
  for i in 1 2 3; do
    if [ -e "$run/config.json" ]; then
      kill_at_random "$span" "$run" "$bin" train --resume "$run" --threads 2 --no-progress
    else
      kill_at_random "$span" "$run" "$bin" train --kind "$kind" "${common[@]}" --threads 2 --out "$run"
    fi
  done
  echo "note: $kind: training takes $span ms; epochs logged after each kill:$logged"
  if [ -e "$run/config.json" ]; then cmd=(train --resume "$run" --no-progress)
  else cmd=(train --kind "$kind" "${common[@]}" --threads 2 --out "$run"); fi
  "$bin" "${cmd[@]}" >/dev/null 2>"$tmp/err" || fail "$kind: final resume: $(tail -n 2 "$tmp/err")"
  same_run "$kind killed and resumed" "$ref" "$run"

  # SIGINT (SIGTERM for backprop) a third of an epoch into the second epoch (120 batches
  # each): status 130, a checkpoint of the stopped epoch, how to resume; resumed with one
  # thread instead of two, it finishes the stopped epoch. (The baseline's epochs take a few
  # milliseconds, so it may stop at an epoch's end instead.)
  signal=INT
  [ "$kind" = backprop ] && signal=TERM
  run="$tmp/$kind-sigint"
  "$bin" train --kind "$kind" "${common[@]}" --threads 2 --out "$run" >/dev/null 2>"$tmp/sigint.err" &
  pid=$!
  for _ in $(seq 6000); do
    [ -s "$run/checkpoint.bin" ] && break
    sleep 0.005
  done
  # a third of the first epoch's training time (timing.jsonl) into the second
  sleep "$(sed -n 's/.*"seconds":\([0-9.e-]*\).*/\1/p' "$run/timing.jsonl" | awk 'NR == 1 { printf "%.3f", $1 / 3 }')"
  kill -"$signal" "$pid"
  wait "$pid"
  status=$?
  [ "$status" -eq 130 ] || fail "$kind: SIG$signal: exit status $status, expected 130"
  [ -s "$run/checkpoint.bin" ] || fail "$kind: SIG$signal: no checkpoint"
  grep -qF -- "--resume $run" "$tmp/sigint.err" || fail "$kind: SIG$signal: stderr does not say how to resume: $(cat "$tmp/sigint.err")"
  if grep -qE "stopped at batch [0-9]+ of epoch 2 and wrote its checkpoint" "$tmp/sigint.err"; then
    [ "$(logged_epochs "$run")" -eq 1 ] || fail "$kind: SIG$signal: the stopped epoch was logged"
  elif [ "$kind" = context_lateral ]; then  # the baseline's epochs take milliseconds: any stop
    fail "$kind: SIG$signal: not stopped inside epoch 2: $(cat "$tmp/sigint.err")"
  fi
  [ -e "$run/model.bin" ] && fail "$kind: SIG$signal: the run finished before the signal; the test proves nothing"
  "$bin" train --resume "$run" --threads 1 --no-progress >/dev/null 2>"$tmp/err" ||
    fail "$kind: resume with --threads 1: $(tail -n 2 "$tmp/err")"
  same_run "$kind after SIG$signal, resumed with one thread" "$ref" "$run"
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
