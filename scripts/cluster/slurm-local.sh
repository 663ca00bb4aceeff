#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A single-node Slurm cluster on localhost, every file of it under one directory.
#
#   slurm-local.sh up DIR      write DIR/slurm.conf, start munged, slurmctld, slurmd; wait
#                              until sinfo shows the node idle; print `export SLURM_CONF=...`
#   slurm-local.sh status DIR  print daemons and node state; exit 0 only if all is up
#   slurm-local.sh down DIR    cancel jobs, stop every daemon started for DIR; idempotent
#
# Clients need SLURM_CONF: `. DIR/env.sh` or `eval "$(slurm-local.sh up DIR)"`.
# No systemd needed: the daemons are started by hand. As root, munged runs as the `munge`
# user and the Slurm daemons as root; otherwise all run as the caller (jobs too).
# Environment (all optional):
#   SLURM_LOCAL_PORT            first port to try for slurmctld (default 16817); slurmd gets
#                               the next free one. Ports in use are skipped.
#   SLURM_LOCAL_NODENAME        NodeName (default: short hostname; slurmd gets it with -N)
#   SLURM_LOCAL_MAX_ARRAY_SIZE  MaxArraySize (default: Slurm's, 1001)
#   SLURM_LOCAL_TIMEOUT         seconds to wait for the node to be idle (default 60)
#   SLURM_LOCAL_SCHED_PARAMS    SchedulerParameters (default batch_sched_delay=0: start
#                               batch jobs at once, not up to 3 s later as Slurm does;
#                               empty: Slurm's defaults)
# Exit codes: 0 ok, 1 failure (message and log tails on stderr), 2 usage.
set -eu
PROG=slurm-local.sh
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

usage() { echo "usage: $PROG up|down|status DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
CMD=$1
case $CMD in up | down | status) ;; *) usage ;; esac
[ -n "$2" ] || usage
if [ "$CMD" = up ]; then mkdir -p "$2"; fi
[ -d "$2" ] || die "no such directory: $2"
DIR=$(abspath "$2")
CONF=$DIR/slurm.conf
MUNGE_DIR=$DIR/munge
SOCKET=$MUNGE_DIR/munge.socket.2
DAEMONS="slurmd slurmctld munged"

PATH=$PATH:/usr/sbin:/sbin
if [ "$CMD" != down ]; then # down must work even where Slurm has gone
    for tool in slurmctld slurmd sinfo scontrol munged; do
        command -v "$tool" >/dev/null 2>&1 ||
            die "'$tool' not found: install slurmctld slurmd slurm-client munge (scripts/install-deps.sh)"
    done
fi

log_tails() {
    for f in "$DIR/log/start.log" "$DIR/log/munged.log" "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log"; do
        [ -s "$f" ] || continue
        echo "---- last lines of $f" >&2
        tail -n 15 "$f" >&2
    done
}

# Stops what runs for DIR: jobs first (so no slurmstepd outlives slurmd), then the daemons
# by pid file, then any slurm or munge process still mentioning DIR (lost pid files).
stop_all() {
    if [ -f "$CONF" ] && [ -n "$(pidfile_pid "$DIR/run/slurmctld.pid" "$DIR" || true)" ]; then
        jobs=$(SLURM_CONF=$CONF squeue -h -o %A 2>/dev/null | sort -u || true)
        if [ -n "$jobs" ]; then
            # shellcheck disable=SC2086
            SLURM_CONF=$CONF scancel $jobs 2>/dev/null || true
            t=0
            while [ $t -lt 100 ] && [ -n "$(SLURM_CONF=$CONF squeue -h -o %A 2>/dev/null)" ]; do
                sleep 0.1; t=$((t + 1))
            done
        fi
    fi
    for d in $DAEMONS; do
        pid=$(pidfile_pid "$DIR/run/$d.pid" "$DIR" || true)
        if [ -n "$pid" ]; then stop_pids 10 "$pid"; fi
        rm -f "$DIR/run/$d.pid"
    done
    # shellcheck disable=SC2046
    stop_pids 5 $(pids_of_dir "$DIR" slurmstepd slurmd slurmctld munged)
    rm -f "$SOCKET" "$SOCKET.lock"
}

