#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Plots of a `pagesim sweep collect DIR` run (matplotlib from Debian).

Reads DIR/sweep.json and writes DIR/plots/by-<axis>.png for every axis with at least two
values: one panel per key metric (bandwidth wall time, per-controller user shares, kernel
free above min, unmovable capacity, fallbacks), the mean over the points sharing each value
with its 95 % interval as an error bar.

Exit codes: 0 plots written, 2 usage or unreadable input, 3 matplotlib missing.
"""
import json
import os
import re
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("plot_sweep.py: matplotlib is missing (Debian: python3-matplotlib)", file=sys.stderr)
    sys.exit(3)

META = {"Software": None}  # byte-identical PNGs for identical inputs
KEY = [
    r"bandwidth\.wall_s",
    r"processes\.wall_s",
    r"bandwidth\..*\.share_user",
    r"pressure\.kernel_free_above_min_MiB\.min",
    r"pressure\.unmovable_capacity_MiB",
    r"pressure\.fallbacks",
]
MAX_PANELS = 8


def key_metrics(metrics):
    """The key metrics present, in KEY order, then metric order; at most MAX_PANELS."""
    out = []
    for pattern in KEY:
        for m in metrics:
            if re.fullmatch(pattern, m["name"]) and m not in out:
                out.append(m)
    return (out or metrics)[:MAX_PANELS]


def slug(text):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "axis"


def plot_axis(summary, metrics, out_dir):
    values = summary["values"]
    labels = [str(v["value"]) for v in values]
    cols = min(len(metrics), 4)
    rows = (len(metrics) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False)
    for i, m in enumerate(metrics):
        ax = axes[i // cols][i % cols]
        means = [v["metrics"].get(m["name"], {}).get("mean", float("nan")) for v in values]
        cis = [v["metrics"].get(m["name"], {}).get("ci95", 0.0) for v in values]
        ax.bar(range(len(values)), means, yerr=cis, capsize=3, color="#4c72b0")
        ax.set_xticks(range(len(values)))
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)
        unit = f" [{m['unit']}]" if m.get("unit") else ""
        ax.set_title(m["name"] + unit, fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
    for j in range(len(metrics), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle(f"by {summary['axis']} (mean and 95% CI over the points sharing each value)", fontsize=9)
    fig.tight_layout()
    path = os.path.join(out_dir, f"by-{slug(summary['axis'])}.png")
    fig.savefig(path, dpi=110, metadata=META)
    plt.close(fig)
    return path


def main():
    if len(sys.argv) != 2:
        print("usage: plot_sweep.py DIR", file=sys.stderr)
        return 2
    src = os.path.join(sys.argv[1], "sweep.json")
    try:
        with open(src, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"plot_sweep.py: {src}: {e}", file=sys.stderr)
        return 2
    metrics = key_metrics(data.get("metrics", []))
    if not metrics or not data.get("summary"):
        return 0  # nothing to plot: no metrics, or no axis with two values
    out_dir = os.path.join(sys.argv[1], "plots")
    os.makedirs(out_dir, exist_ok=True)
    for summary in data["summary"]:
        plot_axis(summary, metrics, out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
