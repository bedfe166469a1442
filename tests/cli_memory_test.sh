#!/usr/bin/env bash
# End-to-end checks of `infomorph memory`: JSON shape, the rules' behaviour at small N
# against known facts (one Hebbian pattern is a fixed point; Hebb fails at alpha = 0.5 where
# the infomorphic rule stores), the same bits for any thread count, the capacity and noise
# sweeps, the online task, and refused arguments (status 2, one line on stderr, no stdout).
set -u
bin="$1"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1

# expect_json NAME PYTHON-ASSERTION ARGS... (reads JSON from the command's stdout)
expect_json() {
  local name="$1" check="$2"; shift 2
  if ! "$@" >"$tmp/out" 2>"$tmp/err"; then fail "$name: exit status $? ($(cat "$tmp/err"))"; return; fi
  [ -s "$tmp/err" ] && fail "$name: unexpected stderr: $(cat "$tmp/err")"
  cp "$tmp/out" "$tmp/last.json"
  python3 - "$tmp/out" "$check" <<'PY' || fail "$name"
import json, sys, statistics
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"j": j, "statistics": statistics})
if not ok:
    print(json.dumps(j)[:2000]); sys.exit(1)
PY
}


expect_json "one Hebbian pattern is recalled exactly" \
  'j["neurons"] == 40 and j["patterns"] == 1 and j["rule"] == "hebb" and len(j["seeds"]) == 2 and all(s["mean_cosine"] == 1.0 and s["recalled_fraction"] == 1.0 and s["stored"] and s["steps"] == 1 for s in j["seeds"]) and [s["seed"] for s in j["seeds"]] == [5, 6]' \
  "$bin" memory --neurons 40 --patterns 1 --rule hebb --seeds 2 --seed 5 --json
expect_json "Hebb fails at alpha = 0.5" 'not any(s["stored"] for s in j["seeds"])' \
  "$bin" memory --neurons 32 --load 0.5 --rule hebb --seeds 3 --json
expect_json "the infomorphic rule stores alpha = 0.5, redundancy dominating" \
  'j["patterns"] == 16 and j["gamma"] == [0, 0, 1, 0, 0] and all(s["stored"] and s["recalled_fraction"] >= 0.95 and s["atoms"]["redundancy"] > max(s["atoms"]["unique_external"], s["atoms"]["unique_recurrent"], s["atoms"]["synergy"]) for s in j["seeds"])' \
  "$bin" memory --neurons 32 --load 0.5 --epochs 500 --seeds 2 --json
cp "$tmp/last.json" "$tmp/one_thread.json"
expect_json "two threads give the same bits" 'True' "$bin" memory --neurons 32 --load 0.5 --epochs 500 --seeds 2 --threads 2 --json
cmp -s "$tmp/one_thread.json" "$tmp/last.json" || fail "two threads: output differs from one thread"
expect_json "gamma in the authors' order" 'j["gamma"] == [0.48, -0.16, 0.25, 0.04, -0.63]' \
  "$bin" memory --neurons 16 --patterns 4 --epochs 20 --gamma 0.48 -0.16 0.25 0.04 -0.63 --json
expect_json "named optimised goal" 'j["gamma"] == [-0.27, -0.68, 0.68, -0.77, -0.8]' \
  "$bin" memory --neurons 16 --patterns 4 --epochs 20 --goal optimized_2 --json
expect_json "binning: fixed by default, soft on request; |w_T| 2.3 by default" 'j["binning"] == "fixed" and j["external_weight"] == 2.3' \
  "$bin" memory --neurons 16 --patterns 4 --epochs 5 --json
expect_json "external weight 2.3 given explicitly" 'True' "$bin" memory --neurons 24 --patterns 12 --epochs 30 --external-weight 2.3 --json
cp "$tmp/last.json" "$tmp/w23.json"
expect_json "a weaker external weight is reported and trains another network" 'j["external_weight"] == 0.5' \
  "$bin" memory --neurons 24 --patterns 12 --epochs 30 --external-weight 0.5 --json