node_state() { SLURM_CONF=$CONF sinfo -h -n "$1" -o %t 2>/dev/null | head -n 1; }

if [ "$CMD" = down ]; then
    stop_all
    note "stopped (state kept in $DIR)"
    exit 0
fi

if [ "$CMD" = status ]; then
    [ -f "$CONF" ] || die "no cluster in $DIR (no slurm.conf)"
    ok=0
    for d in $DAEMONS; do
        pid=$(pidfile_pid "$DIR/run/$d.pid" "$DIR" || true)
        if [ -n "$pid" ]; then echo "$d: running (pid $pid)"; else echo "$d: stopped"; ok=1; fi
    done
    node=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' "$CONF")
    state=$(node_state "$node")
    echo "node $node: ${state:-unknown}"
    case $state in idle | alloc | mix | comp) ;; *) ok=1 ;; esac
    exit $ok
fi

# ---- up
stop_all # a previous run may have died half-way: stale pid files, leftover daemons
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
rm -rf "${DIR:?}/state/"* "${DIR:?}/spool/"*
: >"$DIR/log/slurmctld.log"
: >"$DIR/log/slurmd.log"
: >"$DIR/log/start.log"

ME=$(id -un)
if [ "$(id -u)" = 0 ]; then
    getent passwd munge >/dev/null || die "no 'munge' user: is the munge package installed?"
    MUNGE_USER=munge
    RUN_MUNGE="runuser -u munge --"
    chmod 755 "$DIR" # munged (not root) must reach DIR/munge
else
    MUNGE_USER=$ME
    RUN_MUNGE=""
fi
# munged insists: key owned by its user, mode 0400/0600; its directories not writable by
# group or others; so DIR/munge is 0755 (clients reach the socket), the key 0600.
mkdir -p "$MUNGE_DIR"
if [ "$(id -u)" = 0 ]; then chown "$MUNGE_USER:$MUNGE_USER" "$MUNGE_DIR"; fi
chmod 0755 "$MUNGE_DIR"
if [ "$(id -u)" = 0 ] && ! runuser -u munge -- test -w "$MUNGE_DIR"; then
    die "the munge user cannot reach $MUNGE_DIR: a parent directory is not searchable by others (like /root); use a DIR below /tmp"
fi
if [ ! -s "$MUNGE_DIR/munge.key" ]; then
    (umask 077 && dd if=/dev/urandom of="$MUNGE_DIR/munge.key" bs=1024 count=1 2>/dev/null) ||
        die "cannot create $MUNGE_DIR/munge.key"
fi
if [ "$(id -u)" = 0 ]; then chown "$MUNGE_USER:$MUNGE_USER" "$MUNGE_DIR/munge.key"; fi
chmod 0600 "$MUNGE_DIR/munge.key"
# munged checks its log file's directory too: keep the log beside the key, link it in log/.
ln -sf "$MUNGE_DIR/munged.log" "$DIR/log/munged.log"

# shellcheck disable=SC2086
$RUN_MUNGE munged --socket="$SOCKET" --key-file="$MUNGE_DIR/munge.key" \
    --log-file="$MUNGE_DIR/munged.log" --pid-file="$MUNGE_DIR/munged.pid" \
    --seed-file="$MUNGE_DIR/munged.seed" --num-threads=2 </dev/null >>"$DIR/log/start.log" 2>&1 ||
    { log_tails; die "munged failed to start (see $DIR/log/start.log)"; }
ln -sf "$MUNGE_DIR/munged.pid" "$DIR/run/munged.pid"

# Node description: what slurmd itself detects, so the node is never drained for a mismatch.
NODENAME=${SLURM_LOCAL_NODENAME:-$(hostname -s 2>/dev/null || hostname)}
case $NODENAME in '' | *[!A-Za-z0-9_.-]*) NODENAME=localnode ;; esac
HW=$(slurmd -C | head -n 1 | tr ' ' '\n' |
    grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore|RealMemory)=' | tr '\n' ' ')
