#!/usr/bin/env bash
# Checks scripts/plot_log.py on synthetic training logs: the figures it should write, and the
# error path (status 2, file:line on stderr, no PNG left behind).
# usage: plot_test.sh PATH/TO/plot_log.py
set -u
script="$1"
source "$(dirname "$0")/plot_lib.sh"

# Two logs: an infomorphic run (3 epochs, 3-source hidden layer with 18 atoms, 2-source output
# layer, a blank line to skip) and a baseline with no layers and no validation split.
mkdir -p "$tmp/info" "$tmp/base"
"$python" - "$tmp/info/log.jsonl" "$tmp/base/log.jsonl" <<'PY'
import json, sys
atoms3 = ["{1}{2}{3}", "{1}{2}", "{1}{3}", "{2}{3}", "{1}{23}", "{2}{13}", "{3}{12}", "{1}", "{2}", "{3}",
          "{12}{13}{23}", "{12}{13}", "{12}{23}", "{13}{23}", "{12}", "{13}", "{23}", "{123}"]
atoms2 = ["{1}{2}", "{1}", "{2}", "{12}"]
with open(sys.argv[1], "w") as f:
    for e in range(3):
        layers = [{"layer": "hidden", "sources": 3, "goal": 0.1 * e, "h_res": 0.3 - 0.05 * e, "mi": 0.5,
                   "atoms": {a: 0.01 * (i + 1) * (e + 1) for i, a in enumerate(atoms3)}},
                  {"layer": "output", "sources": 2, "goal": 0.05 * e, "h_res": 0.1, "mi": 0.2,
                   "atoms": {a: 0.02 * (i + 1) + 0.01 * e for i, a in enumerate(atoms2)}}]
        f.write(json.dumps({"epoch": e, "seconds": 1.0 * e, "train_accuracy": 0.1 + 0.4 * e,
                            "validation_accuracy": 0.1 + 0.38 * e, "test_accuracy": 0.1 + 0.37 * e,
                            "train_loss": -e, "layers": layers,
                            "diversity": {"hidden": {"self": 0.1 * e, "pairwise": 1.0 - 0.01 * e}}}) + "\n")
        if e == 0:
            f.write("\n")
with open(sys.argv[2], "w") as f:
    for e in range(3):
        f.write(json.dumps({"epoch": e, "seconds": 1.0, "train_accuracy": 0.1 + 0.45 * e,
                            "validation_accuracy": None, "test_accuracy": 0.1 + 0.44 * e,
                            "train_loss": 2.3 - e, "layers": []}) + "\n")
PY

is_png() { cmp -s <(head -c 8 "$1") <(printf '\x89PNG\r\n\x1a\n'); }

# expect_pngs NAME DIR FILE... : DIR holds exactly these PNGs, all valid, no temp files.
expect_pngs() {
  local name="$1" dir="$2"; shift 2
  for f in "$@"; do
    if [ ! -f "$dir/$f" ]; then fail "$name: $f missing"; elif ! is_png "$dir/$f"; then fail "$name: $f is not a PNG"; fi
  done
  local got want
  got="$(cd "$dir" && ls -A | grep -v '\.jsonl$' | sort | tr '\n' ' ')"
  want="$(printf '%s\n' "$@" | sort | tr '\n' ' ')"
  [ "$got" = "$want" ] || fail "$name: files in $dir are '$got', expected '$want'"
}

# run NAME ARGS... : must succeed, print each written path, and be quiet on stderr.
run() {
  local name="$1"; shift
  "$python" "$script" "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  if [ "$status" -ne 0 ]; then fail "$name: exit status $status ($(cat "$tmp/err"))"; return 1; fi
  [ -s "$tmp/err" ] && fail "$name: unexpected stderr: $(cat "$tmp/err")"
  return 0
}

