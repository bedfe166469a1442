#!/usr/bin/env bash
# The output directory of `infomorph train`: a directory holding a run is refused (and left
# untouched) unless --overwrite or --resume; a locked directory is refused; temporary names
# never collide with what is there; a write that fails (standard output on /dev/full, a log on
# /dev/full, a full file system) is an error, not a success.
set -u
bin="$1"
mnist="$2"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1
small=(--epochs 1 --limit 1000 --batch 250 --threads 1 --data-dir "$mnist" --no-progress)

run="$tmp/run"
"$bin" train "${small[@]}" --hidden 20 --out "$run" >/dev/null 2>"$tmp/err" || fail "first run: $(tail -n 2 "$tmp/err")"
cp "$run/config.json" "$tmp/config.before"
cp "$run/log.jsonl" "$tmp/log.before"

# A second run into the same directory is refused before anything is written.
expect_error "rerun refused" "$run: holds a run (config.json); give --overwrite to start again or --resume" \
  "$bin" train "${small[@]}" --hidden 30 --out "$run"
expect_error "overwrite with a bad setting" "learning rate must be positive" \
  "$bin" train "${small[@]}" --lr-hidden -1 --overwrite --out "$run"
cmp -s "$run/config.json" "$tmp/config.before" || fail "a refused rerun changed config.json"
cmp -s "$run/log.jsonl" "$tmp/log.before" || fail "a refused rerun changed log.jsonl"
expect_error "bad setting, new directory" "learning rate must be positive" \
  "$bin" train "${small[@]}" --lr-hidden -1 --out "$tmp/never"
[ -e "$tmp/never" ] && fail "a refused run created its output directory"

# --overwrite starts again: the old run's files go, other files stay.
echo "mine" >"$run/notes.txt"
"$bin" train "${small[@]}" --hidden 30 --overwrite --out "$run" >/dev/null 2>"$tmp/err" || fail "--overwrite: $(tail -n 2 "$tmp/err")"
grep -q '"hidden": 30' "$run/config.json" || fail "--overwrite did not write the new settings"
[ "$(wc -l <"$run/log.jsonl")" -eq 1 ] || fail "--overwrite: the log is not the new run's alone"
[ "$(cat "$run/notes.txt")" = "mine" ] || fail "--overwrite removed a file that is not the run's"

# Two runs in one directory: the second is refused while the first holds the lock.
mkdir "$tmp/locked"
if command -v flock >/dev/null; then
  expect_error "locked directory" "another process is using this directory" \
    flock "$tmp/locked/.lock" "$bin" train "${small[@]}" --out "$tmp/locked"
  [ -e "$tmp/locked/config.json" ] && fail "a run refused by the lock wrote config.json"
else
  echo "note: no flock(1) here; the lock case is skipped"
fi

# Temporary names are unique: whatever lies at a fixed temporary name is not in the way.
mkdir -p "$tmp/busy/config.json.partial" "$tmp/busy/model.bin.partial"
"$bin" train "${small[@]}" --out "$tmp/busy" >/dev/null 2>"$tmp/err" || fail "temporary names: $(tail -n 2 "$tmp/err")"
[ -d "$tmp/busy/config.json.partial" ] || fail "temporary names: another file was removed"

# Standard output on a full device: an error, with a message.
"$bin" train "${small[@]}" --out "$tmp/full" >/dev/full 2>"$tmp/err"
status=$?
[ "$status" -ne 0 ] || fail "train >/dev/full: exit status 0"
grep -q "standard output: write failed" "$tmp/err" || fail "train >/dev/full: no message: $(cat "$tmp/err")"
printf '0,0,0,0.5\n1,1,0,0.5\n' | "$bin" pid -n 2 >/dev/full 2>"$tmp/err"
[ $? -ne 0 ] || fail "pid >/dev/full: exit status 0"

# The log on a full device: resuming into a directory whose log.jsonl is /dev/full.
mkdir "$tmp/fulllog"
cp "$tmp/config.before" "$tmp/fulllog/config.json"
ln -s /dev/full "$tmp/fulllog/log.jsonl"
"$bin" train --resume "$tmp/fulllog" --no-progress >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "log on a full device: exit status $status, expected 2"
grep -qF "log.jsonl: write failed (No space left on device)" "$tmp/err" || fail "log on a full device: $(cat "$tmp/err")"

# A full file system, where a small tmpfs can be mounted (root): an error, not a success.
mkdir "$tmp/tiny"
if mount -t tmpfs -o size=96k tmpfs "$tmp/tiny" 2>/dev/null; then
  "$bin" train "${small[@]}" --out "$tmp/tiny/run" >"$tmp/out" 2>"$tmp/err"
  status=$?
  umount "$tmp/tiny"
  [ "$status" -eq 2 ] || fail "full file system: exit status $status, expected 2"
  grep -qE "No space left on device|disk full" "$tmp/err" || fail "full file system: $(cat "$tmp/err")"
else
  echo "note: cannot mount a tmpfs here (not root); the full file system case is skipped"
fi

if [ "$failures" -ne 0 ]; then echo "$failures output check(s) failed"; exit 1; fi
echo "all output-directory checks passed"
