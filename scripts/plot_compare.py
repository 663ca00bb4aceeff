#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Plots of a `pagesim compare --out DIR` run (matplotlib from Debian).

Reads DIR/compare.json and DIR/series.csv, writes into DIR:
  wall.png         bandwidth-phase wall time per layout (mean, 95 % CI)
  shares.png       per-controller share of the user traffic per layout, with the ideal share
  bandwidth.png    delivered bandwidth per controller over time (first seed), per layout
  kernel_free.png  kernel-usable free memory over time with the summed min/low/high marks
  free_orders.png  free blocks by order per zone and per controller at the end (first seed)
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

META = {"Software": None}  # byte-identical PNGs for identical inputs


def load(dirname):
    with open(os.path.join(dirname, "compare.json")) as f:
        data = json.load(f)
    series = {}
    path = os.path.join(dirname, "series.csv")
    if os.path.exists(path):
        with open(path) as f:
            for row in csv.DictReader(f):
                key = (row["layout"], row["kind"], row["controller"])
                series.setdefault(key, ([], []))
                series[key][0].append(float(row["time_s"]))
                series[key][1].append(float(row["value"]))
    return data, series


def controllers_of(data):
    names = []
    for layout in data["layouts"]:
        for key in layout["summary"]:
            if key.startswith("bandwidth.") and key.endswith(".share_user"):
                name = key[len("bandwidth."):-len(".share_user")]
                if name not in names:
                    names.append(name)
    return names


def save(fig, dirname, name):
    fig.tight_layout()
    fig.savefig(os.path.join(dirname, name), dpi=100, metadata=META)
    plt.close(fig)


def plot_wall(data, dirname):
    names, means, errs = [], [], []
    for layout in data["layouts"]:
        m = layout["summary"].get("bandwidth.wall_s")
        if m is None:
            continue
        names.append(layout["name"])
        means.append(m["mean"])
        errs.append(m["ci95"])
    if not names:
        return
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(names)), 4))
    ax.bar(range(len(names)), means, yerr=errs, capsize=4, color="#4477aa")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=20, ha="right")
    ax.set_ylabel("bandwidth phases wall time [s]")
    ax.set_title(data["scenario"] + ": time to finish the bandwidth phases")
    save(fig, dirname, "wall.png")


def plot_shares(data, dirname):
    ctrls = controllers_of(data)
    if not ctrls:
        return
    layouts = data["layouts"]
    width = 0.8 / len(ctrls)
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(layouts)), 4))
    for i, c in enumerate(ctrls):
        vals = [lay["summary"].get("bandwidth.%s.share_user" % c, {}).get("mean", 0) for lay in layouts]
        errs = [lay["summary"].get("bandwidth.%s.share_user" % c, {}).get("ci95", 0) for lay in layouts]
        xs = [k + (i - (len(ctrls) - 1) / 2) * width for k in range(len(layouts))]
        ax.bar(xs, vals, width=width, yerr=errs, capsize=3, label=c)
    ax.axhline(100.0 / len(ctrls), color="gray", linestyle="--", linewidth=1, label="ideal (equal MEMCs)")
    ax.set_xticks(range(len(layouts)))
    ax.set_xticklabels([lay["name"] for lay in layouts], rotation=20, ha="right")
    ax.set_ylabel("share of user traffic [%]")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.set_title(data["scenario"] + ": per-controller bandwidth share")
    save(fig, dirname, "shares.png")


def small_multiples(n):
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3 * rows), squeeze=False)
    flat = [a for row in axes for a in row]
    for a in flat[n:]:
        a.axis("off")
    return fig, flat[:n]


def plot_bandwidth(data, series, dirname):
    layouts = [lay["name"] for lay in data["layouts"]]
    ctrls = controllers_of(data)
    if not ctrls:
        return
    fig, axes = small_multiples(len(layouts))
    for ax, name in zip(axes, layouts):
        for c in ctrls:
            t, v = series.get((name, "delivered_GBps", c), ([], []))
            ax.step(t, v, where="post", label=c)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("time [s]")
        ax.set_ylabel("delivered [GB/s]")
    axes[0].legend(fontsize=8)
    save(fig, dirname, "bandwidth.png")


def plot_kernel_free(data, series, dirname):
    layouts = [lay["name"] for lay in data["layouts"]]
    fig, axes = small_multiples(len(layouts))
    for ax, name in zip(axes, layouts):
        for kind, style in (("kernel_free_MiB", "-"), ("kernel_high_MiB", ":"),
                            ("kernel_low_MiB", "--"), ("kernel_min_MiB", "-.")):
            t, v = series.get((name, kind, ""), ([], []))
            ax.plot(t, v, style, label=kind.replace("kernel_", "").replace("_MiB", ""))
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("time [s]")
        ax.set_ylabel("kernel-usable [MiB]")
    axes[0].legend(fontsize=8)
    save(fig, dirname, "kernel_free.png")


def plot_free_orders(data, dirname):
    layouts = data["layouts"]
    fig, axes = small_multiples(len(layouts))
    for ax, lay in zip(axes, layouts):
        run = lay["runs"][0]
        groups = [("zone " + k, v) for k, v in run["free_blocks_by_zone"].items()]
        groups += [(k, v) for k, v in run["free_blocks_by_controller"].items()]
        if not groups:
            continue
        width = 0.8 / len(groups)
        for i, (label, blocks) in enumerate(groups):
            xs = [o + (i - (len(groups) - 1) / 2) * width for o in range(len(blocks))]
            ax.bar(xs, blocks, width=width, label=label)
        ax.set_yscale("symlog")
        ax.set_xlabel("order")
        ax.set_ylabel("free blocks")
        ax.set_title(lay["name"], fontsize=9)
        ax.legend(fontsize=6)
    save(fig, dirname, "free_orders.png")


def main(argv):
    if len(argv) != 2:
        print("usage: plot_compare.py DIR", file=sys.stderr)
        return 2
    dirname = argv[1]
    data, series = load(dirname)
    plot_wall(data, dirname)
    plot_shares(data, dirname)
    plot_bandwidth(data, series, dirname)
    plot_kernel_free(data, series, dirname)
    plot_free_orders(data, dirname)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
