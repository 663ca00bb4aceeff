#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Integration: a real pagesim sweep's jobs.txt through GNU parallel. Locally, as
# documented (`parallel --joblog --resume-failed < jobs.txt`), with one job's line broken:
# collect finds it; after re-planning, --resume-failed reruns only it. Over ssh, through an
# sshd on a loopback port with key-only login, with `pagesim sweep submit --engine parallel
# --ssh ... --sshloginfile ...`; the joblog shows every job ran over the ssh login.
set -eu
. "$(dirname "$0")/common.sh"
need_pagesim
require parallel parallel
require openssh-server sshd
require openssh-client ssh ssh-keygen

D=$W/sshd
if [ -d "$D" ]; then "$CLUSTER/sshd-local.sh" down "$D" || true; fi
rm -rf "$W/local" "$W/ssh"
trap '"$CLUSTER/sshd-local.sh" down "$D" || true' EXIT
trap 'exit 1' INT TERM HUP

cat >"$W/sweep.yaml" <<'YAML'
name: itest_parallel
scenario: thread_test
axes:
  layout: [none, movablecore, dmb_split, dmb_split_shuffle, shuffle]
  seeds: 2
YAML
"$PAGESIM" sweep plan "$W/sweep.yaml" --out "$W/local" >/dev/null || fail "plan failed"
cd "$W/local"
victim=$(result_id 4)
break_line 4
P="parallel --will-cite --jobs 2 --joblog joblog"

step "GNU parallel locally: $victim fails"
rc=0
$P --resume-failed <jobs.txt || rc=$?
[ "$rc" -eq 1 ] || fail "parallel should report 1 failed job, exit was $rc"
rc=0
"$PAGESIM" sweep collect . --no-plots >/dev/null || rc=$?
[ "$rc" -eq 1 ] && [ "$(cat jobs.retry.txt | wc -l)" -eq 1 ] && grep -q "results/$victim.json" jobs.retry.txt ||
    fail "collect should find exactly $victim"

step "re-plan, --resume-failed reruns only it"
"$PAGESIM" sweep plan "$W/sweep.yaml" --out . >/dev/null
$P --resume-failed <jobs.txt || fail "resumed run failed"
[ "$(awk -F'\t' 'NR > 1' joblog | wc -l)" -eq 11 ] || fail "joblog should hold 10 + 1 runs"
"$PAGESIM" sweep collect . --no-plots >/dev/null || fail "results missing after --resume-failed"
all_results_whole

step "sshd up"
PORT=$(free_port "${PAGESIM_TEST_SSH_PORT:-22240}")
env=$("$CLUSTER/sshd-local.sh" up "$D" "$PORT") || fail "sshd did not start"
eval "$env"

step "over ssh with pagesim sweep submit --engine parallel"
"$PAGESIM" sweep plan "$W/sweep.yaml" --out "$W/ssh" >/dev/null
cd "$W/ssh"
"$PAGESIM" sweep submit . --engine parallel --jobs 2 --ssh "$PAGESIM_SSH" \
    --sshloginfile "$PAGESIM_SSHLOGINFILE" || fail "the sweep over ssh failed"
[ "$(awk -F'\t' 'NR > 1 { print $2 }' joblog | sort -u)" = "$PAGESIM_SSHLOGIN" ] ||
    fail "the joblog should name the ssh login as host"
[ "$(awk -F'\t' 'NR > 1 && $7 == 0' joblog | wc -l)" -eq 10 ] || fail "10 jobs should have succeeded over ssh"
"$PAGESIM" sweep collect . --no-plots >/dev/null || fail "results missing after the ssh run"
all_results_whole

step "sshd down"
trap - EXIT
"$CLUSTER/sshd-local.sh" down "$D"
[ -z "$(pids_of_dir "$D" sshd)" ] || fail "sshd still running after down"
step "PASS"
