#!/usr/bin/env python3
"""Turn `infomorph train` JSON-lines logs into PNG figures.

usage: plot_log.py LOG.jsonl [LOG.jsonl ...] [--out DIR] [--title TEXT]

One log:   accuracy.png (train/validation/test), atoms_<layer>.png per layer, goal.png.
Several:   accuracy.png overlays each log's test accuracy, goal.png each log's layer goals,
           both labelled by the log's parent directory; no atom figures (18 atoms times
           several runs on one axis would be unreadable).
Both:      diversity.png when a log has `diversity` records: each hidden layer's median cosine
           distance of a neuron's feedforward weights from their initial values (self) and the
           median pairwise cosine distance between neurons (docs/search.md#neuron-diversity).
DIR defaults to the first log's directory. Exit status 2 on a malformed log.
"""
import argparse
import json
import math
import os
import re
import sys
import tempfile

try:
    import matplotlib
    matplotlib.use("Agg")  # no display on CI machines
    import matplotlib.pyplot as plt
    import matplotlib.ticker
except ImportError:
    sys.exit("plot_log.py: needs matplotlib (Debian: apt-get install python3-matplotlib)")


UMASK = os.umask(0)
os.umask(UMASK)


class LogError(Exception):
    pass


def number(value, where, key, optional=False):
    # bool is an int subclass in Python; true/false in a log is a writer bug, not 1/0.
    if optional and value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LogError(f"{where}: '{key}' must be a number, got {json.dumps(value)}")
    return float(value)


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return list(f)
    except (OSError, UnicodeDecodeError) as e:
        raise LogError(f"{path}: cannot read: {e}")


def read_log(path):
    """Every record of the log, validated, so that plotting never meets a bad value half-way."""
    records = []
    for lineno, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line.rstrip("\r\n"))  # else a truncated line reports a column past its end
        except json.JSONDecodeError as e:
            raise LogError(f"{where}: not valid JSON: {e.msg} (column {e.colno})")
        if not isinstance(obj, dict):
            raise LogError(f"{where}: expected a JSON object")
        # test_accuracy is absent on epochs that `infomorph train --test-every K` skips.
        for key in ("epoch", "train_accuracy"):
            if key not in obj:
                raise LogError(f"{where}: missing '{key}'")
        rec = {"epoch": number(obj["epoch"], where, "epoch"),
               "train": number(obj["train_accuracy"], where, "train_accuracy"),
               "validation": number(obj.get("validation_accuracy"), where, "validation_accuracy", True),
               "test": number(obj.get("test_accuracy"), where, "test_accuracy", True),
               "layers": {}, "diversity": {}}
        diversity = obj.get("diversity", {})
        if not isinstance(diversity, dict):
            raise LogError(f"{where}: 'diversity' must be an object")
        for name, d in diversity.items():
            if not isinstance(d, dict):
                raise LogError(f"{where}: diversity.{name} must be an object")
            # null where undefined (pairwise distances of a one-neuron layer): no point plotted.
            rec["diversity"][name] = {k: number(d.get(k), where, f"diversity.{name}.{k}", k in d)
                                      for k in ("self", "pairwise")}
        layers = obj.get("layers", [])
        if not isinstance(layers, list):
            raise LogError(f"{where}: 'layers' must be a list")
        for i, layer in enumerate(layers):
            lw = f"{where}: layers[{i}]"
            if not isinstance(layer, dict) or not isinstance(layer.get("atoms"), dict):
                raise LogError(f"{lw}: expected an object with an 'atoms' object")
            name = str(layer.get("layer", i))
            rec["layers"][name] = {
                "goal": number(layer.get("goal"), lw, "goal"),
                "h_res": number(layer.get("h_res"), lw, "h_res"),
                "atoms": {a: number(v, lw, f"atoms.{a}") for a, v in layer["atoms"].items()}}
        records.append(rec)
    if not records:
        raise LogError(f"{path}: no records")
    return records


def save(fig, out_dir, name, written):
    # Temp file in the same directory so os.replace is an atomic rename: a reader (or a
    # crash) never sees a half-written PNG.
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
    try:
        os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes 0600; the figure should be as readable as any file
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png", dpi=120, bbox_inches="tight")
        os.replace(tmp, os.path.join(out_dir, name))
    except BaseException:
        os.unlink(tmp)
        raise
    finally:
        plt.close(fig)
    written.append(os.path.join(out_dir, name))


def series(records, get):
    # Epochs without a value (NaN: no validation share, a skipped test) are left out, so that
    # the line joins the epochs that have one.
    points = [(r["epoch"], get(r)) for r in records]
    points = [(x, y) for x, y in points if not math.isnan(y)]
    return [x for x, _ in points], [y for _, y in points]


