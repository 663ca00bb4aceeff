#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Scheduling overhead of the sweep engines: N trivial jobs (the integration tests' dummy job,
# which writes one small JSON result atomically) through each engine with 2 slots, from
# start until the N-th result file exists. Prints a Markdown table for bench/RESULTS.md.
#
#   bench/sweep_engines.sh [N]        (default N=100; as root: it starts Slurm and sshd)
#   PAGESIM=path/to/pagesim            adds `pagesim sweep run` (default: the release build)
#
# Other load on the machine inflates every figure: the load average is printed at the end.
# "per job" = wall / N. "overhead per job" = wall x slots / N - the time of one job run
# alone (the serial loop's per-job time): what each slot loses per job to the engine.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLUSTER=$ROOT/scripts/cluster
JOB=$ROOT/tests/integration/dummy-job.sh
PROG=sweep_engines.sh
. "$CLUSTER/lib.sh"
N=${1:-100}
PAGESIM=${PAGESIM:-$ROOT/build/release/sim/pagesim} # its row is skipped if there is none
SLOTS=2
[ "$(id -u)" = 0 ] || die "run as root (Slurm's munged runs as the munge user)"
W=$(mktemp -d /tmp/pagesim-sweep-bench.XXXXXX)
chmod 755 "$W"
export PARALLEL_HOME=$W/parallel-home
cleanup() {
    "$CLUSTER/slurm-local.sh" down "$W/slurm" 2>/dev/null || true
    "$CLUSTER/slurm-local.sh" down "$W/slurm-default" 2>/dev/null || true
    "$CLUSTER/sshd-local.sh" down "$W/sshd" 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now() { date +%s.%N; }
jobs_file() { # jobs_file DIR: DIR/jobs.txt with N dummy jobs writing DIR/results/<id>.json
    mkdir -p "$1/results"
    i=1
    while [ $i -le "$N" ]; do
        echo "sh $JOB results/j$i.json"
        i=$((i + 1))
    done >"$1/jobs.txt"
}
wait_results() { # wait_results DIR: until N results exist (10 minutes at most)
    _t0=$(date +%s)
    while [ "$(ls "$1/results" | wc -l)" -lt "$N" ]; do
        [ $(($(date +%s) - _t0)) -lt 600 ] || die "only $(ls "$1/results" | wc -l) of $N results after 600s in $1"
        sleep 0.02
    done
}
BASE_MS=""
row() { # row ENGINE START END SLOTS
    line=$(awk -v n="$N" -v s="$2" -v e="$3" -v k="$4" -v b="$BASE_MS" -v name="$1" 'BEGIN {
        wall = e - s; per = wall * 1000 / n; if (b == "") b = per
        printf "| %s | %d | %.1f | %.0f | %.0f |", name, k, wall, per, wall * 1000 * k / n - b
        printf "\n%.3f\n", b }')
    echo "$line" | head -n 1
    BASE_MS=$(echo "$line" | tail -n 1)
}
run_case() { # run_case NAME SLOTS COMMAND...: COMMAND runs in a fresh dir holding jobs.txt
    name=$1 slots=$2; shift 2
    d=$W/case-$(echo "$name" | tr -c 'A-Za-z0-9\n' '-')
    jobs_file "$d"
    s=$(now)
    (cd "$d" && "$@") >"$d.log" 2>&1 || { cat "$d.log" >&2; die "$name failed"; }
    wait_results "$d"
    row "$name" "$s" "$(now)" "$slots"
}

echo "| engine | slots | wall for $N jobs (s) | per job (ms) | overhead per job (ms) |"
echo "|---|---|---|---|---|"
run_case "serial sh loop (baseline)" 1 sh -c 'while IFS= read -r l; do sh -c "$l"; done <jobs.txt'
run_case "GNU parallel, local" $SLOTS parallel --will-cite -j $SLOTS --joblog jobs.log -a jobs.txt
if [ -x "$PAGESIM" ]; then
    run_case "pagesim sweep run, local" $SLOTS "$PAGESIM" sweep run . --jobs $SLOTS
fi

env=$("$CLUSTER/sshd-local.sh" up "$W/sshd" "$(free_port 22320)" 2>"$W/up.log") || { cat "$W/up.log" >&2; exit 1; }
eval "$env"
run_case "GNU parallel, ssh (new connection per job)" $SLOTS parallel --will-cite -j $SLOTS \
    --joblog jobs.log --workdir . --ssh "$PAGESIM_SSH" -S "$SLOTS/$PAGESIM_SSHLOGIN" -a jobs.txt
# ssh connection sharing from the client config (not parallel's -M: with --joblog, GNU parallel
# 20221122 -M writes duplicate, wrong joblog lines, which breaks --resume-failed).
{ cat "$W/sshd/ssh_config"; printf '    ControlMaster auto\n    ControlPath %s\n    ControlPersist 60\n' \
    "$W/sshd/mux-%C"; } >"$W/sshd/ssh_config_mux"
run_case "GNU parallel, ssh with ControlPersist" $SLOTS parallel --will-cite -j $SLOTS \
    --joblog jobs.log --workdir . --ssh "ssh -F $W/sshd/ssh_config_mux" -S "$SLOTS/$PAGESIM_SSHLOGIN" -a jobs.txt
ssh -F "$W/sshd/ssh_config_mux" -O exit "$PAGESIM_SSHLOGIN" 2>/dev/null || true
"$CLUSTER/sshd-local.sh" down "$W/sshd" 2>/dev/null

env=$("$CLUSTER/slurm-local.sh" up "$W/slurm" 2>"$W/up.log") || { cat "$W/up.log" >&2; exit 1; }
eval "$env"
for k in 1 10; do
    run_case "Slurm array, --per-task $k (batch_sched_delay=0)" $SLOTS \
        "$CLUSTER/slurm-submit-array.sh" --per-task $k --out "$W/submit-$k" jobs.txt
done
"$CLUSTER/slurm-local.sh" down "$W/slurm" 2>/dev/null
env=$(SLURM_LOCAL_SCHED_PARAMS="" "$CLUSTER/slurm-local.sh" up "$W/slurm-default" 2>"$W/up.log") ||
    { cat "$W/up.log" >&2; exit 1; }
eval "$env"
run_case "Slurm array, --per-task 1 (Slurm's default scheduling)" $SLOTS \
    "$CLUSTER/slurm-submit-array.sh" --per-task 1 --out "$W/submit-default" jobs.txt
echo
echo "$N jobs per engine; load average after the run: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
