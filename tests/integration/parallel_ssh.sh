#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Integration: GNU parallel runs jobs.txt over ssh, through an sshd on a loopback port with
# key-only login (sshd-local.sh): first with --ssh, --sshloginfile and --workdir . (one job
# failing on purpose), then --resume-failed through --ssh and --sshlogin after the fix. Checks that the
# jobs really ran in ssh sessions and that password-less logins without the key are refused.
set -eu
. "$(dirname "$0")/common.sh"
require parallel parallel
require openssh-server sshd
require openssh-client ssh ssh-keygen

D=$W/sshd
if [ -d "$D" ]; then "$CLUSTER/sshd-local.sh" down "$D" || true; fi
rm -rf "$W/sweep"
mkdir -p "$W/sweep/fail"
trap '"$CLUSTER/sshd-local.sh" down "$D" || true' EXIT
trap 'exit 1' INT TERM HUP

step "sshd up"
PORT=$(free_port "${PAGESIM_TEST_SSH_PORT:-22220}")
env=$("$CLUSTER/sshd-local.sh" up "$D" "$PORT") || fail "sshd did not start"
eval "$env"

step "key-only: no key, no login"
if ssh -F /dev/null -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile=/dev/null \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    127.0.0.1 true </dev/null 2>/dev/null; then
    fail "a login without the key succeeded"
fi

cd "$W/sweep"
make_jobs ssh 10
touch fail/ssh04
P="parallel --will-cite --jobs 2 --joblog jobs.log --workdir ."

step "over ssh with --sshloginfile: ssh04 fails"
rc=0
$P --ssh "$PAGESIM_SSH" --sshloginfile "$PAGESIM_SSHLOGINFILE" <jobs.txt || rc=$?
[ "$rc" -eq 1 ] || fail "parallel should report 1 failed job, exit was $rc"
[ "$(collect)" = ssh04 ] || fail "collect should find ssh04 missing"
[ "$(awk -F'\t' 'NR > 1 { print $2 }' jobs.log | sort -u)" = "$PAGESIM_SSHLOGIN" ] ||
    fail "the joblog should name the ssh login as host"

step "--resume-failed with --ssh and --sshlogin after the fix"
rm fail/ssh04
$P --ssh "$PAGESIM_SSH" --sshlogin "$PAGESIM_SSHLOGIN" --resume-failed <jobs.txt || fail "resumed run failed"
[ "$(awk -F'\t' 'NR > 1' jobs.log | wc -l)" -eq 11 ] || fail "joblog should hold 10 + 1 runs"
collect || fail "results missing after --resume-failed"
expect_engine parallel-ssh 10
grep -q "\"cwd\": \"$W/sweep\"" results/ssh01.json || fail "remote jobs did not run in the sweep directory"

step "sshd down"
trap - EXIT
"$CLUSTER/sshd-local.sh" down "$D"
[ -z "$(pids_of_dir "$D" sshd)" ] || fail "sshd still running after down"
step "PASS"
