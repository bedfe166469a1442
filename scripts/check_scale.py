#!/usr/bin/env python3
"""Issue 17's speed targets, measured: two benchmark builds in alternating runs, each target judged.

usage: check_scale.py OLD_BENCH_DIR NEW_BENCH_DIR [--pairs N] [--cases LIST] [--cpus LIST]
                      [--json PATH]

OLD_BENCH_DIR is the bench/ folder of a native build of the reference commit 455d933 (issue
17's), NEW_BENCH_DIR that of the build to check (infomorph_bench_pid, _goal and _epoch in each).
Each case runs both builds' binary in --pairs alternating pairs (scripts/compare_bench.py):

  epoch2000    epoch/context_lateral/N=2000/partners=100/threads=2, one epoch a run
  threads2000  the same with threads=1
  epoch100     epoch/context_lateral/N=100/threads=2, medians of 5
  threads100   the same with threads=1
  pid          isx_averaged/N=3/samples=1024/, medians of 5
  goal         the float goal kernels (100 neurons, the MNIST network's layer), medians of 5

Prints each case's table, then one row per target: N = 2000 at most 0.75 of OLD, 3.9 s and
500 MB (the peak of its own process); N = 100 at most 0.25 s; the PID at most 0.6 of OLD; the goal kernels and the N = 100
epoch not slower than OLD beyond the noise (median ratio at most 1.05); and NEW's speed-up from
1 to 2 threads. The absolute times (3.9 s, 0.25 s) are stated for the Intel Xeon machines of
docs/benchmarks.md; the CPU model measured on is printed with them. Exit status 1 when a target
is missed, 2 on anything that cannot be measured (one line naming it).
"""
import argparse
import statistics
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_bench  # noqa: E402  (the alternating runs)
from compare_bench import CompareError  # noqa: E402

N2000 = "epoch/context_lateral/N=2000/partners=100/threads="
N100 = "epoch/context_lateral/N=100/threads="
PID = "isx_averaged/N=3/samples=1024/"
GOALS = ("layer_goal/N=3/B=1024/bins=20/float/100/1", "layer_goal/N=3/B=1024/bins=20/float/mnist_network")
# case: (binary, filter, repetitions). One process per case and run, so that the peak memory
# of the N = 2000 case is that case's own.
CASES = {
    "epoch2000": ("infomorph_bench_epoch", N2000 + "2/", 1),
    "threads2000": ("infomorph_bench_epoch", N2000 + "1/", 1),
    "epoch100": ("infomorph_bench_epoch", N100 + "2/", 5),
    "threads100": ("infomorph_bench_epoch", N100 + "1/", 5),
    "pid": ("infomorph_bench_pid", PID, 5),
    "goal": ("infomorph_bench_goal", "layer_goal/N=3/B=1024/bins=20/float/(100/1|mnist_network)$", 5),
}
NOISE = 1.05


