#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Integration: `pagesim sweep` on this machine with the real pagesim. A 20-job sweep
# (thread_test: 5 layouts x 2 seeds x 2 MEMC1 bandwidths) planned and run on 2 workers, one
# job's line broken so that it fails at run time; collect (and collect-results.py) report
# exactly it, the retry list holds only its line; planning again restores the line and the
# next run runs only it. Then Ctrl-C: SIGINT in the middle of a sweep of ~1 s jobs stops it,
# leaves only whole result files, and the next run completes the sweep.
set -eu
. "$(dirname "$0")/common.sh"
need_pagesim
rm -rf "$W/sweep" "$W/int"

write_sweep20 itest_local
step "plan 20 jobs"
"$PAGESIM" sweep plan "$W/sweep.yaml" --out "$W/sweep" >"$W/plan.out" || fail "plan failed"
cd "$W/sweep"
[ "$(wc -l <jobs.txt)" -eq 20 ] || fail "expected 20 job lines"
victim=$(result_id 13)
break_line 13

step "run on 2 workers: $victim fails"
rc=0
"$PAGESIM" sweep run . --jobs 2 >run1.out 2>&1 || rc=$?
cat run1.out
[ "$rc" -eq 1 ] || fail "sweep run should exit 1 with a failed job, got $rc"
grep -q '^20 jobs: 19 done now, 1 failed, 0 skipped' run1.out || fail "bad run summary"
grep -q "^failed: $victim (exit 2: " run1.out || fail "the failure of $victim is not reported"
grep -q 'no-such-option' "logs/$victim.err" || fail "the job's stderr is not in logs/$victim.err"

step "collect finds exactly $victim"
rc=0
"$PAGESIM" sweep collect . --no-plots >collect1.out || rc=$?
[ "$rc" -eq 1 ] || fail "collect should exit 1 with a job missing, got $rc"
grep -q "^  $victim: missing" collect1.out || fail "collect does not list $victim"
[ "$(wc -l <jobs.retry.txt)" -eq 1 ] && grep -q "results/$victim.json" jobs.retry.txt || fail "bad retry list"
[ "$(collect)" = "$victim" ] || fail "collect-results.py disagrees"

step "plan again (fixes the line, keeps the results); run resumes with it alone"
"$PAGESIM" sweep plan "$W/sweep.yaml" --out . | grep -q '20 jobs (19 already done)' || fail "re-plan lost results"
"$PAGESIM" sweep run . --jobs 2 >run2.out 2>&1 || { cat run2.out; fail "resumed run failed"; }
cat run2.out
grep -q '^20 jobs: 1 done now, 0 failed, 19 skipped' run2.out || fail "the resumed run should run only $victim"
"$PAGESIM" sweep collect . >collect2.out || fail "collect should find every result"
[ "$(wc -l <sweep.csv)" -eq 21 ] || fail "sweep.csv should hold 20 rows"
[ ! -s jobs.retry.txt ] || fail "the retry list should be empty"
if "$PY" -c 'import matplotlib' 2>/dev/null; then
    [ -s plots/by-layout.png ] && [ -s plots/by-seed.png ] || fail "no plots"
fi
all_results_whole

step "Ctrl-C in the middle of a sweep"
cat >"$W/int.yaml" <<'YAML'
name: itest_interrupt
scenario: android_tv
axes:
  layout: [none, movablecore, dmb_split]
  seeds: 2
  set:
    sessions: [40]
    duration: [3000s]
YAML
"$PAGESIM" sweep plan "$W/int.yaml" --out "$W/int" >/dev/null || fail "plan failed"
cd "$W/int"
"$PAGESIM" sweep run . --jobs 2 >int1.out 2>&1 &
pid=$!
t=0 # until the first result is there, so that some jobs are done and others running
while [ -z "$(ls results)" ] && [ "$t" -lt 600 ]; do sleep 0.1; t=$((t + 1)); done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
cat int1.out
[ "$rc" -eq 1 ] || fail "an interrupted sweep should exit 1, got $rc"
grep -q '(interrupted)' int1.out || fail "the summary should say interrupted"
n=$(ls results | wc -l)
[ "$n" -ge 1 ] && [ "$n" -lt 6 ] || fail "$n of 6 jobs done at the interrupt: the test proves nothing"
all_results_whole
[ -z "$(pids_of_dir "$W/int" pagesim)" ] || fail "jobs still running after the interrupt"

step "run again: the sweep completes ($n were done)"
"$PAGESIM" sweep run . --jobs 2 >int2.out 2>&1 || { cat int2.out; fail "resumed run failed"; }
cat int2.out
grep -q "^6 jobs: $((6 - n)) done now, 0 failed, $n skipped" int2.out || fail "the resumed run should run the rest"
collect >/dev/null || fail "results missing after resuming"
all_results_whole
step "PASS"
