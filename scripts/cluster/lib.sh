# SPDX-License-Identifier: GPL-2.0-only
# Shared by the scripts in scripts/cluster/ (sourced, never run): error messages, free TCP
# ports, and stopping the daemons a script started, found by pid file or by the state
# directory they reference. Needs only /proc and POSIX tools: no ps, pgrep, ss or lsof.

die() { echo "${PROG:-cluster}: error: $*" >&2; exit 1; }
note() { echo "${PROG:-cluster}: $*" >&2; }

# abspath PATH: PATH made absolute and free of symlinks (the directory must exist).
abspath() { (cd "$1" && pwd -P); }

# port_in_use PORT: true if a TCP socket (IPv4 or IPv6) has PORT as its local port, in any
# state but TIME_WAIT (06): daemons bind with SO_REUSEADDR, so those do not block a restart.
port_in_use() {
    _hex=$(printf ':%04X' "$1")
    for _f in /proc/net/tcp /proc/net/tcp6; do
        [ -r "$_f" ] || continue
        awk -v h="$_hex" 'FNR > 1 && $4 != "06" && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
            "$_f" && return 0
    done
    return 1
}

# free_port BASE: prints the first port >= BASE (within 1000) that no socket uses.
free_port() {
    _p=$1
    while [ "$_p" -lt $(($1 + 1000)) ]; do
        port_in_use "$_p" || { echo "$_p"; return 0; }
        _p=$((_p + 1))
    done
    die "no free TCP port in $1..$(($1 + 999))"
}

# proc_alive PID: true if PID exists and is not a zombie (PID 1 may never reap it).
proc_alive() {
    [ -r "/proc/$1/stat" ] || return 1
    _state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$_state" ] && [ "$_state" != Z ] && [ "$_state" != X ]
}

# proc_mentions PID DIR: true if PID's command line names a file below DIR (an absolute
# state directory), or one of its open files or its working directory is below DIR.
proc_mentions() {
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$2/" && return 0
    for _fd in "/proc/$1/cwd" "/proc/$1"/fd/*; do
        case $(readlink "$_fd" 2>/dev/null) in "$2"/* | "$2") return 0 ;; esac
    done
    return 1
}

# stop_pids SECONDS PID...: SIGTERM, wait up to SECONDS, then SIGKILL what is left.
stop_pids() {
    _wait=$1; shift
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null || true
    _t=0
    while [ "$_t" -lt $((_wait * 10)) ]; do
        _left=""
        for _pid in "$@"; do proc_alive "$_pid" && _left="$_left $_pid"; done
        [ -n "$_left" ] || return 0
        sleep 0.1
        _t=$((_t + 1))
    done
    note "still running after ${_wait}s, sending SIGKILL to:$_left"
    # shellcheck disable=SC2086
    kill -KILL $_left 2>/dev/null || true
    sleep 0.2
}

# pids_of_dir DIR NAME...: pids of processes whose name (comm) is one of NAME and that
# mention DIR (see proc_mentions). Finds daemons whose pid file was lost.
pids_of_dir() {
    _dir=$1; shift
    for _p in /proc/[0-9]*; do
        _pid=${_p#/proc/}
        [ "$_pid" != $$ ] || continue
        read -r _comm 2>/dev/null <"$_p/comm" || continue
        for _name in "$@"; do
            if [ "$_comm" = "$_name" ] && proc_alive "$_pid" && proc_mentions "$_pid" "$_dir"; then
                echo "$_pid"
            fi
        done
    done
}

# pidfile_pid FILE DIR: prints the pid in FILE if that process is alive and mentions DIR
# (so a recycled pid is never killed).
pidfile_pid() {
    [ -s "$1" ] || return 1
    _pid=$(tr -dc '0-9' <"$1")
    [ -n "$_pid" ] && proc_alive "$_pid" && proc_mentions "$_pid" "$2" && echo "$_pid"
}
