#!/usr/bin/env python3
"""Two benchmark binaries in alternating runs: the ratio NEW / OLD per benchmark.

usage: compare_bench.py OLD NEW --filter REGEX [--pairs N] [--repetitions R]
                        [--statistic median|min] [--time real|cpu] [--cpus LIST]
                        [--json PATH] [-- EXTRA BENCHMARK ARGUMENTS]

OLD and NEW are Google Benchmark binaries (bench/, e.g. one built from an older commit's
worktree). Each pair runs OLD and NEW once each, as separate processes, OLD first in odd pairs
and NEW first in even ones, so that a slow or fast period of a shared machine falls on both
alike. Every run gets --benchmark_filter=REGEX, --benchmark_repetitions=R, JSON output and
OPENBLAS_NUM_THREADS=1 (OpenBLAS threads would fight ours); --cpus pins both to those cores.
A run's value per benchmark is the median (or, with --statistic min, the fastest) of its R
repetitions, real time unless --time cpu.

Prints a Markdown table, one row per benchmark both binaries ran: pairs, OLD's and NEW's range
of values, and the median of the per-pair ratios NEW / OLD with their quartiles; then the
largest peak resident memory of OLD's and NEW's runs (the process's, all its benchmarks).
--json writes every value, the order of each pair, the peak memory of each run and the machine
(Google Benchmark's context and the CPU model) to PATH, atomically. A progress line per pair goes to stderr; Ctrl-C stops after the
last finished pair and prints what was measured (exit status 130). Exit status 2, with one line naming the
argument, binary or benchmark, on anything that cannot be compared; nothing is written then.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


class CompareError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse with its errors as one line, as every error of this script."""

    def error(self, message):
        print(f"compare_bench.py: error: {message}", file=sys.stderr)
        sys.exit(2)


def parse_args(argv):
    extra = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    p = Parser(description=__doc__.split("\n")[0])
    p.add_argument("old", metavar="OLD", help="the reference benchmark binary")
    p.add_argument("new", metavar="NEW", help="the benchmark binary to compare with it")
    p.add_argument("--filter", required=True, help="Google Benchmark filter (a regular expression)")
    p.add_argument("--pairs", type=int, default=8, help="alternating pairs of runs (default 8)")
    p.add_argument("--repetitions", type=int, default=1, help="repetitions per run (default 1)")
    p.add_argument("--statistic", choices=("median", "min"), default="median",
                   help="a run's value from its repetitions (default median)")
    p.add_argument("--time", choices=("real", "cpu"), default="real", help="which time (default real)")
    p.add_argument("--cpus", help="cores to pin both binaries to, e.g. 0,1 or 1")
    p.add_argument("--json", help="write all values and the machine's description here")
    args = p.parse_args(argv)
    args.extra = extra
    if args.pairs < 1:
        p.error(f"--pairs must be at least 1, not {args.pairs}")
    if args.repetitions < 1:
        p.error(f"--repetitions must be at least 1, not {args.repetitions}")
    if args.cpus is not None:
        args.cpus = parse_cpus(p, args.cpus)
    if args.json is not None:
        folder = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(folder):
            p.error(f"--json {args.json}: folder {folder} does not exist")
    for role in ("old", "new"):
        path = getattr(args, role)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            p.error(f"{role.upper()} {path}: not an executable file")
    return args


def parse_cpus(p, text):
    try:
        cpus = {int(c) for c in text.split(",")}
    except ValueError:
        p.error(f"--cpus {text}: expected core numbers separated by commas, e.g. 0,1")
    allowed = os.sched_getaffinity(0)
    if not cpus <= allowed:
        p.error(f"--cpus {text}: core(s) {sorted(cpus - allowed)} not available; "
                f"this process may use {sorted(allowed)}")
    return cpus


def execute(command, env, cpus):
    """Runs COMMAND to its end: (status, stdout, stderr, peak resident memory in KiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        child = subprocess.Popen(command, env=env, preexec_fn=pin, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(child.pid, 0)
        except BaseException:
            child.kill()
            child.wait()
            raise
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (child.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), usage.ru_maxrss)


def run_binary(role, path, args):
    """One run: {benchmark name: seconds}, Google Benchmark's context and the peak memory."""
    command = [path, f"--benchmark_filter={args.filter}", "--benchmark_format=json",
               f"--benchmark_repetitions={args.repetitions}", *args.extra]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    status, stdout, stderr, peak_kib = execute(command, env, args.cpus)
    label = f"{role} ({path})"
    if status != 0:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        raise CompareError(f"{label} exited with status {status}: {tail}")
    if not stdout.strip() and "Failed to match" in stderr:
        raise CompareError(f"--filter {args.filter!r} matched no benchmark of {label}")
    try:
        report = json.loads(stdout)
        entries = report["benchmarks"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise CompareError(f"{label}: output is not Google Benchmark JSON ({e})")
    return values_of(label, entries, args), report.get("context", {}), peak_kib


def values_of(label, entries, args):
    times = {}
    for e in entries:
        if e.get("run_type", "iteration") != "iteration":
            continue
        name = e.get("run_name", e.get("name"))
        if e.get("error_occurred"):
            raise CompareError(f"{label}: benchmark {name} failed: {e.get('error_message', '')}")
        unit = e.get("time_unit", "ns")
        if unit not in UNITS:
            raise CompareError(f"{label}: benchmark {name}: unknown time unit {unit!r}")
        try:
            value = float(e[f"{args.time}_time"]) * UNITS[unit]
        except (KeyError, TypeError, ValueError):
            raise CompareError(f"{label}: benchmark {name} has no {args.time}_time")
        if not value > 0:  # a ratio needs a positive time; NaN is refused too
            raise CompareError(f"{label}: benchmark {name} reports a {args.time} time of {value}")
        times.setdefault(name, []).append(value)
    if not times:
        raise CompareError(f"--filter {args.filter!r} matched no benchmark of {label}")
    pick = statistics.median if args.statistic == "median" else min
    return {name: pick(v) for name, v in times.items()}


def quartiles(values):
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def seconds(v):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if v >= scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v / 1e-9:.3g} ns"


