#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Plots of `pagesim trace-stats --json` output.

Usage: plot_trace_stats.py STATS.json OUTDIR

Writes into OUTDIR:
  order_histogram.png   allocations and pages by order (log scale)
  rate.png              events and pages allocated/freed per rate bin over time
  placement_zones.png   pages allocated per zone, stacked by migrate type
  placement_controllers.png   the same per memory controller
  lifetimes.png         allocation lifetime histogram (powers of two)

Needs Debian's python3-matplotlib: run it with /usr/bin/python3.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

MIGRATE_TYPES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"]


def order_histogram(stats, out):
    rows = stats["allocations"]["by_order"]
    fig, ax = plt.subplots(figsize=(7, 4))
    orders = [r["order"] for r in rows]
    width = 0.4
    ax.bar([o - width / 2 for o in orders], [r["allocs"] for r in rows], width, label="allocations")
    ax.bar([o + width / 2 for o in orders], [r["pages"] for r in rows], width, label="pages")
    ax.set_xlabel("order")
    ax.set_ylabel("count")
    if rows:
        ax.set_yscale("log")
        ax.set_xticks(orders)
    ax.set_title("Allocations by order")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def rate(stats, out):
    r = stats["rate"]
    interval_s = r["interval_ns"] / 1e9
    n = len(r["alloc_pages"])
    t = [i * interval_s for i in range(n)]
    fig, (ev_ax, pg_ax) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for name, label in (("mm_page_alloc", "allocations"), ("mm_page_free", "frees"),
                        ("mm_page_alloc_extfrag", "extfrag")):
        ys = r["events"].get(name, [])
        if any(ys):
            ev_ax.step(t, ys, where="post", label=label)
    ev_ax.set_ylabel("events per bin")
    ev_ax.set_title("Event rate (bins of %g ms)" % (interval_s * 1e3))
    if ev_ax.get_legend_handles_labels()[0]:
        ev_ax.legend()
    pg_ax.step(t, r["alloc_pages"], where="post", label="pages allocated")
    pg_ax.step(t, r["free_pages"], where="post", label="pages freed")
    pg_ax.set_ylabel("pages per bin")
    pg_ax.set_xlabel("seconds since the first event")
    pg_ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def placement(rows, title, out):
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(rows) + 2), 4))
    names = []
    for r in rows:
        names.append(("node %d %s" % (r["node"], r["name"])) if "node" in r else r["name"])
    bottom = [0] * len(rows)
    for mt in MIGRATE_TYPES:
        ys = [r["pages_by_migratetype"].get(mt, 0) for r in rows]
        if any(ys):
            ax.bar(names, ys, bottom=bottom, label=mt)
            bottom = [b + y for b, y in zip(bottom, ys)]
    ax.set_ylabel("pages allocated")
    ax.set_title(title)
    if any(bottom):
        ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def lifetimes(stats, out):
    hist = stats["lifetimes"]["all"]["histogram"]
    fig, ax = plt.subplots(figsize=(8, 4))
    labels = []
    for h in hist:
        lo = h["lo_ns"]
        labels.append("<1ns" if lo == 0 else ("%gms" % (lo / 1e6) if lo >= 1e6 else "%gus" % (lo / 1e3)))
    ax.bar(range(len(hist)), [h["count"] for h in hist])
    ax.set_xticks(range(len(hist)))
    ax.set_xticklabels(labels, rotation=60, fontsize=7)
    ax.set_xlabel("lifetime at least")
    ax.set_ylabel("allocations")
    ax.set_title("Allocation lifetimes (%d matched)" % stats["lifetimes"]["matched"])
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        stats = json.load(f)
    outdir = argv[2]
    os.makedirs(outdir, exist_ok=True)
    order_histogram(stats, os.path.join(outdir, "order_histogram.png"))
    rate(stats, os.path.join(outdir, "rate.png"))
    placement(stats["placement"]["zones"], "Placement by zone",
              os.path.join(outdir, "placement_zones.png"))
    placement(stats["placement"]["controllers"], "Placement by memory controller",
              os.path.join(outdir, "placement_controllers.png"))
    lifetimes(stats, os.path.join(outdir, "lifetimes.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
