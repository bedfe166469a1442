#!/usr/bin/env bash
# Hostile inputs to every command (docs/robustness.md, "Inputs"): numeric ranges of `pid`
# weights, whole-number and finite-number flags and config values, absurd sizes, untrusted
# IDX headers and labels, images of another shape. Each ends in a correct result or in the
# error contract: status 2, one line on stderr naming the file, flag or field, nothing on stdout.
set -u
bin="$1"
mnist="$2"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1
# A wrapped-around count can run forever: every command gets a time limit (status 124 fails).
im=(timeout "${INFOMORPH_TEST_TIMEOUT:-300}" "$bin")

# --- pid: weights whose total overflows or underflows, subnormal probabilities, -0 ---
printf '0,0,0,1\n0,1,0,2\n1,0,0,3\n1,1,1,4\n' >"$tmp/and.csv"
printf '0,0,0,1e-310\n0,1,0,2e-310\n1,0,0,3e-310\n1,1,1,4e-310\n' >"$tmp/and_subnormal.csv"
printf '0,0,0,1e308\n0,1,0,1e308\n1,0,0,1e308\n1,1,1,1e308\n' >"$tmp/and_huge.csv"
printf '0,0,0,1\n0,1,0,1\n1,0,0,1\n1,1,1,1\n' >"$tmp/and_uniform.csv"
for f in and and_subnormal and_huge and_uniform; do
  "${im[@]}" pid "$tmp/$f.csv" -n 2 --format counts >"$tmp/$f.json" 2>"$tmp/err" || fail "pid $f: $(cat "$tmp/err")"
done
python3 - "$tmp" <<'PY' || fail "pid: counts of any scale give the same PID"
import json, math, sys
t = sys.argv[1]
def atoms(name): return json.load(open(f"{t}/{name}.json"))["atoms"]
for a, b in (("and_subnormal", "and"), ("and_huge", "and_uniform")):
    x, y = atoms(a), atoms(b)
    for k in y:
        for part in ("inf", "misinf", "total"):
            assert math.isfinite(x[k][part]) and abs(x[k][part] - y[k][part]) <= 1e-12, (a, k, part, x[k][part], y[k][part])
PY
# One row of probability ~1e-310: its pointwise i+ of {1} is -log2 p ~ 1029.8, not 1022.
printf '0,0,0,1\n1,1,1,1e-310\n' >"$tmp/tiny.csv"
"${im[@]}" pid "$tmp/tiny.csv" -n 2 --format counts --pointwise >"$tmp/tiny.json" 2>"$tmp/err" || fail "pid tiny: $(cat "$tmp/err")"
python3 - "$tmp/tiny.json" <<'PY' || fail "pid: exact pointwise logarithm of a subnormal probability"
import json, math, sys
j = json.load(open(sys.argv[1]))
p = 1e-310 / (1 + 1e-310)
v = j["pointwise"][1]["redundancies"]["{1}"]["inf"]
assert abs(v - (-math.log2(p))) < 1e-9, v
PY
# A deterministic target: exact zeros, never printed as -0.
printf '0,0,0,0.5\n1,1,0,0.5\n' >"$tmp/constant.csv"
"${im[@]}" pid "$tmp/constant.csv" -n 2 --pointwise >"$tmp/constant.json" 2>"$tmp/err" || fail "pid constant: $(cat "$tmp/err")"
grep -q -- "-0\.0\|-0," "$tmp/constant.json" && fail "pid: negative zero printed: $(head -c 300 "$tmp/constant.json")"
# --pointwise streams one JSON object: rows in input order, zero-probability rows null.
printf '0,0,0,0.25\n0,1,1,0\n0,1,1,0.25\n1,0,1,0.25\n1,1,0,0.25\n' >"$tmp/xor_zero.csv"
"${im[@]}" pid "$tmp/xor_zero.csv" -n 2 --pointwise >"$tmp/xor.json" 2>"$tmp/err" || fail "pid pointwise: $(cat "$tmp/err")"
python3 -m json.tool "$tmp/xor.json" >/dev/null || fail "pid --pointwise: not one JSON object"
python3 - "$tmp/xor.json" <<'PY' || fail "pid --pointwise: content"
import json, math, sys
j = json.load(open(sys.argv[1]))
assert abs(j["mi"] - 1) < 1e-12 and len(j["pointwise"]) == 5
assert j["pointwise"][1]["atoms"]["{1}"]["inf"] is None
assert abs(j["pointwise"][0]["atoms"]["{1,2}"]["total"] - math.log2(4 / 3)) < 1e-12
PY
# Pointwise values of 200000 rows of 4 sources (about 1.6 GB) under a 600 MB address-space limit:
# refused with the estimate (available memory counts the RLIMIT_AS left) before the allocation.
python3 -c "
import random
random.seed(1)
print('\n'.join(','.join(str(random.randrange(16)) for _ in range(5)) + ',1' for _ in range(200000)))" >"$tmp/large.csv"
# AddressSanitizer reserves terabytes of shadow memory at start, which `ulimit -v` forbids: the
# sanitizer build (scripts/check_clang.sh) skips this one case.
if [ -z "${INFOMORPH_TEST_SANITIZED:-}" ]; then
  expect_error "pid --pointwise out of memory" "$tmp/large.csv: the pointwise values of 200000 rows of 4 sources would need about" bash -c "ulimit -v 600000; exec \"\$@\"" - "${im[@]}" pid "$tmp/large.csv" -n 4 --format counts --pointwise
