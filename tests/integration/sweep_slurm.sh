#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Integration: a real 20-job pagesim sweep through a single-node Slurm cluster on localhost,
# submitted with `pagesim sweep submit --engine slurm --wait` (2 job-list lines per array
# task, at most 2 running, MaxArraySize 8: two chained arrays), one job's line broken so it
# fails; `pagesim sweep collect` finds exactly it; `submit --retry` resubmits only its line
# (one task); every result valid; every daemon stopped, also on failure.
set -eu
. "$(dirname "$0")/common.sh"
need_pagesim
require slurmctld slurmctld
require slurmd slurmd
require slurm-client sbatch squeue sinfo scontrol scancel
require munge munged

# The cluster's state below /tmp (munged runs as the munge user, who cannot enter a build
# tree below /root); the name is fixed per build tree, so a killed run is cleaned up next time.
C=/tmp/pagesim-itest-sweep-slurm-$(id -u)-$(printf '%s' "$W" | cksum | cut -d' ' -f1)
if [ -L "$C" ] || { [ -e "$C" ] && [ ! -O "$C" ]; }; then fail "$C exists and is not ours"; fi
S=$W/sweep
if [ -d "$C" ]; then "$CLUSTER/slurm-local.sh" down "$C" || true; fi
rm -rf "$S"
trap '"$CLUSTER/slurm-local.sh" down "$C" || true' EXIT
trap 'exit 1' INT TERM HUP

step "cluster up"
env=$(SLURM_LOCAL_MAX_ARRAY_SIZE=8 "$CLUSTER/slurm-local.sh" up "$C") || fail "the cluster did not start"
eval "$env"

write_sweep20 itest_slurm
"$PAGESIM" sweep plan "$W/sweep.yaml" --out "$S" >/dev/null || fail "plan failed"
cd "$S"
victim=$(result_id 7)
break_line 7

step "submit 20 jobs to Slurm and wait: $victim fails"
ids=$("$PAGESIM" sweep submit . --engine slurm --per-task 2 --max-running 2 --wait --wait-timeout 90) ||
    fail "submission or wait failed"
echo "array job ids: $(echo "$ids" | tr '\n' ' ')"
[ "$(echo "$ids" | wc -l)" -eq 2 ] || fail "10 tasks with MaxArraySize 8 should make 2 arrays"

step "collect"
rc=0
"$PAGESIM" sweep collect . --no-plots >collect1.out || rc=$?
[ "$rc" -eq 1 ] || fail "collect should exit 1, got $rc"
[ "$(grep -c '^  .*: missing' collect1.out)" -eq 1 ] && grep -q "^  $victim: missing" collect1.out ||
    fail "collect should find exactly $victim missing"
grep -q 'no-such-option' slurm/*/logs/*.out || fail "no trace of the failure in the task logs"

step "fix the line (plan again) and resubmit only it"
"$PAGESIM" sweep plan "$W/sweep.yaml" --out . | grep -q '20 jobs (19 already done)' || fail "re-plan lost results"
ids2=$("$PAGESIM" sweep submit . --engine slurm --retry --wait --wait-timeout 60) || fail "resubmission failed"
[ "$(echo "$ids2" | wc -l)" -eq 1 ] || fail "the resubmission should be one array"
[ "$(wc -l <jobs.retry.txt)" -eq 1 ] && grep -q "results/$victim.json" jobs.retry.txt || fail "bad retry list"
last=$(ls -d slurm/*/ | tail -n 1)
[ "$(ls "$last/logs" | wc -l)" -eq 1 ] || fail "the resubmission should run one task"
grep -q "results/$victim.json" "$last"/logs/*.out || fail "the task did not run $victim"

step "verify"
"$PAGESIM" sweep collect . --no-plots >collect2.out || fail "results still missing after the resubmission"
all_results_whole
[ "$("$PAGESIM" sweep submit . --engine slurm --retry 2>&1)" = \
  "pagesim sweep submit: nothing to retry, all 20 results are valid" ] || fail "--retry with nothing to do"

step "cluster down"
trap - EXIT
"$CLUSTER/slurm-local.sh" down "$C"
left=$(pids_of_dir "$C" slurmstepd slurmd slurmctld munged)
[ -z "$left" ] || fail "daemons still running after down: $left"
rm -rf "$C"
step "PASS"
