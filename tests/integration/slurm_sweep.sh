#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Integration: a 20-job sweep through a real single-node Slurm cluster on localhost.
# Start the cluster (slurm-local.sh), submit the job list as arrays (2 lines per task, at
# most 2 running, MaxArraySize 8 so the list must be cut into 2 arrays), one job failing on
# purpose; collect from the result files; resubmit only the failed line, now fixed; check
# all 20 results; stop every daemon, also on failure.
set -eu
. "$(dirname "$0")/common.sh"
require slurmctld slurmctld
require slurmd slurmd
require slurm-client sbatch squeue sinfo scontrol scancel
require munge munged

# The cluster's state lives below /tmp, not in the build tree: munged runs as the munge user,
# who cannot enter a build tree below a private directory such as /root. The name is fixed
# per build tree and user, so the next run finds what a killed run left behind.
C=/tmp/pagesim-itest-slurm-$(id -u)-$(printf '%s' "$W" | cksum | cut -d' ' -f1)
if [ -L "$C" ] || { [ -e "$C" ] && [ ! -O "$C" ]; }; then fail "$C exists and is not ours"; fi
S=$W/sweep
if [ -d "$C" ]; then "$CLUSTER/slurm-local.sh" down "$C" || true; fi
rm -rf "$S"
mkdir -p "$S/fail"
trap '"$CLUSTER/slurm-local.sh" down "$C" || true' EXIT
trap 'exit 1' INT TERM HUP

step "cluster up"
env=$(SLURM_LOCAL_MAX_ARRAY_SIZE=8 "$CLUSTER/slurm-local.sh" up "$C") || fail "the cluster did not start"
eval "$env"
"$CLUSTER/slurm-local.sh" status "$C"

cd "$S"
make_jobs job 20
touch fail/job07 # job07 fails (exits 1, writes nothing) until this file is gone

step "submit 20 lines"
ids=$("$CLUSTER/slurm-submit-array.sh" --per-task 2 --max-running 2 --job-name itest \
    --out "$S/submit1" --wait --wait-timeout 60 jobs.txt) || fail "submission or wait failed"
echo "array job ids: $(echo "$ids" | tr '\n' ' ')"
[ "$(echo "$ids" | wc -l)" -eq 2 ] || fail "10 tasks with MaxArraySize 8 should make 2 arrays"

step "collect"
rc=0
missing=$(collect --retry-file retry.txt) || rc=$?
[ "$rc" -eq 1 ] && [ "$missing" = job07 ] || fail "collect: expected only job07 missing, got '$missing' (exit $rc)"
[ "$(wc -l <retry.txt)" -eq 1 ] && grep -q 'results/job07.json' retry.txt || fail "bad retry list"
grep -q 'failing on purpose' "$S"/submit1/logs/*.out || fail "no trace of the failure in the task logs"

step "resubmit the failed line only"
rm fail/job07
ids2=$("$CLUSTER/slurm-submit-array.sh" --out "$S/submit2" --wait --wait-timeout 30 retry.txt) ||
    fail "resubmission failed"
[ "$(echo "$ids2" | wc -l)" -eq 1 ] || fail "resubmission should be one array"
[ "$(ls "$S"/submit2/logs | wc -l)" -eq 1 ] || fail "resubmission should run one task"

step "verify"
collect || fail "results still missing after the resubmission"
expect_engine slurm 20
[ -z "$(ls -A fail)" ] || fail "leftover fault files"

step "cluster down"
trap - EXIT
"$CLUSTER/slurm-local.sh" down "$C"
left=$(pids_of_dir "$C" slurmstepd slurmd slurmctld munged)
[ -z "$left" ] || fail "daemons still running after down: $left"
rm -rf "$C" # kept when the test fails: its log/ says why
step "PASS"
