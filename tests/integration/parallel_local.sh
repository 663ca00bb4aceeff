#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Integration: GNU parallel on this machine runs jobs.txt directly. --joblog records every
# run; a job failing on purpose is retried after the fix with --resume-failed, and only it.
# Then a corrupt result (exit 0, bad file) that --resume-failed cannot see is caught by
# collect-results.py from the files and rerun from its retry list.
set -eu
. "$(dirname "$0")/common.sh"
require parallel parallel

rm -rf "$W/sweep"
mkdir -p "$W/sweep/fail"
cd "$W/sweep"
make_jobs par 12
touch fail/par05
P="parallel --will-cite --jobs 2 --joblog jobs.log"

step "first pass: par05 fails"
rc=0
$P <jobs.txt || rc=$?
[ "$rc" -eq 1 ] || fail "parallel should report 1 failed job, exit was $rc"
[ "$(collect)" = par05 ] || fail "collect should find par05 missing"
# joblog columns: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command
[ "$(awk -F'\t' 'NR > 1 && $7 != 0' jobs.log | wc -l)" -eq 1 ] || fail "joblog should hold 1 failure"

step "second pass with --resume-failed after the fix"
rm fail/par05
$P --resume-failed <jobs.txt || fail "resumed run failed"
[ "$(awk -F'\t' 'NR > 1' jobs.log | wc -l)" -eq 13 ] || fail "joblog should hold 12 + 1 runs"
[ "$(grep -c 'results/par05.json' jobs.log)" -eq 2 ] || fail "par05 should have run twice"
[ "$(awk -F'\t' 'NR > 1 && $7 == 0' jobs.log | wc -l)" -eq 12 ] || fail "every job should have succeeded once"
collect || fail "results missing after --resume-failed"

step "a corrupt result is found from the files, not the joblog"
printf '{"id": "par03", "engi' >results/par03.json
$P --resume-failed <jobs.txt || fail "resume failed"
[ "$(awk -F'\t' 'NR > 1' jobs.log | wc -l)" -eq 13 ] || fail "--resume-failed should rerun nothing"
rc=0
missing=$(collect --retry-file retry.txt) || rc=$?
[ "$rc" -eq 1 ] && [ "$missing" = par03 ] || fail "collect should find par03 invalid (got '$missing')"
parallel --will-cite --jobs 2 <retry.txt || fail "rerun of the retry list failed"
collect || fail "results missing after the rerun"
expect_engine parallel 12
step "PASS"