def summarise(names, results):
    rows = {}
    for name in names:
        old = [r["old"][name] for r in results]
        new = [r["new"][name] for r in results]
        ratios = [n / o for o, n in zip(old, new)]
        rows[name] = {"old": old, "new": new, "ratios": ratios,
                      "median_ratio": statistics.median(ratios), "quartiles": quartiles(ratios)}
    return rows


def table(rows):
    lines = ["| benchmark | pairs | OLD | NEW | NEW / OLD (quartiles) |", "|---|---|---|---|---|"]
    for name, r in rows.items():
        q1, q3 = r["quartiles"]
        lines.append(f"| `{name}` | {len(r['ratios'])} | {seconds(min(r['old']))}–{seconds(max(r['old']))}"
                     f" | {seconds(min(r['new']))}–{seconds(max(r['new']))}"
                     f" | **{r['median_ratio']:.3f}** ({q1:.3f}–{q3:.3f}) |")
    return "\n".join(lines)


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def write_json(path, document):
    """Written beside PATH and renamed over it: PATH is whole or as it was."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".compare_bench.", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=1)
            f.write("\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def measure(args):
    """The pairs in alternating order; stops early on Ctrl-C with the pairs finished so far."""
    results, context, interrupted = [], {}, False
    try:
        for i in range(args.pairs):
            order = ("old", "new") if i % 2 == 0 else ("new", "old")
            pair = {"first": order[0]}
            for role in order:
                pair[role], context[role], pair[f"{role}_peak_kib"] = run_binary(
                    role.upper(), getattr(args, role), args)
            names = sorted(set(pair["old"]) & set(pair["new"]))
            if not names:
                raise CompareError(f"--filter {args.filter!r}: no benchmark ran in both OLD and NEW")
            if results and (set(pair["old"]), set(pair["new"])) != (set(results[0]["old"]), set(results[0]["new"])):
                raise CompareError(f"pair {i + 1} ran other benchmarks than pair 1")
            results.append(pair)
            shown = "; ".join(f"{n}: {pair['new'][n] / pair['old'][n]:.3f}" for n in names[:3])
            print(f"pair {i + 1}/{args.pairs} ({order[0].upper()} first): {shown}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"interrupted after {len(results)} pair(s)", file=sys.stderr)
        if not results:
            raise CompareError("interrupted before the first pair finished")
        interrupted = True
    return results, context, interrupted


def compare(args):
    """The whole comparison as one document (what --json writes), and whether Ctrl-C cut it short."""
    results, context, interrupted = measure(args)
    old_names, new_names = set(results[0]["old"]), set(results[0]["new"])
    for role, only in (("OLD", old_names - new_names), ("NEW", new_names - old_names)):
        if only:
            print(f"not compared, only in {role}: {', '.join(sorted(only))}", file=sys.stderr)
    document = {
        "old": os.path.abspath(args.old), "new": os.path.abspath(args.new),
        "filter": args.filter, "pairs": len(results), "repetitions": args.repetitions,
        "statistic": args.statistic, "time": args.time, "extra_arguments": args.extra,
        "cpus": sorted(args.cpus) if args.cpus else None, "cpu_model": cpu_model(),
        "first": [r["first"] for r in results], "context": context.get("new", {}),
        "peak_kib": {role: [r[f"{role}_peak_kib"] for r in results] for role in ("old", "new")},
        "benchmarks": summarise(sorted(old_names & new_names), results)}
    return document, interrupted


def main(argv):
    args = parse_args(argv)
    try:
        document, interrupted = compare(args)
        if args.json is not None:
            write_json(args.json, document)
    except CompareError as e:
        print(f"compare_bench.py: error: {e}", file=sys.stderr)
        return 2
    print(table(document["benchmarks"]))
    peak = document["peak_kib"]
    print(f"\nPeak memory of a run (largest): OLD {max(peak['old'])} KiB, NEW {max(peak['new'])} KiB")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
