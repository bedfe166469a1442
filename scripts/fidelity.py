#!/usr/bin/env python3
"""How well a short training predicts the long one: early validation against final test accuracy.

usage: fidelity.py RUN_DIR [RUN_DIR ...] [--early E] [--floor F] [--skip-unfinished]
                   [--median-of GLOB ...] [--warmups W,W,...]

Each RUN_DIR is the output of `infomorph train` (its log.jsonl). For the runs whose final test
accuracy is at least F (default 0: all), prints the Spearman rank correlation between the
validation accuracy after epoch E (default 20, a search trial's length) and the test accuracy
after the last epoch, the least-squares line test = a * validation + b, and per half-point band
of the early validation accuracy: the runs in it and the median of their final test accuracy.
Exit status 2 on a log that cannot be read or lacks those epochs, unless --skip-unfinished
(runs stopped early, e.g. a search's pruned or interrupted trials) leaves out and counts those
that lack them.

With --median-of, the runs are also judged as a search's median pruner would judge them: the
reference runs (the directories GLOB matches, e.g. a search's trials) that reached epoch E give
the median validation accuracy per epoch, and for each warmup W the script counts the runs whose
best validation accuracy so far lies below that median at some epoch from W to E (Optuna's
MedianPruner with n_warmup_steps = W, against complete trials).
"""
import argparse
import glob
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_log import LogError, read_log  # noqa: E402  (validated log records)


def ranks(values):
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def pearson(x, y):
    mx, my = statistics.fmean(x), statistics.fmean(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / (sxx * syy) ** 0.5 if sxx > 0 and syy > 0 else float("nan")


class Unfinished(LogError):
    pass


def read_run(directory, early):
    path = os.path.join(directory, "log.jsonl")
    records = read_log(path)
    at = {int(r["epoch"]): r for r in records}
    if early not in at or at[early]["validation"] != at[early]["validation"]:
        raise Unfinished(f"{path}: no validation accuracy at epoch {early}")
    final = records[-1]["test"]
    if final != final:
        raise Unfinished(f"{path}: the last epoch has no test_accuracy")
    return 100 * at[early]["validation"], 100 * final, validation_by_epoch(records)


def validation_by_epoch(records):
    return {int(r["epoch"]): 100 * r["validation"] for r in records if r["validation"] == r["validation"]}


def pruning_medians(patterns, early):
    """Median validation accuracy per epoch 1..early over the reference runs that reached early."""
    logs = []
    for pattern in patterns:
        for d in sorted(glob.glob(pattern)):
            if os.path.isfile(os.path.join(d, "log.jsonl")):
                v = validation_by_epoch(read_log(os.path.join(d, "log.jsonl")))
                if all(e in v for e in range(1, early + 1)):
                    logs.append(v)
    if not logs:
        raise LogError(f"--median-of: no run in {' '.join(patterns)} has a validation accuracy for every epoch to {early}")
    return len(logs), {e: statistics.median(v[e] for v in logs) for e in range(1, early + 1)}


def pruned_at(validation, medians, warmup, early):
    """The first epoch from warmup to early at which the run's best validation accuracy so far
    lies below that epoch's median (as Optuna's pruner compares), or None."""
    best = float("-inf")
    for e in range(1, early + 1):
        best = max(best, validation.get(e, best))
        if e >= warmup and best < medians[e]:
            return e
    return None


def main():
    p = argparse.ArgumentParser(description="Early validation against final test accuracy over runs.")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR")
    p.add_argument("--early", type=int, default=20, help="the early epoch (default 20)")
    p.add_argument("--skip-unfinished", action="store_true",
                   help="leave out runs without the early validation or the final test accuracy")
    p.add_argument("--floor", type=float, default=0.0, help="only runs whose final test accuracy (%%) is at least this")
    p.add_argument("--median-of", action="append", metavar="GLOB",
                   help="reference runs (a search's trial folders) for the median pruner's thresholds")
    p.add_argument("--warmups", default="3,5,10", help="the pruner's warmups in epochs (default 3,5,10)")
    args = p.parse_args()
    try:
        warmups = [int(w) for w in args.warmups.split(",")]
    except ValueError:
        print(f"fidelity.py: error: --warmups: '{args.warmups}' is not a list of whole numbers", file=sys.stderr)
        return 2
    pairs, skipped = [], 0
    for d in args.runs:
        try:
            pairs.append(read_run(d, args.early))
        except Unfinished as e:
            if not args.skip_unfinished:
                print(f"fidelity.py: error: {e}", file=sys.stderr)
                return 2
            skipped += 1
        except LogError as e:
            print(f"fidelity.py: error: {e}", file=sys.stderr)
            return 2
    if skipped:
        print(f"left out: {skipped} unfinished runs")
    pairs = [(v, t, by_epoch) for v, t, by_epoch in pairs if t >= args.floor]
    if len(pairs) < 2:
        print(f"fidelity.py: error: {len(pairs)} runs at or above --floor {args.floor}; at least 2 are needed",
              file=sys.stderr)
        return 2
    v, t = [a for a, _, _ in pairs], [b for _, b, _ in pairs]
    slope = pearson(v, t) * statistics.pstdev(t) / statistics.pstdev(v) if statistics.pstdev(v) > 0 else float("nan")
    print(f"runs: {len(pairs)}; validation after epoch {args.early}: {min(v):.2f}-{max(v):.2f} %; "
          f"final test: {min(t):.2f}-{max(t):.2f} %")
    print(f"Spearman rho: {pearson(ranks(v), ranks(t)):.3f}")
    print(f"least squares: test = {slope:.3f} * validation + {statistics.fmean(t) - slope * statistics.fmean(v):.2f}")
    print(f"| validation after epoch {args.early} | runs | median final test |")
    print("|---|---|---|")
    bands = sorted({int(x // 0.5) for x in v})
    for b in bands:
        inside = [y for x, y, _ in pairs if int(x // 0.5) == b]
        print(f"| {b * 0.5:.1f}-{b * 0.5 + 0.5:.1f} % | {len(inside)} | {statistics.median(inside):.2f} % |")
    if args.median_of:
        try:
            n, medians = pruning_medians(args.median_of, args.early)
        except LogError as e:
            print(f"fidelity.py: error: {e}", file=sys.stderr)
            return 2
        print(f"median pruner against {n} reference runs (median validation at epoch {args.early}: "
              f"{medians[args.early]:.2f} %):")
        for w in warmups:
            first = [pruned_at(by_epoch, medians, w, args.early) for _, _, by_epoch in pairs]
            hit = [e for e in first if e is not None]
            at = f", first at epoch {min(hit)}, median epoch {statistics.median(hit):g}" if hit else ""
            print(f"warmup {w}: {len(hit)} of {len(pairs)} runs pruned{at}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
