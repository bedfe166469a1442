#!/usr/bin/env bash
# Checks scripts/compare_bench.py: the order of the runs, the ratios and statistics on stand-in
# binaries that print known Google Benchmark JSON (and log when they ran), one end-to-end
# comparison of a real benchmark binary with itself, and every error path.
# usage: compare_bench_test.sh PATH/TO/compare_bench.py PATH/TO/infomorph_bench_pid
set -u
script="$1"
bench="$2"
source "$(dirname "$0")/cli_lib.sh"
python=python3

# fake NAME A_MS... : a binary that logs NAME to $tmp/order, records its arguments and prints
# benchmark "a" with the given repetitions (ms), an aggregate to be ignored, and "only_NAME".
fake() {
  local name="$1"; shift
  local entries="" v
  for v in "$@"; do
    entries+="{\"name\": \"a\", \"run_name\": \"a\", \"run_type\": \"iteration\", \"real_time\": $v, \"cpu_time\": 1, \"time_unit\": \"ms\"},"
  done
  cat >"$tmp/$name" <<FAKE
#!/usr/bin/env bash
echo $name >>"$tmp/order"
echo "\$@ OPENBLAS_NUM_THREADS=\$OPENBLAS_NUM_THREADS" >"$tmp/$name.args"
echo '{"context": {"host_name": "$name"}, "benchmarks": [$entries
  {"name": "a_mean", "run_name": "a", "run_type": "aggregate", "real_time": 999, "cpu_time": 999, "time_unit": "ms"},
  {"name": "only_$name", "run_name": "only_$name", "run_type": "iteration", "real_time": 5, "cpu_time": 5, "time_unit": "us"}]}'
FAKE
  chmod +x "$tmp/$name"
}
fake old 3 1 2       # median 2 ms, fastest 1 ms
fake new 1.5 0.9 1.2 # median 1.2 ms, fastest 0.9 ms

# Three pairs: OLD first, then NEW first, then OLD first; medians give 1.2 / 2 = 0.6.
OPENBLAS_NUM_THREADS=8 "$python" "$script" "$tmp/old" "$tmp/new" --filter 'a|only' --pairs 3 --repetitions 3 \
  --json "$tmp/c.json" -- --benchmark_min_time=0.01 >"$tmp/out" 2>"$tmp/err" || fail "fakes: status $? ($(cat "$tmp/err"))"
[ "$(tr '\n' ' ' <"$tmp/order")" = "old new new old old new " ] || fail "order: $(cat "$tmp/order")"
grep -qxF -- "--benchmark_filter=a|only --benchmark_format=json --benchmark_repetitions=3 --benchmark_min_time=0.01 OPENBLAS_NUM_THREADS=1" "$tmp/new.args" \
  || fail "arguments: $(cat "$tmp/new.args")"
grep -qxF '| `a` | 3 | 2 ms–2 ms | 1.2 ms–1.2 ms | **0.600** (0.600–0.600) |' "$tmp/out" || fail "table: $(cat "$tmp/out")"
grep -qF 'not compared, only in OLD: only_old' "$tmp/err" && grep -qF 'not compared, only in NEW: only_new' "$tmp/err" \
  || fail "only in one: $(cat "$tmp/err")"
[ "$(grep -c '^pair [123]/3' "$tmp/err")" = 3 ] || fail "progress: $(cat "$tmp/err")"
"$python" - "$tmp/c.json" <<'PY' || fail "json"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["benchmarks"]["a"]
assert d["first"] == ["old", "new", "old"], d["first"]
assert d["pairs"] == 3 and list(d["benchmarks"]) == ["a"], d
assert all(abs(v - 0.002) < 1e-15 for v in a["old"]) and all(abs(v - 0.0012) < 1e-15 for v in a["new"]), a
assert all(abs(r - 0.6) < 1e-12 for r in a["ratios"]) and abs(a["median_ratio"] - 0.6) < 1e-12, a
assert d["context"] == {"host_name": "new"} and d["extra_arguments"] == ["--benchmark_min_time=0.01"], d
PY
ls -A "$tmp" | grep -q '^\.compare_bench' && fail "temporary file left: $(ls -A "$tmp")"