python3 - "$tmp/w23.json" "$tmp/last.json" <<'PY' || fail "--external-weight 0.5 gave the atoms of 2.3"
import json, sys
a, b = (json.load(open(f))["seeds"][0]["atoms"] for f in sys.argv[1:])
assert a != b, (a, b)
PY
expect_json "soft binning reports its estimator and atoms" \
  'j["binning"] == "soft" and len(j["seeds"][0]["atoms"]) == 5 and j["seeds"][0]["atoms"]["h_res"] >= 0' \
  "$bin" memory --neurons 16 --patterns 4 --epochs 5 --binning soft --json
expect_json "Hebb capacity sweep: each seed stops at its first failure; the median" \
  'len(j["seeds"]) == 3 and all(s["loads"][-1]["stored"] is False and all(l["stored"] for l in s["loads"][:-1]) and abs(s["capacity"] - (s["loads"][-2]["load"] if len(s["loads"]) > 1 else 0)) < 1e-12 and 0.04 <= s["capacity"] <= 0.3 for s in j["seeds"]) and abs(j["median_capacity"] - statistics.median(s["capacity"] for s in j["seeds"])) < 1e-12' \
  "$bin" memory --neurons 50 --capacity --rule hebb --from 0.02 --to 1 --step 0.02 --seeds 3 --json
expect_json "Descent-L2 stores far beyond Hebb" 'all(s["stored"] for s in j["seeds"])' \
  "$bin" memory --neurons 50 --load 0.5 --rule descent_l2 --seeds 2 --json
expect_json "MPF stores far beyond Hebb" 'all(s["stored"] for s in j["seeds"])' \
  "$bin" memory --neurons 50 --load 0.4 --rule mpf --epochs 300 --seeds 2 --json
expect_json "noise sweep: 11 flip fractions, clean recall first, worse at half flipped" \
  'len(j["seeds"][0]["curve"]) == 11 and j["seeds"][0]["curve"][0]["fraction"] == 0 and j["seeds"][0]["curve"][0]["mean_cosine"] == 1.0 and j["seeds"][0]["curve"][10]["mean_cosine"] < 0.5' \
  "$bin" memory --neurons 40 --patterns 2 --rule hebb --noise-sweep --json
expect_json "online task" 'j["chunk"] == 4 and [p["seen"] for p in j["seeds"][0]["curve"]] == [4, 8, 12] and all(0 <= p["recalled"] <= p["seen"] for p in j["seeds"][0]["curve"])' \
  "$bin" memory --neurons 32 --patterns 12 --online 4 --epochs 50 --json

expect_error "zero load" "--load must be > 0" "$bin" memory --neurons 20 --load 0
expect_error "negative load" "--load must be > 0" "$bin" memory --neurons 20 --load -0.5
expect_error "one neuron" "--neurons must be at least 2" "$bin" memory --neurons 1 --load 0.5
expect_error "gamma length" "--gamma needs 5 values" "$bin" memory --neurons 20 --load 0.5 --gamma 1 0 1
expect_error "unknown rule" "--rule 'storkey'" "$bin" memory --neurons 20 --load 0.5 --rule storkey
expect_error "unknown binning" "--binning 'adaptive'" "$bin" memory --neurons 20 --load 0.5 --binning adaptive
expect_error "unknown goal" "--goal 'synergy'" "$bin" memory --neurons 20 --load 0.5 --goal synergy
expect_error "no load" "give --load or --patterns" "$bin" memory --neurons 20
expect_error "load and patterns" "excludes" "$bin" memory --neurons 20 --load 0.5 --patterns 3
expect_error "bad sweep" "--from, --to, --step" "$bin" memory --neurons 20 --capacity --from 0.5 --to 0.2
expect_error "noise out of range" "--noise must be in" "$bin" memory --neurons 20 --load 0.5 --noise 1.5
expect_error "zero external weight" "--external-weight must be > 0" "$bin" memory --neurons 20 --load 0.5 --external-weight 0
expect_error "infinite external weight" "--external-weight" "$bin" memory --neurons 20 --load 0.5 --external-weight inf

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all infomorph memory checks passed"
