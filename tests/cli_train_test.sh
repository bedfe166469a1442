#!/usr/bin/env bash
# End-to-end checks of `infomorph train` on a small slice of the shipped MNIST: the output
# files and their formats, a config file with flags winning over it, a reload of the saved
# model, and the error path (status 2, one line on stderr).
set -u
bin="$1"
mnist="$2"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1

cat >"$tmp/run.json" <<JSON
{"variant": "context", "hidden": 100, "hidden_binning": "fixed", "lr_hidden": 0.004, "epochs": 3, "limit": 3000, "batch": 200, "data_dir": "$mnist", "seed": 4}
JSON
if ! "$bin" train --config "$tmp/run.json" --epochs 2 --out "$tmp/run" >"$tmp/out" 2>"$tmp/err"; then
  fail "train: exit status $? ($(tail -n 3 "$tmp/err"))"
fi
for f in config.json log.jsonl timing.jsonl checkpoint.bin model.bin confusion.csv; do
  [ -s "$tmp/run/$f" ] || fail "train: $f missing"
done
ls "$tmp/run" | grep -q partial && fail "train: a temporary file was left behind"
grep -q "^test accuracy" "$tmp/out" || fail "train: no test accuracy on stdout"
python3 - "$tmp/run" <<'PY' || fail "train: log, config or confusion matrix"
import csv, json, sys
d = sys.argv[1]
lines = [json.loads(l) for l in open(d + "/log.jsonl")]
assert [l["epoch"] for l in lines] == [1, 2], "flags must win over the config: 2 epochs"
config = json.load(open(d + "/config.json"))
assert config["kind"] == "context" and config["hidden"] == 100 and config["epochs"] == 2
assert config["hidden_binning"] == "fixed" and config["lr_hidden"] == 0.004 and config["lr_output"] == 0.003
assert b"\nhidden_binning fixed\n" in open(d + "/model.bin", "rb").read(4096)
last = lines[-1]
for key in ("train_accuracy", "validation_accuracy", "test_accuracy", "train_loss"):
    assert isinstance(last[key], float), key
assert "seconds" not in last, "timings belong in timing.jsonl: the log is a function of the settings"
timing = [json.loads(l) for l in open(d + "/timing.jsonl")]
assert [t["epoch"] for t in timing] == [1, 2] and all(isinstance(t["seconds"], float) for t in timing)
assert last["test_accuracy"] > 0.2, last["test_accuracy"]  # chance 0.1; measured 0.34
layers = {l["layer"]: l for l in last["layers"]}
assert set(layers) == {"hidden", "output"}
assert len(layers["hidden"]["atoms"]) == 4 and "{1}{2}" in layers["hidden"]["atoms"]
rows = list(csv.reader(open(d + "/confusion.csv")))
assert len(rows) == 11 and sum(int(v) for r in rows[1:] for v in r[1:]) == 10000
PY

expect_error "unknown variant" "no network kind named 'trivariate'" "$bin" train --variant trivariate --data-dir "$mnist" --out "$tmp/x"
expect_error "unknown goal" "no 2-source goal preset named 'context/best'" "$bin" train --variant context --goal best --data-dir "$mnist" --out "$tmp/x"
expect_error "gamma length" "--gamma: a goal has 5 values (2 sources) or 19 values (3 sources)" "$bin" train --gamma 1,0,0 --data-dir "$mnist" --out "$tmp/x"
expect_error "unknown binning" "no hidden binning named 'equal'" "$bin" train --hidden-binning equal --data-dir "$mnist" --out "$tmp/x"
expect_error "binning of a variant" "context_lateral network has no adaptive hidden binning" "$bin" train --hidden-binning adaptive --data-dir "$mnist" --out "$tmp/x"
expect_error "learning rate" "the hidden optimiser's learning rate must be positive and finite" "$bin" train --lr-hidden -0.1 --data-dir "$mnist" --out "$tmp/x"
expect_error "missing data" "cannot open" "$bin" train --data-dir "$tmp/nowhere" --out "$tmp/x"
printf '{"epochs": 2, "colour": "red"}' >"$tmp/bad.json"
expect_error "unknown config key" "unknown setting 'colour'" "$bin" train --config "$tmp/bad.json"
printf '{"epochs": "many"}' >"$tmp/type.json"
expect_error "config type" "setting 'epochs' must be a whole number" "$bin" train --config "$tmp/type.json"
printf '{"epochs": 2,' >"$tmp/broken.json"
expect_error "broken config" "not valid JSON" "$bin" train --config "$tmp/broken.json"
expect_error "cifar without directory" "cifar10 needs --data-dir" "$bin" train --dataset cifar10 --out "$tmp/x"

if [ "$failures" -ne 0 ]; then echo "$failures train check(s) failed"; exit 1; fi
echo "all train checks passed"