# The fastest repetition: 0.9 / 1 = 0.9; one pair gives its own ratio as both quartiles.
"$python" "$script" "$tmp/old" "$tmp/new" --filter a --pairs 1 --repetitions 3 --statistic min \
  >"$tmp/out" 2>"$tmp/err" || fail "min: status $?"
grep -qxF '| `a` | 1 | 1 ms–1 ms | 900 µs–900 µs | **0.900** (0.900–0.900) |' "$tmp/out" || fail "min: $(cat "$tmp/out")"

# Ratios that vary between pairs: NEW's time from a counter, 1, 2, 3, 4 ms against OLD's 2 ms.
cat >"$tmp/rising" <<FAKE
#!/usr/bin/env bash
n=\$(( \$(cat "$tmp/count" 2>/dev/null || echo 0) + 1 )); echo \$n >"$tmp/count"
echo "{\"benchmarks\": [{\"name\": \"a\", \"run_type\": \"iteration\", \"real_time\": \$n, \"cpu_time\": 1, \"time_unit\": \"ms\"}]}"
FAKE
chmod +x "$tmp/rising"
"$python" "$script" "$tmp/old" "$tmp/rising" --filter a --pairs 4 --json "$tmp/r.json" >"$tmp/out" 2>"$tmp/err" || fail "rising: status $?"
# Ratios 0.5, 1, 1.5, 2: median 1.25, inclusive quartiles 0.875 and 1.625.
grep -qxF '| `a` | 4 | 2 ms–2 ms | 1 ms–4 ms | **1.250** (0.875–1.625) |' "$tmp/out" || fail "rising: $(cat "$tmp/out")"

# Peak memory per run, of that process: a stand-in that touches 200 MiB against one that does not.
cat >"$tmp/big" <<FAKE
#!/usr/bin/env python3
block = bytearray(200 << 20)
print('{"benchmarks": [{"name": "a", "run_type": "iteration", "real_time": 1, "cpu_time": 1, "time_unit": "ms"}]}')
FAKE
chmod +x "$tmp/big"
"$python" "$script" "$tmp/old" "$tmp/big" --filter a --pairs 2 --json "$tmp/m.json" >"$tmp/out" 2>"$tmp/err" || fail "memory: status $?"
"$python" - "$tmp/m.json" <<'PY' || fail "memory: $(cat "$tmp/out")"
import json, sys
peak = json.load(open(sys.argv[1]))["peak_kib"]
assert len(peak["new"]) == 2 and all(200 * 1024 <= k < 400 * 1024 for k in peak["new"]), peak
assert all(k < 100 * 1024 for k in peak["old"]), peak
PY
grep -q '^Peak memory of a run (largest): OLD [0-9]* KiB, NEW 2[0-9][0-9][0-9][0-9][0-9] KiB$' "$tmp/out" || fail "memory line: $(cat "$tmp/out")"

# A real benchmark binary against itself, pinned to the first core this test may use.
cpu=$("$python" -c 'import os; print(min(os.sched_getaffinity(0)))')
"$python" "$script" "$bench" "$bench" --filter 'isx_averaged/N=2/' --pairs 2 --repetitions 2 --cpus "$cpu" \
  --json "$tmp/real.json" -- --benchmark_min_time=0.01 >"$tmp/out" 2>"$tmp/err" || fail "real: status $? ($(cat "$tmp/err"))"
grep -q '^| `isx_averaged/N=2/.*` | 2 | .* | \*\*[0-9.]*\*\* (' "$tmp/out" || fail "real: $(cat "$tmp/out")"
"$python" - "$tmp/real.json" <<'PY' || fail "real json"
import json, sys
d = json.load(open(sys.argv[1]))
for name, b in d["benchmarks"].items():
    assert [n / o for o, n in zip(b["old"], b["new"])] == b["ratios"], name
    assert 1e-7 < min(b["old"]) and max(b["old"]) < 1, b