fi
# Whole-input errors name the file; non-finite weights name file:line; input is quoted briefly.
printf '0,0,0,0\n1,1,1,0\n' >"$tmp/zero.csv"
expect_error "pid zero total" "$tmp/zero.csv: the counts sum to zero" "${im[@]}" pid "$tmp/zero.csv" -n 2 --format counts
printf '0,0,0,0.5\n1,1,1,0.4\n' >"$tmp/short.csv"
expect_error "pid total 0.9" "$tmp/short.csv: the probabilities sum to 0.9" "${im[@]}" pid "$tmp/short.csv" -n 2
printf '# only a comment\n' >"$tmp/empty.csv"
expect_error "pid empty" "$tmp/empty.csv: no data rows" "${im[@]}" pid "$tmp/empty.csv" -n 2
printf '0,0,0,1\n1,1,1,nan\n' >"$tmp/nan.csv"
expect_error "pid nan" "$tmp/nan.csv:2:" "${im[@]}" pid "$tmp/nan.csv" -n 2 --format counts
printf '0,0,0,1\n1,1,1,1e400\n' >"$tmp/big.csv"
expect_error "pid 1e400" "$tmp/big.csv:2: field 4 '1e400' lies outside the range of a double" "${im[@]}" pid "$tmp/big.csv" -n 2 --format counts
{ printf '0,0,\033[31m'; head -c 100000 /dev/zero | tr '\0' 'x'; printf ',1\n'; } >"$tmp/hostile.csv"
expect_error "pid hostile field" "$tmp/hostile.csv:1: field 3 '\\x1b[31mxxx" "${im[@]}" pid "$tmp/hostile.csv" -n 2
[ "$(wc -c <"$tmp/err")" -lt 400 ] || fail "pid hostile field: message of $(wc -c <"$tmp/err") bytes"
grep -q $'\033' "$tmp/err" && fail "pid hostile field: raw escape character in the message"
expect_error "pid --sources -1" "--sources" "${im[@]}" pid "$tmp/and.csv" --sources -1

# --- integer and finite-number flags ---
for args in "--epochs -1" "--epochs 1.5" "--epochs 0" "--batch -1" "--seed -1" "--limit -1" "--threads 0" \
  "--hidden 99999999999999999999" "--hidden 1e3" "--partners -2"; do
  set -- $args
  expect_error "train $args" "$1" "${im[@]}" train $args --data-dir "$mnist" --out "$tmp/never"
done
for args in "--gamma nan,0,1,0,0" "--gamma 0,inf,1,0,0" "--lr-hidden nan" "--train-fraction inf" "--weight-decay-output -inf"; do
  set -- $args
  expect_error "train $args" "$1" "${im[@]}" train --kind context $args --data-dir "$mnist" --out "$tmp/never"
done
for args in "--batch -1" "--limit -1" "--batch 0"; do
  set -- $args
  expect_error "evaluate $args" "$1" "${im[@]}" evaluate "$tmp/absent/model.bin" $args
  expect_error "predict $args" "$1" "${im[@]}" predict "$tmp/absent/model.bin" "$tmp/absent.idx" $args
done
for args in "--neurons -1" "--neurons 100000000" "--seeds -1" "--epochs -5" "--threads 0" "--noise nan" "--seed 1.5"; do
  set -- $args
  expect_error "memory $args" "$1" "${im[@]}" memory --patterns 5 $args