def parse_args(argv):
    p = compare_bench.Parser(description=__doc__.split("\n")[0])
    p.add_argument("old", metavar="OLD_BENCH_DIR")
    p.add_argument("new", metavar="NEW_BENCH_DIR")
    p.add_argument("--pairs", type=int, default=8, help="alternating pairs per case (default 8)")
    p.add_argument("--cases", default=",".join(CASES), help=f"comma-separated subset of {','.join(CASES)}")
    p.add_argument("--cpus", help="cores to pin the binaries to (default: all this process may use)")
    p.add_argument("--json", help="write every case's comparison here (compare_bench.py's documents)")
    args = p.parse_args(argv)
    if args.pairs < 1:
        p.error(f"--pairs must be at least 1, not {args.pairs}")
    args.cases = args.cases.split(",")
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        p.error(f"--cases: unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    args.cpus = compare_bench.parse_cpus(p, args.cpus) if args.cpus else None
    if args.json is not None and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        p.error(f"--json {args.json}: folder {os.path.dirname(os.path.abspath(args.json))} does not exist")
    for role in ("old", "new"):
        folder = getattr(args, role)
        for case in args.cases:
            binary = os.path.join(folder, CASES[case][0])
            if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
                p.error(f"{role.upper()}_BENCH_DIR {folder}: no executable {CASES[case][0]} (case {case})")
    return args


def run_case(args, case):
    binary, pattern, repetitions = CASES[case]
    settings = argparse.Namespace(
        old=os.path.join(args.old, binary), new=os.path.join(args.new, binary), filter=pattern,
        pairs=args.pairs, repetitions=repetitions, statistic="median", time="real",
        cpus=args.cpus, extra=[])
    print(f"case {case}: {binary} --benchmark_filter='{pattern}'", file=sys.stderr)
    document, interrupted = compare_bench.compare(settings)
    if interrupted:
        raise CompareError(f"interrupted in case {case}")
    return document


def row(document, prefix):
    """The benchmark whose name starts with PREFIX (names carry Google Benchmark's suffixes)."""
    for name, r in document["benchmarks"].items():
        if name.startswith(prefix):
            return r
    raise CompareError(f"no benchmark named {prefix}… in the comparison of {document['filter']!r}")


def median(values):
    return statistics.median(values)


def speedup(documents, one, two, prefix):
    """NEW's median time on 1 thread over that on 2, when both cases ran."""
    if one not in documents or two not in documents:
        return []
    t1 = median(row(documents[one], prefix + "1/")["new"])
    t2 = median(row(documents[two], prefix + "2/")["new"])
    return [(f"{'N = 2000' if prefix == N2000 else 'N = 100'} epoch: NEW's speed-up from 1 to 2 threads",
             f"{t1 / t2:.2f}×", None)]


def judge(documents, cpu):
    """(target, measured, met or None for a number without a target) for each case measured."""
    verdicts = []
    if "epoch2000" in documents:
        d = documents["epoch2000"]
        two = row(d, N2000 + "2/")
        peak = max(d["peak_kib"]["new"]) * 1024 / 1e6
        verdicts += [
            ("N = 2000 epoch, 2 threads: ≤ 0.75 of OLD", f"{two['median_ratio']:.3f}", two["median_ratio"] <= 0.75),
            (f"N = 2000 epoch, 2 threads: ≤ 3.9 s (Intel Xeon; here {cpu})", f"{median(two['new']):.2f} s",
             median(two["new"]) <= 3.9),
            ("N = 2000 epoch, 2 threads: peak memory ≤ 500 MB", f"{peak:.0f} MB", peak <= 500)]
    verdicts += speedup(documents, "threads2000", "epoch2000", N2000)
    if "epoch100" in documents:
        two = row(documents["epoch100"], N100 + "2/")
        verdicts += [
            (f"N = 100 epoch, 2 threads: ≤ 0.25 s (Intel Xeon; here {cpu})", f"{median(two['new']):.3f} s",
             median(two["new"]) <= 0.25),
            (f"N = 100 epoch, 2 threads: not slower than OLD (≤ {NOISE})", f"{two['median_ratio']:.3f}",
             two["median_ratio"] <= NOISE)]
    verdicts += speedup(documents, "threads100", "epoch100", N100)
    if "pid" in documents:
        r = row(documents["pid"], PID)
        verdicts.append(("PID, N = 3, 995 cells: ≤ 0.6 of OLD", f"{r['median_ratio']:.3f}", r["median_ratio"] <= 0.6))
    if "goal" in documents:
        for prefix in GOALS:
            r = row(documents["goal"], prefix)
            verdicts.append((f"`{prefix}`: not slower than OLD (≤ {NOISE})", f"{r['median_ratio']:.3f}",
                             r["median_ratio"] <= NOISE))
    return verdicts


def main(argv):
    args = parse_args(argv)
    try:
        documents = {case: run_case(args, case) for case in args.cases}
        if args.json is not None:
            compare_bench.write_json(args.json, documents)
    except CompareError as e:
        print(f"check_scale.py: error: {e}", file=sys.stderr)
        return 2
    cpu = compare_bench.cpu_model() or "an unknown CPU"
    for case, document in documents.items():
        print(f"## {case}: {document['pairs']} pairs, medians of {document['repetitions']}\n")
        print(compare_bench.table(document["benchmarks"]) + "\n")
    verdicts = judge(documents, cpu)
    print("| target | measured | verdict |\n|---|---|---|")
    for target, measured, met in verdicts:
        print(f"| {target} | {measured} | {'—' if met is None else 'met' if met else '**missed**'} |")
    return 1 if any(met is False for _, _, met in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
