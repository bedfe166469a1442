#!/usr/bin/env python3
"""Test accuracy over the hidden layer's size, next to the ICLR paper's medians.

usage: plot_sizes.py RUN_DIR [RUN_DIR ...] [--out DIR]

Each RUN_DIR is the output of `infomorph train` (config.json, log.jsonl, timing.jsonl). Writes
sizes.png: the last logged test accuracy of each run over its hidden size N (log axis), with the
paper's medians for the trivariate network with the optimised goal and 100 sparse lateral
partners (N <= 100: all others; Schneider et al., ICLR 2025, Fig. 3C). Runs of one size (seeds)
form one row of the printed Markdown table, by N: lateral partners, the paper's median, our
median, each run's value (in the order given), the difference, and the summed training time of
the epochs (timing.jsonl, or the log's own 'seconds' in runs of older binaries). DIR defaults
to the current directory. Exit status 2 on a run directory that cannot be read; nothing is
written then.
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_log  # noqa: E402  (its validated log reader and atomic PNG writer)
from plot_log import LogError, plt  # noqa: E402

# The paper's medians (%) for the trivariate optimised sparse model, by hidden size.
PAPER = {1: 18.88, 2: 26.07, 5: 61.23, 10: 84.42, 20: 90.53, 50: 93.76, 100: 95.21, 200: 95.93,
         500: 96.67, 1000: 97.19, 2000: 97.53}


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise LogError(f"{path}: cannot read: {e}")
    except json.JSONDecodeError as e:
        raise LogError(f"{path}:{e.lineno}: not valid JSON: {e.msg}")


def training_seconds(directory):
    """The summed epoch times of timing.jsonl, or of log.jsonl's 'seconds' (older binaries
    logged them there)."""
    path = os.path.join(directory, "timing.jsonl")
    if not os.path.exists(path) and os.path.exists(os.path.join(directory, "log.jsonl")):
        path = os.path.join(directory, "log.jsonl")
    total = 0.0
    for lineno, line in enumerate(plot_log.read_lines(path), 1):
        if not line.strip():
            continue
        try:
            total += plot_log.number(json.loads(line)["seconds"], f"{path}:{lineno}", "seconds")
        except (json.JSONDecodeError, KeyError, TypeError):
            raise LogError(f"{path}:{lineno}: expected an object with a number 'seconds' (the epoch times: "
                           "timing.jsonl, or log.jsonl of older binaries)")
    return total


def read_run(directory):
    """(N, partners, final test accuracy in %, training seconds, epochs) of one run directory."""
    config = read_json(os.path.join(directory, "config.json"))
    where = os.path.join(directory, "config.json")
    if not isinstance(config, dict):
        raise LogError(f"{where}: expected a JSON object")
    for key in ("hidden", "partners"):
        if isinstance(config.get(key), bool) or not isinstance(config.get(key), int) or config[key] < 0:
            raise LogError(f"{where}: '{key}' must be a non-negative integer")
    records = plot_log.read_log(os.path.join(directory, "log.jsonl"))
    test = records[-1]["test"]
    if test != test:  # NaN: the last epoch has no test accuracy
        raise LogError(f"{os.path.join(directory, 'log.jsonl')}: the last epoch has no test_accuracy "
                       "(train with --test-every dividing --epochs)")
    seconds = training_seconds(directory)
    return config["hidden"], config["partners"], 100 * test, seconds, int(records[-1]["epoch"])


def main():
    p = argparse.ArgumentParser(description="Test accuracy over the hidden size, against the paper's medians.")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="output directory of `infomorph train`")
    p.add_argument("--out", default=".", help="directory of sizes.png (default: the current one)")
    args = p.parse_args()
    try:
        runs = [read_run(d) for d in args.runs]  # everything read before anything is written
    except LogError as e:
        print(f"plot_sizes.py: error: {e}", file=sys.stderr)
        return 2

    # Runs of one size (seeds) form one row: their values in the order given, and their median.
    sizes = {}
    for n, partners, test, seconds, epochs in runs:
        sizes.setdefault((n, partners), []).append((test, seconds, epochs))
    print("| N | lateral partners | paper | ours (median) | runs | ours − paper | training time |")
    print("|---|---|---|---|---|---|---|")
    for (n, partners), group in sorted(sizes.items()):
        paper = PAPER.get(n)
        ours = statistics.median(t for t, _, _ in group)
        lateral = "all others" if partners == 0 or partners >= n - 1 else str(partners)
        difference = f"{ours - paper:+.2f}" if paper is not None else ""
        epochs = "/".join(sorted({str(e) for _, _, e in group}))
        print(f"| {n} | {lateral} | {'' if paper is None else f'{paper:.2f} %'} | {ours:.2f} % | "
              f"{', '.join(f'{t:.2f}' for t, _, _ in group)} | {difference} | "
              f"{sum(sec for _, sec, _ in group):.0f} s ({len(group)} × {epochs} epochs) |")
    print(f"total training time: {sum(r[3] for r in runs):.0f} s")

    os.makedirs(args.out, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(list(PAPER), list(PAPER.values()), "-o", color="0.6", label="paper (median)")
    ax.plot([r[0] for r in runs], [r[2] for r in runs], ".", color="C3", alpha=0.5, label="ours (each run)")
    medians = sorted((n, statistics.median(t for t, _, _ in g)) for (n, _), g in sizes.items())
    ax.plot([n for n, _ in medians], [m for _, m in medians], "_", color="C3", markersize=14, mew=2,
            label="ours (median)")
    ax.set_xscale("log")
    ax.set_xlabel("hidden neurons N")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    written = []
    plot_log.save(fig, args.out, "sizes.png", written)
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
