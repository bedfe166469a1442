#!/usr/bin/env bash
# `infomorph evaluate` and `infomorph predict` on a model just trained on a slice of the shipped
# MNIST: evaluate's test accuracy equals the one training logged last (same normalisation and
# batches, read from the run's config.json), predict's labels give that accuracy again on the
# test images, bare `infomorph` and `infomorph help` print the usage, and errors name the file
# or flag (status 2, one line on stderr, nothing on stdout).
set -u
bin="$1"
mnist="$2"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1

"$bin" train --variant context_lateral --hidden 40 --epochs 2 --limit 4000 --batch 500 --seed 3 \
  --data-dir "$mnist" --out "$tmp/run" --no-progress >"$tmp/train.out" 2>"$tmp/train.err" ||
  fail "train: $(tail -n 3 "$tmp/train.err")"
"$bin" evaluate "$tmp/run/model.bin" --json >"$tmp/eval.json" 2>"$tmp/eval.err" || fail "evaluate: $(cat "$tmp/eval.err")"
"$bin" evaluate "$tmp/run/model.bin" >"$tmp/eval.txt" 2>&1 || fail "evaluate (text): $(cat "$tmp/eval.txt")"
grep -q "^test accuracy" "$tmp/eval.txt" || fail "evaluate: no accuracy line"
"$bin" predict "$tmp/run/model.bin" "$mnist/t10k-images-idx3-ubyte.gz" --json >"$tmp/predict.json" 2>"$tmp/predict.err" ||
  fail "predict: $(cat "$tmp/predict.err")"
"$bin" predict "$tmp/run/model.bin" "$mnist/t10k-images-idx3-ubyte.gz" >"$tmp/predict.csv" 2>"$tmp/predict.err" ||
  fail "predict (csv): $(cat "$tmp/predict.err")"
python3 - "$tmp" "$mnist" <<'PY' || fail "evaluate/predict results"
import csv, gzip, json, sys
tmp, mnist = sys.argv[1], sys.argv[2]
logged = [json.loads(l) for l in open(tmp + "/run/log.jsonl")][-1]["test_accuracy"]
ev = json.load(open(tmp + "/eval.json"))
assert ev["test_accuracy"] == logged, (ev["test_accuracy"], logged)
assert len(ev["confusion"]) == 10 and sum(map(sum, ev["confusion"])) == 10000
assert sum(ev["confusion"][i][i] for i in range(10)) == round(logged * 10000)
truth = gzip.open(mnist + "/t10k-labels-idx1-ubyte.gz").read()[8:]
pred = json.load(open(tmp + "/predict.json"))["predictions"]
assert len(pred) == 10000 and pred[0]["image"] == 0 and len(pred[0]["probabilities"]) == 10
assert all(p["label"] == max(range(10), key=lambda j: (p["probabilities"][j], -j)) for p in pred)
right = sum(p["label"] == truth[i] for i, p in enumerate(pred))
assert right == round(logged * 10000), (right, logged)
rows = list(csv.reader(open(tmp + "/predict.csv")))
assert rows[0] == ["image", "label"] + ["p%d" % j for j in range(10)] and len(rows) == 10001
assert [int(r[1]) for r in rows[1:]] == [p["label"] for p in pred]
PY

# A model file of format 2 (tests/data/model_format2: written before format 3, with the confusion
# matrix its run wrote) still loads and evaluates to that run's test predictions.
fixture="$(dirname "$0")/data/model_format2"
"$bin" evaluate "$fixture/model.bin" --data-dir "$mnist" --json >"$tmp/format2.json" 2>"$tmp/format2.err" ||
  fail "evaluate format 2: $(cat "$tmp/format2.err")"
python3 - "$tmp/format2.json" "$fixture/confusion.csv" <<'PY' || fail "evaluate format 2: another confusion matrix"
import csv, json, sys
ev = json.load(open(sys.argv[1]))
written = [[int(v) for v in row[1:]] for row in list(csv.reader(open(sys.argv[2])))[1:]]
assert ev["confusion"] == written, (ev["confusion"], written)
PY

for args in "" "help"; do
  "$bin" $args >"$tmp/out" 2>&1 || fail "'infomorph $args': exit status $?"
  grep -q "evaluate" "$tmp/out" && grep -q "predict" "$tmp/out" || fail "'infomorph $args' prints no usage"
done

expect_error "missing model" "$tmp/none.bin: cannot open" "$bin" evaluate "$tmp/none.bin"
expect_error "model is not a model" "config.json: expected 'infomorph-model' in the header" "$bin" evaluate "$tmp/run/config.json"
python3 - "$tmp/cifar" <<'PY'
import os, random, sys
os.makedirs(sys.argv[1])
random.seed(1)
for name in ["data_batch_%d.bin" % b for b in range(1, 6)] + ["test_batch.bin"]:
    open(os.path.join(sys.argv[1], name), "wb").write(bytes([3] + [random.randrange(256) for _ in range(3072)]))
PY
expect_error "images of another size" "the model takes 784 inputs" "$bin" evaluate "$tmp/run/model.bin" --dataset cifar10 --data-dir "$tmp/cifar"
expect_error "labels as images" "t10k-labels-idx1-ubyte.gz: IDX file has 1 dimensions, expected 3" \
  "$bin" predict "$tmp/run/model.bin" "$mnist/t10k-labels-idx1-ubyte.gz"
expect_error "json and csv" "--json and --csv exclude each other" \
  "$bin" predict "$tmp/run/model.bin" "$mnist/t10k-images-idx3-ubyte.gz" --json --csv

[ "$failures" -eq 0 ] || { echo "$failures evaluate/predict check(s) failed"; exit 1; }
echo "evaluate/predict checks passed"