case $HW in *CPUs=*) ;; *) die "'slurmd -C' did not describe this machine" ;; esac
CTLD_HOST=$(hostname -s 2>/dev/null || hostname)

BASE=${SLURM_LOCAL_PORT:-16817}
CTLD_PORT=$(free_port "$BASE")
SLURMD_PORT=$(free_port $((CTLD_PORT + 1)))

ARRAY_LINE="" SCHED_LINE=""
SCHED_PARAMS=${SLURM_LOCAL_SCHED_PARAMS-batch_sched_delay=0}
if [ -n "$SCHED_PARAMS" ]; then SCHED_LINE="SchedulerParameters=$SCHED_PARAMS"; fi
if [ -n "${SLURM_LOCAL_MAX_ARRAY_SIZE:-}" ]; then
    ARRAY_LINE="MaxArraySize=$SLURM_LOCAL_MAX_ARRAY_SIZE"
fi

cat >"$CONF.tmp" <<EOF
# SPDX-License-Identifier: GPL-2.0-only
# Written by scripts/cluster/slurm-local.sh: a one-node cluster with its state in $DIR.
ClusterName=pagesim
SlurmctldHost=$CTLD_HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=$ME
SlurmdUser=$ME
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$DIR/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
$SCHED_LINE
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmdParameters=config_overrides
ReturnToService=2
InactiveLimit=0
KillWait=5
MinJobAge=300
$ARRAY_LINE
NodeName=$NODENAME NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=local Nodes=$NODENAME Default=YES MaxTime=INFINITE State=UP
EOF
mv "$CONF.tmp" "$CONF"
: >"$DIR/plugstack.conf"
# slurmd 22.05 loads a cgroup plugin even when nothing uses cgroups; the default,
# autodetect, fails where /sys/fs/cgroup is not mounted (chroots, some containers) and
# cgroup/v2 wants systemd's dbus. cgroup/v1 only loads: nothing here calls it.
cat >"$DIR/cgroup.conf" <<EOF
# SPDX-License-Identifier: GPL-2.0-only
# Written by scripts/cluster/slurm-local.sh (read from slurm.conf's directory).
CgroupPlugin=cgroup/v1
EOF
printf '# SPDX-License-Identifier: GPL-2.0-only\nexport SLURM_CONF=%s\n' "'$CONF'" >"$DIR/env.sh"

# The auth plugin of every Slurm command reaches munged through AuthInfo=socket=...
t=0
until [ -S "$SOCKET" ]; do
    [ $t -lt 100 ] || { log_tails; die "munged did not create $SOCKET within 10s"; }
    sleep 0.1; t=$((t + 1))
done

slurmctld -f "$CONF" </dev/null >>"$DIR/log/start.log" 2>&1 ||
    { log_tails; die "slurmctld failed to start (see $DIR/log/start.log)"; }
slurmd -f "$CONF" -N "$NODENAME" </dev/null >>"$DIR/log/start.log" 2>&1 ||
    { log_tails; die "slurmd failed to start (see $DIR/log/start.log)"; }

TIMEOUT=${SLURM_LOCAL_TIMEOUT:-60}
start=$(date +%s)
while :; do
    state=$(node_state "$NODENAME")
    [ "$state" != idle ] || break
    for d in $DAEMONS; do
        if [ -s "$DIR/run/$d.pid" ] && [ -z "$(pidfile_pid "$DIR/run/$d.pid" "$DIR" || true)" ]; then
            log_tails; stop_all; die "$d exited while starting (node state: ${state:-none})"
        fi
    done
    if [ $(($(date +%s) - start)) -ge "$TIMEOUT" ]; then
        log_tails; stop_all
        die "node $NODENAME not idle after ${TIMEOUT}s (state: ${state:-none}); daemons stopped"
    fi
    sleep 0.2
done
note "node $NODENAME idle after $(($(date +%s) - start))s; slurmctld port $CTLD_PORT, slurmd port $SLURMD_PORT"
echo "export SLURM_CONF='$CONF'"