done
expect_error "memory --load 1e300" "--load" "${im[@]}" memory --load 1e300
expect_error "memory of 60000 neurons" "--neurons 60000 with 10 patterns (1 at once) would need about" "${im[@]}" memory --neurons 60000 --patterns 10
expect_error "memory sweep of 10^12 loads" "--from, --to, --step" "${im[@]}" memory --capacity --step 1e-12
# Config values: whole numbers in range, finite numbers.
for setting in '"epochs": 1e20' '"epochs": 1.5' '"batch": -1' '"seed": -1' '"limit": 18446744073709551616' '"threads": 0' \
  '"hidden": "many"'; do
  echo "{$setting}" >"$tmp/config.json"
  key="$(echo "$setting" | cut -d'"' -f2)"
  expect_error "config $setting" "$tmp/config.json: setting '$key'" "${im[@]}" train --config "$tmp/config.json" --out "$tmp/never"
done
[ -e "$tmp/never" ] && fail "a refused run created its output directory"

# --- absurd sizes and settings that leave nothing to train ---
expect_error "train --hidden 10000000" "--hidden 10000000, --batch 1024: the network and its training would need about" \
  "${im[@]}" train --hidden 10000000 --data-dir "$mnist" --out "$tmp/never"
grep -q "available on this machine" "$tmp/err" || fail "train --hidden 10000000: no available memory in $(cat "$tmp/err")"
expect_error "train share of no image" "train_fraction 0.100000 of 2 training images" \
  "${im[@]}" train --kind readout --limit 2 --train-fraction 0.1 --data-dir "$mnist" --out "$tmp/never"

# --- data files: untrusted IDX headers, labels out of range, images of another shape ---
python3 - "$tmp" "$mnist" <<'PY'
import gzip, shutil, struct, sys
tmp, mnist = sys.argv[1], sys.argv[2]
def idx(path, dims, payload):
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload)
import os
for name in ("claims", "labels", "shape"):
    os.makedirs(f"{tmp}/{name}")
    for f in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(f"{mnist}/{f}", f"{tmp}/{name}/{f}")
# 10^9 images claimed in a file of a few bytes (about 784 GB; a limit refuses it), and 10^7 (7.8 GB).
idx(f"{tmp}/claims/train-images-idx3-ubyte.gz", [10**7, 28, 28], bytes(784 * 3))
idx(f"{tmp}/claims/huge.gz", [10**9, 28, 28], bytes(784))
labels = bytearray(gzip.open(f"{mnist}/train-labels-idx1-ubyte.gz").read())
labels[8 + 1234] = 12
with gzip.open(f"{tmp}/labels/train-labels-idx1-ubyte.gz", "wb") as f: f.write(bytes(labels))
images = gzip.open(f"{mnist}/t10k-images-idx3-ubyte.gz").read()
idx(f"{tmp}/shape/t10k-images-idx3-ubyte.gz", [10000, 392, 2], images[16:])
PY
expect_error "train: IDX header claims 10^7 images" "$tmp/claims/train-images-idx3-ubyte.gz: header says 10000000 images but the file holds 3" \
  "${im[@]}" train --data-dir "$tmp/claims" --out "$tmp/never"
"${im[@]}" train --kind readout --limit 200 --epochs 1 --data-dir "$mnist" --out "$tmp/model" --no-progress \
  >/dev/null 2>"$tmp/err" || fail "train a small model: $(cat "$tmp/err")"
expect_error "predict: IDX header claims 10^9 images" "$tmp/claims/huge.gz: IDX dimensions are implausibly large" \
  "${im[@]}" predict "$tmp/model/model.bin" "$tmp/claims/huge.gz" --data-dir "$mnist"
expect_error "predict: images 392 x 2" "the test images are 1 x 392 x 2 (784 values), the training images 1 x 28 x 28" \
  "${im[@]}" predict "$tmp/model/model.bin" "$tmp/shape/t10k-images-idx3-ubyte.gz" --data-dir "$mnist"
expect_error "train: label 12" "$tmp/labels/train-labels-idx1-ubyte.gz: label 1234 is 12, expected 0..9" \
  "${im[@]}" train --data-dir "$tmp/labels" --out "$tmp/never"
expect_error "train: test images 392 x 2" "the test images are 1 x 392 x 2 (784 values), the training images 1 x 28 x 28 (784 values)" \
  "${im[@]}" train --kind readout --limit 100 --data-dir "$tmp/shape" --out "$tmp/never"
[ -e "$tmp/never" ] && fail "a refused run created its output directory"

[ "$failures" -eq 0 ] && echo "all robust-input CLI checks passed"
exit "$failures"
