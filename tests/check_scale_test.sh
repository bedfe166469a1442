#!/usr/bin/env bash
# Checks scripts/check_scale.py: its verdicts on comparisons with known numbers, one real case
# (a build against itself, whose PID is not 0.6 of itself: a missed target, exit status 1),
# and its error paths.
# usage: check_scale_test.sh PATH/TO/check_scale.py BENCH_DIR
set -u
script="$1"
bench="$2"
source "$(dirname "$0")/cli_lib.sh"
python=python3

# The targets' borders: 0.75 and 0.6 of OLD, 3.9 s, 500 MB, 0.25 s, not slower than 1.05.
"$python" - "$script" <<'PY' || fail "verdicts"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("check_scale", sys.argv[1])
cs = importlib.util.module_from_spec(spec); spec.loader.exec_module(cs)

def doc(rows, peak_kib=0):
    bench = {name: {"old": [old], "new": [new], "median_ratio": new / old} for name, old, new in rows}
    return {"filter": "f", "benchmarks": bench, "peak_kib": {"old": [1], "new": [peak_kib]}}

def verdicts(documents):
    return [(target.split(":")[0] + ":" + target.split(":")[1][:8], met) for target, _, met in cs.judge(documents, "cpu")]

suffix = "/2/2000/100/2/iterations:1/real_time"
met = {"epoch2000": doc([(cs.N2000 + "2" + suffix, 6.0, 3.9)], 488281),
       "threads2000": doc([(cs.N2000 + "1/x", 16.0, 7.8)]),
       "epoch100": doc([(cs.N100 + "2/x", 0.30, 0.25)]),
       "threads100": doc([(cs.N100 + "1/x", 0.5, 0.4)]),
       "pid": doc([(cs.PID + "bins=20", 1.0, 0.6)]),
       "goal": doc([(cs.GOALS[0], 1.0, 1.05), (cs.GOALS[1], 1.0, 0.5)])}
got = [m for _, m in verdicts(met)]
assert got == [True, True, True, None, True, True, None, True, True, True], verdicts(met)
speedups = [m for t, m, _ in cs.judge(met, "cpu") if "speed-up" in t]
assert speedups == ["2.00×", "1.60×"], speedups
missed = {"epoch2000": doc([(cs.N2000 + "2/x", 8.0, 6.01)], 488282),
          "epoch100": doc([(cs.N100 + "2/x", 0.2, 0.251)]),
          "pid": doc([(cs.PID + "x", 1.0, 0.601)]),
          "goal": doc([(cs.GOALS[0], 1.0, 1.06), (cs.GOALS[1], 1.0, 1.0)])}
got = [m for _, m in verdicts(missed)]  # no speed-ups without the threads cases
assert got == [False, False, False, False, False, False, False, True], verdicts(missed)
try:
    cs.judge({"pid": doc([("other", 1, 1)])}, "cpu")
    raise AssertionError("a missing benchmark was not refused")
except cs.CompareError as e:
    assert "no benchmark named isx_averaged/N=3/samples=1024/" in str(e), e
PY

# Each case's filter selects, in this build's binaries, every benchmark its targets read.
"$python" - "$script" "$bench" <<'PY' || fail "filters"
import importlib.util, os, subprocess, sys
spec = importlib.util.spec_from_file_location("check_scale", sys.argv[1])
cs = importlib.util.module_from_spec(spec); spec.loader.exec_module(cs)
wanted = {"epoch2000": [cs.N2000 + "2/"], "threads2000": [cs.N2000 + "1/"], "epoch100": [cs.N100 + "2/"],
          "threads100": [cs.N100 + "1/"],
          "pid": [cs.PID], "goal": list(cs.GOALS)}
for case, (binary, pattern, _) in cs.CASES.items():
    listed = subprocess.run([os.path.join(sys.argv[2], binary), "--benchmark_list_tests",
                             f"--benchmark_filter={pattern}"], capture_output=True, text=True, check=True).stdout.split()
    for prefix in wanted[case]:
        assert sum(name.startswith(prefix) for name in listed) == 1, (case, prefix, listed)
    assert len(listed) == len(wanted[case]), (case, listed)
PY

# A real case: the build against itself. The PID's 0.6 of OLD is missed, so exit status 1.
"$python" "$script" "$bench" "$bench" --pairs 1 --cases pid --json "$tmp/s.json" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "self: status not 1 ($(cat "$tmp/err"))"
grep -q '^| PID, N = 3, 995 cells: ≤ 0.6 of OLD | [01]\.[0-9]* | \*\*missed\*\* |$' "$tmp/out" || fail "self: $(cat "$tmp/out")"
grep -q '^| `isx_averaged/N=3/samples=1024/bins=20/1024/20/0` | 1 |' "$tmp/out" || fail "self table: $(cat "$tmp/out")"
"$python" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert list(d) == ["pid"] and d["pid"]["pairs"] == 1' \
  "$tmp/s.json" || fail "self json"

mkdir -p "$tmp/empty"
expect_error "cases" "--cases: unknown case(s) pdi; known: epoch2000, threads2000, epoch100, threads100, pid, goal" "$python" "$script" "$bench" "$bench" --cases pdi
expect_error "old dir" "OLD_BENCH_DIR $tmp/empty: no executable infomorph_bench_goal (case goal)" "$python" "$script" "$tmp/empty" "$bench" --cases goal
expect_error "pairs" "--pairs must be at least 1, not 0" "$python" "$script" "$bench" "$bench" --pairs 0

[ "$failures" -eq 0 ] && echo "check_scale.py: all checks passed"
exit "$failures"
