#!/usr/bin/env python3
"""Plot `infomorph memory --json` outputs (the paper's Figure 2 story, capacity over N).

usage: plot_memory.py RESULT.json [RESULT.json ...] [--out DIR]

Each file is either a capacity sweep (`--capacity --json`: has "median_capacity") or a
single-load run (`--load A --json`). Writes into DIR (default: the first file's directory):
  recall.png     mean cosine over the load, one line per rule/goal (capacity sweeps, averaged
                 over the seeds that reached each load)
  atoms.png      the infomorphic neurons' mean PID atoms over the load (single-load runs with
                 atoms; else the atoms recorded along the first infomorphic capacity sweep)
  capacity.png   median capacity over N per rule/goal (when sweeps at two or more N are given)
Prints each written path. Exit status 2 on a malformed file.
"""
import argparse
import json
import os
import statistics
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("plot_memory.py: needs matplotlib (Debian: apt-get install python3-matplotlib)")

GOALS = {
    (0, 0, 1, 0, 0): "redundancy",
    (1, 1, 1, 1, 0): "joint MI",
    (0.48, -0.16, 0.25, 0.04, -0.63): "optimised 1",
    (-0.27, -0.68, 0.68, -0.77, -0.8): "optimised 2",
}
ATOMS = [("unique_external", "unique external"), ("unique_recurrent", "unique recurrent"),
         ("redundancy", "redundancy"), ("synergy", "synergy"), ("h_res", "H_res")]


class BadInput(Exception):
    pass


def label(j):
    if j["rule"] != "infomorphic":
        return j["rule"]
    g = tuple(round(float(x), 6) for x in j.get("gamma", []))
    return "infomorphic, " + GOALS.get(g, str(list(g)))


def load(path):
    try:
        with open(path) as f:
            j = json.load(f)
        if not isinstance(j, dict) or "seeds" not in j or "rule" not in j or "neurons" not in j:
            raise BadInput("not an `infomorph memory --json` result (needs neurons, rule, seeds)")
        for s in j["seeds"]:
            if "median_capacity" in j:
                for l in s["loads"]:
                    float(l["load"]), float(l["mean_cosine"])
            else:
                float(s["mean_cosine"])
        return j
    except (OSError, ValueError, KeyError, TypeError, BadInput) as e:
        raise BadInput(f"{path}: {e}")


def save(fig, out, name, written):
    path = os.path.join(out, name)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    written.append(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out")
    a = ap.parse_args()
    try:
        results = [(p, load(p)) for p in a.files]
    except BadInput as e:
        print(f"plot_memory.py: {e}", file=sys.stderr)
        return 2
    out = a.out or os.path.dirname(os.path.abspath(a.files[0]))
    os.makedirs(out, exist_ok=True)
    sweeps = [j for _, j in results if "median_capacity" in j]
    runs = [j for _, j in results if "median_capacity" not in j]
    written = []

    if sweeps:
        fig, ax = plt.subplots(figsize=(6, 4))
        for j in sweeps:
            by_load = {}
            for s in j["seeds"]:
                for l in s["loads"]:
                    by_load.setdefault(round(l["load"], 6), []).append(l["mean_cosine"])
            xs = sorted(by_load)
            ax.plot(xs, [statistics.mean(by_load[x]) for x in xs], marker=".",
                    label=f"{label(j)} (N={j['neurons']}, median α_c={j['median_capacity']:.2f})")
        ax.axhline(0.95, color="gray", lw=0.8, ls="--")
        ax.set_xlabel("load α = P/N")
        ax.set_ylabel("mean cosine after recall")
        ax.legend(fontsize=7)
        save(fig, out, "recall.png", written)

    atom_points = {}
    for j in runs:
        if j["rule"] != "infomorphic":
            continue
        x = j["patterns"] / j["neurons"]
        for s in j["seeds"]:
            if "atoms" in s:
                atom_points.setdefault(x, []).append(s["atoms"])
    if not atom_points:
        for j in sweeps:
            if j["rule"] == "infomorphic":
                for s in j["seeds"]:
                    for l in s["loads"]:
                        if "atoms" in l:
                            atom_points.setdefault(round(l["load"], 6), []).append(l["atoms"])
                break
    if atom_points:
        fig, ax = plt.subplots(figsize=(6, 4))
        xs = sorted(atom_points)
        for key, name in ATOMS:
            ax.plot(xs, [statistics.mean(a[key] for a in atom_points[x]) for x in xs], marker=".", label=name)
        ax.set_xlabel("load α = P/N")
        ax.set_ylabel("mean atom per neuron [bit]")
        ax.legend(fontsize=7)
        save(fig, out, "atoms.png", written)

    by_label = {}
    for j in sweeps:
        by_label.setdefault(label(j), {})[j["neurons"]] = j["median_capacity"]
    if any(len(v) >= 2 for v in by_label.values()):
        fig, ax = plt.subplots(figsize=(6, 4))
        for name, points in by_label.items():
            ns = sorted(points)
            ax.plot(ns, [points[n] for n in ns], marker="o", label=name)
        ax.set_xscale("log")
        ax.set_xlabel("neurons N")
        ax.set_ylabel("median capacity α_c")
        ax.legend(fontsize=7)
        save(fig, out, "capacity.png", written)

    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
