#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Local sweep scaling: one CPU-bound sweep (android_tv with more sessions: 2 layouts x 4
# seeds = 8 jobs of ~1-2 s each in a release build) run by `pagesim sweep run --jobs 1` and
# then `--jobs 2`, REPEATS times; prints each wall time, the speed-up wall(1)/wall(2), its
# median and the ratio of the best walls, and the runner's own scheduling overhead per job. Needs 2 CPUs; other load on the machine
# lowers the speed-up (the load average is printed).
#
#   bench/sweep_scaling.sh [PAGESIM] [REPEATS] [SESSIONS]
#       defaults: build/release/sim/pagesim, 3, 60
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAGESIM=${1:-$ROOT/build/release/sim/pagesim}
REPEATS=${2:-3}
SESSIONS=${3:-60}
[ -x "$PAGESIM" ] || { echo "sweep_scaling.sh: no pagesim at $PAGESIM (cmake --workflow --preset release)" >&2; exit 2; }
W=$(mktemp -d /tmp/pagesim-sweep-scaling.XXXXXX)
trap 'rm -rf "$W"' EXIT
cat >"$W/sweep.yaml" <<YAML
name: scaling
scenario: android_tv
axes:
  layout: [none, dmb_split]
  seeds: 4
  set:
    sessions: [$SESSIONS]
    duration: [3000s]
YAML
"$PAGESIM" sweep plan "$W/sweep.yaml" --out "$W/s" >/dev/null

now() { date +%s.%N; }
run() { # run JOBS: prints wall seconds and the runner's overhead line
    rm -rf "$W/s/results" "$W/s/logs"
    mkdir -p "$W/s/results"
    s=$(now)
    "$PAGESIM" sweep run "$W/s" --jobs "$1" >"$W/out" 2>&1 || { cat "$W/out" >&2; exit 1; }
    e=$(now)
    o=$(sed -n 's/.*per job \([0-9.]*\) s mean; scheduling overhead \([0-9.]*\) ms per job/\1 \2/p' "$W/out")
    echo "$s $e $o" | awk '{ printf "%.2f %s %s\n", $2 - $1, $3, $4 }'
}

echo "nproc $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| repeat | wall --jobs 1 (s) | wall --jobs 2 (s) | speed-up | mean job (s), 1 / 2 | overhead per job (ms), 1 / 2 |"
echo "|---|---|---|---|---|---|"
i=1
ratios="" walls1="" walls2=""
while [ "$i" -le "$REPEATS" ]; do
    set -- $(run 1) $(run 2)
    r=$(echo "$1 $4" | awk '{ printf "%.2f", $1 / $2 }')
    ratios="$ratios $r" walls1="$walls1 $1" walls2="$walls2 $4"
    echo "| $i | $1 | $4 | $r | $2 / $5 | $3 / $6 |"
    i=$((i + 1))
done
median=$(printf '%s\n' $ratios | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
# Best of N: other processes only ever slow a run down, so the fastest run of each is the
# closest to the machine's own figure.
best=$(echo "$(printf '%s\n' $walls1 | sort -n | head -n 1) $(printf '%s\n' $walls2 | sort -n | head -n 1)" |
    awk '{ printf "%.2f (%.2f s / %.2f s)", $1 / $2, $1, $2 }')
echo
echo "median speed-up: $median; best of $REPEATS: $best; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