if run "infomorphic log" "$tmp/info/log.jsonl" --out "$tmp/out1" --title "synthetic"; then
  expect_pngs "infomorphic log" "$tmp/out1" accuracy.png atoms_hidden.png atoms_output.png goal.png diversity.png
  [ "$(wc -l <"$tmp/out")" -eq 5 ] || fail "infomorphic log: expected 5 paths on stdout, got: $(cat "$tmp/out")"
  grep -qx "$tmp/out1/atoms_hidden.png" "$tmp/out" || fail "infomorphic log: atoms_hidden.png not printed"
fi

# No --out: figures go next to the log; no layers: only the accuracy figure.
if run "baseline log" "$tmp/base/log.jsonl"; then
  expect_pngs "baseline log" "$tmp/base" accuracy.png
fi

if run "two logs" "$tmp/info/log.jsonl" "$tmp/base/log.jsonl" --out "$tmp/out2"; then
  expect_pngs "two logs" "$tmp/out2" accuracy.png goal.png diversity.png
fi

# expect_error NAME FRAGMENT LOG : status 2, FRAGMENT on stderr, nothing on stdout, no PNG.
expect_error() {
  local name="$1" fragment="$2" log="$3" out="$tmp/out_$RANDOM"
  "$python" "$script" "$tmp/info/log.jsonl" "$log" --out "$out" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  [ "$status" -eq 2 ] || fail "$name: exit status $status, expected 2"
  grep -qF -- "$fragment" "$tmp/err" || fail "$name: stderr lacks '$fragment': $(cat "$tmp/err")"
  [ -s "$tmp/out" ] && fail "$name: unexpected stdout: $(cat "$tmp/out")"
  [ -n "$(find "$out" -name '*.png' 2>/dev/null)" ] && fail "$name: PNG written despite the error"
  return 0
}

{ head -n 2 "$tmp/base/log.jsonl"; echo '{"epoch": 2, "train_accuracy": 0.9, '; } >"$tmp/truncated.jsonl"
expect_error "truncated line" "truncated.jsonl:3:" "$tmp/truncated.jsonl"
{ head -n 1 "$tmp/base/log.jsonl"; echo; echo '{"epoch": 1, "train_accuracy": "high", "test_accuracy": 0.5}'; } >"$tmp/badvalue.jsonl"
expect_error "non-numeric accuracy" "badvalue.jsonl:3:" "$tmp/badvalue.jsonl"
expect_error "missing file" "nonexistent.jsonl" "$tmp/nonexistent.jsonl"
{ head -n 1 "$tmp/base/log.jsonl"; echo '{"epoch": 1, "train_accuracy": 0.5, "diversity": {"hidden": {"self": 0.2}}}'; } >"$tmp/baddiv.jsonl"
expect_error "diversity without pairwise" "baddiv.jsonl:2: 'diversity.hidden.pairwise' must be a number" "$tmp/baddiv.jsonl"

# A one-neuron layer has no pairs: its pairwise distance is null, and the run still plots.
{ head -n 1 "$tmp/base/log.jsonl"; echo '{"epoch": 1, "train_accuracy": 0.5, "diversity": {"hidden": {"self": 0.2, "pairwise": null}}}'; } >"$tmp/oneneuron.jsonl"
"$python" "$script" "$tmp/oneneuron.jsonl" --out "$tmp/one" >"$tmp/out" 2>"$tmp/err" || fail "null pairwise distance: $(cat "$tmp/err")"
[ -s "$tmp/one/diversity.png" ] || fail "null pairwise distance: no diversity.png"

# `infomorph train --test-every K` leaves test_accuracy out on skipped epochs: still a log.
python3 - "$tmp/base/log.jsonl" "$tmp/sparse.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
for l in lines[:-1]:
    del l["test_accuracy"]
open(sys.argv[2], "w").write("".join(json.dumps(l) + "\n" for l in lines))
PY
"$python" "$script" "$tmp/sparse.jsonl" --out "$tmp/sparse" >"$tmp/out" 2>"$tmp/err" || fail "sparse test accuracies: $(cat "$tmp/err")"
[ -s "$tmp/sparse/accuracy.png" ] || fail "sparse test accuracies: no accuracy.png"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all plot_log.py checks passed"
