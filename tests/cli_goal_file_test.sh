#!/usr/bin/env bash
# `infomorph train` with goal files (--goal-file, config key goal_file, the goal.json it writes),
# --test-every (the weights do not depend on it; the log leaves the skipped tests out) and the
# per-epoch neuron diversity in log.jsonl.
set -u
bin="$1"
mnist="$2"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1
base=(--limit 1000 --batch 200 --hidden 20 --data-dir "$mnist" --no-progress)
small=("${base[@]}" --threads 2)

# goal.json: the goal trained with, here the naive preset, in the authors' order.
"$bin" train "${small[@]}" --epochs 1 --goal naive --out "$tmp/naive" >/dev/null 2>"$tmp/err" || fail "train: $(cat "$tmp/err")"
python3 - "$tmp/naive/goal.json" <<'PY' || fail "goal.json of the naive preset"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["format"] == "infomorph-goal" and g["version"] == 1 and g["sources"] == 3 and g["order"] == "authors"
assert g["kind"] == "context_lateral" and g["atoms"][1] == "{1}{2}" and g["atoms"][-1] == "H_res"
# The authors' naive trivariate goal (conf/goals/infomorphic_context_lateral/naive.yaml): {1}{2} = 1, rest 0.
assert g["gamma"] == [0, 1] + [0] * 17, g["gamma"]
PY

# A goal file trains exactly like the same gamma given with --gamma (the same model bytes).
gamma=$(python3 -c "import json; print(','.join(repr(v) for v in json.load(open('$tmp/naive/goal.json'))['gamma']))")
"$bin" train "${small[@]}" --epochs 1 --goal-file "$tmp/naive/goal.json" --out "$tmp/file" >/dev/null 2>&1 || fail "--goal-file"
"$bin" train "${small[@]}" --epochs 1 "--gamma=$gamma" --out "$tmp/flag" >/dev/null 2>&1 || fail "--gamma"
cmp -s "$tmp/file/model.bin" "$tmp/flag/model.bin" || fail "--goal-file and --gamma train different models"
cmp -s "$tmp/file/model.bin" "$tmp/naive/model.bin" || fail "--goal-file and --goal naive train different models"
echo "{\"goal_file\": \"$tmp/naive/goal.json\", \"epochs\": 1}" >"$tmp/config.json"
"$bin" train "${small[@]}" --config "$tmp/config.json" --out "$tmp/config" >/dev/null 2>&1 || fail "config goal_file"
cmp -s "$tmp/config/model.bin" "$tmp/naive/model.bin" || fail "config key goal_file: another model"
grep -q "goal_file" "$tmp/config/config.json" || fail "config.json lacks goal_file"

expect_error "goal file and goal" "--goal-file: not together with --goal or --gamma" \
  "$bin" train "${small[@]}" --goal naive --goal-file "$tmp/naive/goal.json" --out "$tmp/x"
expect_error "goal file and gamma" "--goal-file: not together with --goal or --gamma" \
  "$bin" train "${small[@]}" --gamma=0,1,0,0,0 --goal-file "$tmp/naive/goal.json" --out "$tmp/x"
expect_error "missing goal file" "$tmp/none.json: cannot open" "$bin" train "${small[@]}" --goal-file "$tmp/none.json" --out "$tmp/x"
python3 -c "
import json; g = json.load(open('$tmp/naive/goal.json')); g['gamma'][3] = 'x'
json.dump(g, open('$tmp/bad.json', 'w'))"
expect_error "bad goal file" "$tmp/bad.json: field 'gamma'[3] ({2}{3}) must be a finite number" \
  "$bin" train "${small[@]}" --goal-file "$tmp/bad.json" --out "$tmp/x"
expect_error "test every 0" "--test-every: must be a whole number from 1" "$bin" train "${small[@]}" --test-every 0 --out "$tmp/x"

# --test-every 3 over 4 epochs: tests after epochs 3 and 4 only, and the same model bytes.
"$bin" train "${small[@]}" --epochs 4 --out "$tmp/k1" >/dev/null 2>&1 || fail "train k1"
"$bin" train "${small[@]}" --epochs 4 --test-every 3 --out "$tmp/k3" >/dev/null 2>"$tmp/k3.err" || fail "train k3"
cmp -s "$tmp/k1/model.bin" "$tmp/k3/model.bin" || fail "--test-every changed the model"
grep -q "test skipped; evaluation" "$tmp/k3.err" || fail "--test-every: no 'test skipped' on stderr"
python3 - "$tmp/k1/log.jsonl" "$tmp/k3/log.jsonl" <<'PY' || fail "--test-every: log"
import json, sys
k1 = [json.loads(l) for l in open(sys.argv[1])]
k3 = [json.loads(l) for l in open(sys.argv[2])]
assert [("test_accuracy" in r) for r in k3] == [False, False, True, True], k3
assert all("test_accuracy" in r for r in k1)
for a, b in zip(k1, k3):
    assert a["validation_accuracy"] == b["validation_accuracy"]  # validation every epoch, same numbers
    assert a["diversity"] == b["diversity"]
    if "test_accuracy" in b:
        assert a["test_accuracy"] == b["test_accuracy"]
# Diversity: the weights start where they start (self grows from 0), neurons differ (pairwise > 0).
d = [r["diversity"]["hidden"] for r in k1]
assert 0 < d[0]["self"] < d[-1]["self"] <= 2, d
assert all(0 < x["pairwise"] <= 2 for x in d), d
PY
# Same seed, other thread count: the same diversity numbers (deterministic).
"$bin" train "${base[@]}" --epochs 4 --threads 1 --out "$tmp/t1" >/dev/null 2>&1 || fail "train t1"
python3 -c "
import json, sys
a = [json.loads(l)['diversity'] for l in open('$tmp/k1/log.jsonl')]
b = [json.loads(l)['diversity'] for l in open('$tmp/t1/log.jsonl')]
sys.exit(a != b)" || fail "diversity depends on the thread count"

# Kinds without a hidden layer write no goal.json and no diversity.
"$bin" train "${small[@]}" --epochs 1 --kind readout --out "$tmp/readout" >/dev/null 2>&1 || fail "readout"
[ -e "$tmp/readout/goal.json" ] && fail "readout: goal.json written"
grep -q diversity "$tmp/readout/log.jsonl" && fail "readout: diversity logged"
# The goal that docs/results.md reports from the hb500 search trains, and is the goal it writes.
shipped="$(dirname "$0")/../docs/goals/hb500-trial734.json"
"$bin" train "${small[@]}" --epochs 1 --goal-file "$shipped" --out "$tmp/shipped" >/dev/null 2>"$tmp/err" ||
  fail "docs/goals/hb500-trial734.json: $(cat "$tmp/err")"
python3 - "$shipped" "$tmp/shipped/goal.json" <<'PY' || fail "docs/goals/hb500-trial734.json: another goal trained"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["gamma"] == b["gamma"] and a["atoms"] == b["atoms"] and a["kind"] == b["kind"], (a, b)
assert a["source"]["study"] == "hb500" and a["source"]["trial"] == 734
PY

[ "$failures" -eq 0 ] || exit 1
echo "cli goal file: ok"