assert d["context"]["num_cpus"] >= 1 and d["cpus"] == [int(x) for x in d["cpus"]], d
PY

# Errors: one line naming the argument, binary or benchmark; an existing --json file untouched.
echo keep >"$tmp/kept.json"
expect_error "no match" "--filter 'zzz' matched no benchmark of OLD" "$python" "$script" "$bench" "$bench" --filter zzz --json "$tmp/kept.json"
printf '#!/usr/bin/env bash\necho %s\n' "'{\"benchmarks\": [{\"name\": \"b\", \"real_time\": 1, \"cpu_time\": 1}]}'" >"$tmp/b"
chmod +x "$tmp/b"
expect_error "no common" "--filter 'a': no benchmark ran in both OLD and NEW" "$python" "$script" "$tmp/old" "$tmp/b" --filter a --json "$tmp/kept.json"
printf '#!/usr/bin/env bash\necho boom >&2\nexit 3\n' >"$tmp/crash"; chmod +x "$tmp/crash"
expect_error "crash" "NEW ($tmp/crash) exited with status 3: boom" "$python" "$script" "$tmp/old" "$tmp/crash" --filter a --json "$tmp/kept.json"
printf '#!/usr/bin/env bash\necho not json\n' >"$tmp/text"; chmod +x "$tmp/text"
expect_error "not json" "OLD ($tmp/text): output is not Google Benchmark JSON" "$python" "$script" "$tmp/text" "$tmp/new" --filter a
printf '#!/usr/bin/env bash\necho %s\n' "'{\"benchmarks\": [{\"name\": \"a\", \"run_type\": \"iteration\", \"error_occurred\": true, \"error_message\": \"no MNIST\"}]}'" >"$tmp/skip"
chmod +x "$tmp/skip"
expect_error "skipped" "OLD ($tmp/skip): benchmark a failed: no MNIST" "$python" "$script" "$tmp/skip" "$tmp/new" --filter a
printf '#!/usr/bin/env bash\necho %s\n' "'{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 0, \"cpu_time\": 1, \"time_unit\": \"ms\"}]}'" >"$tmp/zero"
chmod +x "$tmp/zero"
expect_error "zero time" "OLD ($tmp/zero): benchmark a reports a real time of 0.0" "$python" "$script" "$tmp/zero" "$tmp/new" --filter a
printf '#!/usr/bin/env bash\necho %s\n' "'{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1, \"time_unit\": \"ms\"}]}'" >"$tmp/notime"
chmod +x "$tmp/notime"
expect_error "no time" "NEW ($tmp/notime): benchmark a has no cpu_time" "$python" "$script" "$tmp/old" "$tmp/notime" --filter a --time cpu
expect_error "missing" "NEW $tmp/none: not an executable file" "$python" "$script" "$tmp/old" "$tmp/none" --filter a
expect_error "pairs" "--pairs must be at least 1, not 0" "$python" "$script" "$tmp/old" "$tmp/new" --filter a --pairs 0
expect_error "repetitions" "--repetitions must be at least 1" "$python" "$script" "$tmp/old" "$tmp/new" --filter a --repetitions -1
expect_error "cpus" "--cpus 0,100000: core(s) [100000] not available" "$python" "$script" "$tmp/old" "$tmp/new" --filter a --cpus 0,100000
expect_error "cpus text" "--cpus x: expected core numbers" "$python" "$script" "$tmp/old" "$tmp/new" --filter a --cpus x
expect_error "json folder" "--json $tmp/no/c.json: folder $tmp/no does not exist" "$python" "$script" "$tmp/old" "$tmp/new" --filter a --json "$tmp/no/c.json"
expect_error "filter" "the following arguments are required: --filter" "$python" "$script" "$tmp/old" "$tmp/new"
[ "$(cat "$tmp/kept.json")" = keep ] || fail "the existing --json file changed"

[ "$failures" -eq 0 ] && echo "compare_bench.py: all checks passed"
exit "$failures"