def layer_names(records):
    # Union in order of first appearance: layers are keyed by name, not position.
    names = []
    for r in records:
        names += [n for n in r["layers"] if n not in names]
    return names


def new_axes(title, ylabel):
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig, ax


def main():
    p = argparse.ArgumentParser(description="Plot infomorph training logs (JSON lines) as PNG files.")
    p.add_argument("logs", nargs="+", metavar="LOG", help="JSON-lines log written by `infomorph train`")
    p.add_argument("--out", help="output directory (default: the first log's directory)")
    p.add_argument("--title", default="", help="prefix for every figure title")
    args = p.parse_args()

    # Read everything before writing anything: a bad log leaves no figures behind.
    try:
        runs = [(path, read_log(path)) for path in args.logs]
    except LogError as e:
        print(f"plot_log.py: error: {e}", file=sys.stderr)
        return 2

    out = args.out or os.path.dirname(os.path.abspath(args.logs[0]))
    os.makedirs(out, exist_ok=True)
    prefix = f"{args.title}: " if args.title else ""
    written = []

    # Runs are compared by directory (runs/a/log.jsonl, runs/b/log.jsonl); fall back to the
    # path when directory names collide, so legends stay unambiguous.
    labels = [os.path.basename(os.path.dirname(os.path.abspath(path))) for path, _ in runs]
    if len(set(labels)) < len(labels):
        labels = [path for path, _ in runs]

    fig, ax = new_axes(prefix + "accuracy", "accuracy (%)")
    if len(runs) == 1:
        records = runs[0][1]
        for key in ("train", "validation", "test"):
            x, y = series(records, lambda r: 100 * r[key])
            if y:  # no validation split: no line
                ax.plot(x, y, marker=".", label=key)
    else:
        for label, (_, records) in zip(labels, runs):
            ax.plot(*series(records, lambda r: 100 * r["test"]), marker=".", label=f"{label} (test)")
    ax.legend()
    save(fig, out, "accuracy.png", written)

    if len(runs) == 1:
        records = runs[0][1]
        for name in layer_names(records):
            atoms = []
            for r in records:
                atoms += [a for a in r["layers"].get(name, {}).get("atoms", {}) if a not in atoms]
            fig, ax = new_axes(f"{prefix}PID atoms, layer '{name}'", "bits")
            # tab20 has 20 colours (enough for the 18 atoms of 3 sources) in dark/light pairs of
            # one hue; all dark ones first, so that neighbouring atoms get different hues.
            tab20 = plt.get_cmap("tab20")
            colours = [tab20(2 * i) for i in range(10)] + [tab20(2 * i + 1) for i in range(10)]
            for i, atom in enumerate(atoms):
                ax.plot(*series(records, lambda r: r["layers"].get(name, {}).get("atoms", {}).get(atom, math.nan)),
                        color=colours[i % 20], label=atom)
            ax.plot(*series(records, lambda r: r["layers"].get(name, {}).get("h_res", math.nan)),
                    color="black", linestyle="--", label="H_res")
            # Outside the axes: 19 legend entries inside would hide the lines.
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
            save(fig, out, "atoms_" + re.sub(r"[^A-Za-z0-9_-]", "_", name) + ".png", written)

    goal_lines = [(label, records, name) for label, (_, records) in zip(labels, runs)
                  for name in layer_names(records)]
    if goal_lines:  # the backprop baseline has no layers, hence no goal
        fig, ax = new_axes(prefix + "mean goal per layer", "goal (bits)")
        for label, records, name in goal_lines:
            ax.plot(*series(records, lambda r: r["layers"].get(name, {}).get("goal", math.nan)), marker=".",
                    label=name if len(runs) == 1 else f"{label}: {name}")
        ax.legend()
        save(fig, out, "goal.png", written)

    div_lines = [(label, records, name) for label, (_, records) in zip(labels, runs)
                 for name in dict.fromkeys(n for r in records for n in r["diversity"])]
    if div_lines:
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
        for ax, key, title in zip(axes, ("self", "pairwise"),
                                  ("median self cosine distance (to the initial weights)",
                                   "median pairwise cosine distance (diversity)")):
            for label, records, name in div_lines:
                ax.plot(*series(records, lambda r: r["diversity"].get(name, {}).get(key, math.nan)), marker=".",
                        label=name if len(runs) == 1 else f"{label}: {name}")
            ax.set_title(prefix + title, fontsize=10)
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            ax.set_ylabel("cosine distance")
            ax.grid(alpha=0.3)
        axes[1].legend(fontsize="small")
        save(fig, out, "diversity.png", written)

    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
