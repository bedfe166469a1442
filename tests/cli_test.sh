#!/usr/bin/env bash
# End-to-end checks of `infomorph pid`: output shape and values, formats, and the error path
# (status 2, one line on stderr, nothing on stdout).
set -u
bin="$1"
here="$(cd "$(dirname "$0")" && pwd)"
source "$(dirname "$0")/cli_lib.sh"

# expect_json NAME PYTHON-ASSERTION ARGS... (reads JSON from the command's stdout)
expect_json() {
  local name="$1" check="$2"; shift 2
  if ! "$@" >"$tmp/out" 2>"$tmp/err"; then fail "$name: exit status $? ($(cat "$tmp/err"))"; return; fi
  [ -s "$tmp/err" ] && fail "$name: unexpected stderr: $(cat "$tmp/err")"
  python3 - "$tmp/out" "$check" <<'PY' || fail "$name"
import json, math, sys
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"j": j, "math": math, "close": lambda a, b: abs(a - b) <= 1e-12})
if not ok:
    print(json.dumps(j)[:2000]); sys.exit(1)
PY
}


printf '0,0,0,0.25\n0,1,1,0.25\n1,0,1,0.25\n1,1,0,0.25\n' >"$tmp/xor.csv"
printf '0,0,0,3\n0,1,1,3\n1,0,1,3\n1,1,0,3\n' >"$tmp/xor_counts.csv"
printf '0,0,0\n0,1,1\n1,0,1\n1,1,0\n0,0,0\n' >"$tmp/xor_samples.csv"

xor_check='close(j["atoms"]["{1}{2}"]["total"], math.log2(2/3)) and close(j["atoms"]["{1}"]["total"], math.log2(3/2)) and close(j["atoms"]["{1,2}"]["total"], math.log2(4/3)) and close(j["mi"], 1.0) and close(j["h_target"], 1.0) and close(j["h_res"], 0.0) and j["n_sources"] == 2 and list(j["atoms"]) == ["{1}{2}", "{1}", "{2}", "{1,2}"] and list(j["redundancies"]) == list(j["atoms"]) and "pointwise" not in j and all(close(v["inf"] - v["misinf"], v["total"]) for v in j["atoms"].values())'
expect_json "xor probs" "$xor_check" "$bin" pid "$tmp/xor.csv" --sources 2
expect_json "xor counts" "$xor_check" "$bin" pid "$tmp/xor_counts.csv" --sources 2 --format counts
expect_json "xor stdin" "$xor_check" bash -c "'$bin' pid --sources 2 < '$tmp/xor.csv'"
expect_json "samples pointwise, one entry per row in input order" \
  'len(j["pointwise"]) == 5 and j["pointwise"][0] == j["pointwise"][4] and close(j["pointwise"][1]["atoms"]["{1}{2}"]["total"], math.log2(0.2/(0.8*0.4))) and close(j["pointwise"][1]["redundancies"]["{1,2}"]["total"], math.log2(1/0.4))' \
  "$bin" pid "$tmp/xor_samples.csv" --sources 2 --format samples --pointwise
expect_json "and gate example, pointwise" \
  'len(j["pointwise"]) == 4 and close(j["pointwise"][0]["atoms"]["{1}{2}"]["total"], math.log2(4/3)) and close(j["pointwise"][1]["atoms"]["{1}"]["total"], math.log2(3/2))' \
  "$bin" pid "$here/../examples/data/and_gate.csv" --sources 2 --pointwise
printf '0,0,0,0,0.5\n1,1,1,1,0.5\n0,1,0,1,0\n' >"$tmp/zero.csv"
expect_json "zero-probability row gives null pointwise values" \
  'len(j["pointwise"]) == 3 and j["pointwise"][2]["atoms"]["{1,2,3}"]["total"] is None and close(j["mi"], 1.0) and len(j["atoms"]) == 18' \
  "$bin" pid "$tmp/zero.csv" --sources 3 --pointwise
printf '0,0,0,0,0,0.5\n1,1,1,1,1,0.5\n' >"$tmp/four.csv"
expect_json "four sources" 'len(j["atoms"]) == 166 and close(j["atoms"]["{1}{2}{3}{4}"]["total"], 1.0)' \
  "$bin" pid "$tmp/four.csv" --sources 4

printf '0,0,0,0.5\n1,1,1,-0.5\n' >"$tmp/negative.csv"
expect_error "negative probability" "must be finite and non-negative" "$bin" pid "$tmp/negative.csv" --sources 2
printf '0,0,0,0.5\n1,1,1,0.4\n' >"$tmp/sum.csv"
expect_error "probabilities not summing to one" "sum to 0.9" "$bin" pid "$tmp/sum.csv" --sources 2
printf '0,0,0,nan\n1,1,1,0.5\n' >"$tmp/nan.csv"
expect_error "NaN probability" ":1: probability 'nan'" "$bin" pid "$tmp/nan.csv" --sources 2
printf '0,0,1\n' >"$tmp/short.csv"
expect_error "too few fields" ":1: 3 fields, expected 4" "$bin" pid "$tmp/short.csv" --sources 2
printf '0,0,0,0.5\n0,x,1,0.5\n' >"$tmp/text.csv"
expect_error "non-integer value" ":2: field 2 'x' is not a non-negative integer" "$bin" pid "$tmp/text.csv" --sources 2
printf '0,-1,0,0.5\n0,1,1,0.5\n' >"$tmp/neg_value.csv"
expect_error "negative value" "field 2 '-1'" "$bin" pid "$tmp/neg_value.csv" --sources 2
expect_error "too many sources" "--sources: must be a whole number from 2 to 4, got '5'" "$bin" pid "$tmp/xor.csv" --sources 5
expect_error "wrong source count for the file" "more than 4 fields" "$bin" pid "$tmp/four.csv" --sources 2
expect_error "missing file" "cannot open" "$bin" pid "$tmp/absent.csv" --sources 2
expect_error "empty input" "no data rows" bash -c "'$bin' pid --sources 2 < /dev/null"
expect_error "unknown format" "format" "$bin" pid "$tmp/xor.csv" --sources 2 --format nope
expect_error "missing --sources" "sources" "$bin" pid "$tmp/xor.csv"

if [ "$failures" -ne 0 ]; then echo "$failures CLI check(s) failed"; exit 1; fi
echo "all CLI checks passed"
