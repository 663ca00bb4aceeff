#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# An sshd on 127.0.0.1:PORT for the current user, key-only, every file of it under DIR: what
# GNU parallel's --sshlogin needs to be tested (or used) without touching ~/.ssh or /etc/ssh.
#
#   sshd-local.sh up DIR PORT   fresh host key and user keypair, start sshd, check a login
#   sshd-local.sh down DIR      stop the sshd started for DIR (by pid file, else by DIR)
#
# `up` writes in DIR:
#   ssh_config     client config: `ssh -F DIR/ssh_config pagesim-local` logs in (host key
#                  pinned in DIR/known_hosts, key DIR/id_ed25519, batch mode)
#   sshloginfile   for `parallel --ssh "$PAGESIM_SSH" --sshloginfile DIR/sshloginfile`
#   env.sh         exports PAGESIM_SSH ("ssh -F DIR/ssh_config", for parallel --ssh),
#                  PAGESIM_SSHLOGIN (the host alias, for --sshlogin/-S) and
#                  PAGESIM_SSHLOGINFILE; `up` also prints these lines on stdout.
# The sshlogins are bare host names and the ssh command goes in --ssh: GNU parallel
# 20221122 (Debian 12) cannot --resume-failed from a joblog whose Host column has spaces,
# which `-S "ssh -p PORT host"` puts there.
# Remote sessions start in the user's home: give GNU parallel `--workdir .` (same machine,
# same filesystem) or use absolute paths in the job lines.
# Exit codes: 0 ok, 1 failure (message and log tail on stderr), 2 usage.
set -eu
PROG=sshd-local.sh
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

usage() { echo "usage: $PROG up DIR PORT | down DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
CMD=$1
case $CMD in
up) [ $# -eq 3 ] || usage; PORT=$3
    case $PORT in '' | *[!0-9]*) usage ;; esac
    [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || usage
    mkdir -p "$2" ;;
down) [ $# -le 3 ] || usage ;;
*) usage ;;
esac
[ -d "$2" ] || die "no such directory: $2"
DIR=$(abspath "$2")
SSHD=/usr/sbin/sshd # sshd must be started by absolute path (it re-executes itself)
ALIAS=pagesim-local

stop_all() {
    pid=$(pidfile_pid "$DIR/sshd.pid" "$DIR" || true)
    if [ -n "$pid" ]; then stop_pids 5 "$pid"; fi
    rm -f "$DIR/sshd.pid"
    # shellcheck disable=SC2046
    stop_pids 5 $(pids_of_dir "$DIR" sshd)
}

if [ "$CMD" = down ]; then
    stop_all
    note "stopped"
    exit 0
fi

[ -x "$SSHD" ] || die "$SSHD not found: install openssh-server (scripts/install-deps.sh)"
for tool in ssh ssh-keygen; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found: install openssh-client"
done
case "$DIR" in *[[:space:]]*) die "DIR must not contain spaces: '$DIR'" ;; esac

stop_all # a previous run may have died half-way
if port_in_use "$PORT"; then die "port $PORT is in use on this machine: choose another"; fi
ME=$(id -un)
# Privilege separation needs this directory; without systemd nothing creates it.
if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then mkdir -p /run/sshd && chmod 0755 /run/sshd; fi

rm -f "$DIR"/ssh_host_ed25519_key* "$DIR"/id_ed25519* "$DIR/sshd.log"
ssh-keygen -q -t ed25519 -N '' -C "pagesim-local-host" -f "$DIR/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C "pagesim-local-$ME" -f "$DIR/id_ed25519"
cp "$DIR/id_ed25519.pub" "$DIR/authorized_keys"
chmod 0600 "$DIR/authorized_keys"
echo "$ALIAS $(cut -d' ' -f1,2 "$DIR/ssh_host_ed25519_key.pub")" >"$DIR/known_hosts"

ROOT_LOGIN=no
if [ "$(id -u)" = 0 ]; then ROOT_LOGIN=prohibit-password; fi
# StrictModes no: DIR may sit below /tmp (mode 1777), which strict mode refuses for keys.
cat >"$DIR/sshd_config" <<EOF
# SPDX-License-Identifier: GPL-2.0-only
# Written by scripts/cluster/sshd-local.sh: key-only logins for $ME on 127.0.0.1:$PORT.
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/ssh_host_ed25519_key
PidFile $DIR/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys
AllowUsers $ME
PermitRootLogin $ROOT_LOGIN
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
ChallengeResponseAuthentication no
HostbasedAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
MaxSessions 100
LogLevel INFO
EOF
cat >"$DIR/ssh_config" <<EOF
# SPDX-License-Identifier: GPL-2.0-only
# Written by scripts/cluster/sshd-local.sh: ssh -F $DIR/ssh_config $ALIAS
Host $ALIAS
    HostName 127.0.0.1
    Port $PORT
    User $ME
    IdentityFile $DIR/id_ed25519
    IdentitiesOnly yes
    HostKeyAlias $ALIAS
    UserKnownHostsFile $DIR/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    LogLevel ERROR
EOF
CPUS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
echo "$CPUS/$ALIAS" >"$DIR/sshloginfile"
cat >"$DIR/env.sh" <<EOF
# SPDX-License-Identifier: GPL-2.0-only
export PAGESIM_SSH='ssh -F $DIR/ssh_config'
export PAGESIM_SSHLOGIN='$ALIAS'
export PAGESIM_SSHLOGINFILE='$DIR/sshloginfile'
EOF

"$SSHD" -t -f "$DIR/sshd_config" 2>"$DIR/sshd.log" ||
    { cat "$DIR/sshd.log" >&2; die "sshd rejected $DIR/sshd_config"; }
"$SSHD" -f "$DIR/sshd_config" -E "$DIR/sshd.log" </dev/null >/dev/null 2>&1 ||
    { tail -n 15 "$DIR/sshd.log" >&2; die "sshd failed to start on 127.0.0.1:$PORT"; }

# Ready when a real login works (proves the key, the host key pin and the port).
t=0
until ssh -F "$DIR/ssh_config" -o ConnectTimeout=2 "$ALIAS" true </dev/null 2>"$DIR/ssh-check.log"; do
    if [ $t -ge 50 ]; then
        cat "$DIR/ssh-check.log" >&2
        echo "---- last lines of $DIR/sshd.log" >&2; tail -n 15 "$DIR/sshd.log" >&2
        stop_all
        die "no key login to $ME@127.0.0.1:$PORT within 10s; sshd stopped"
    fi
    sleep 0.2; t=$((t + 1))
done
note "sshd on 127.0.0.1:$PORT (pid $(cat "$DIR/sshd.pid")), key login for $ME works"
grep '^export' "$DIR/env.sh"
