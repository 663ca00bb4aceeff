#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Submits a job list (one shell command per line, see README.md) as Slurm job arrays.
#
#   slurm-submit-array.sh [OPTIONS] JOBS_FILE
#
# Each array task runs K consecutive lines with `sh -c`, one after the other, and fails if any
# of them failed. A list needing more tasks than MaxArraySize is cut into several arrays.
# Prints the job id of each array, one per line, on stdout as soon as it is submitted.
#
#   --per-task K        lines per array task (default 1)
#   --partition P       partition (default: the cluster's default)
#   --max-running M     at most M tasks running at once (Slurm's `%M`); when the list needs
#                       several arrays they are chained (afterany) so the limit holds overall
#   --max-array-size N  tasks per array (default: MaxArraySize from `scontrol show config`)
#   --job-name NAME     (default pagesim-sweep)
#   --chdir DIR         directory the lines run in (default: the current directory)
#   --out DIR           where the array scripts, a copy of the list and the task logs go
#                       (default: JOBS_FILE's directory/slurm/<date>-<pid>)
#   --sbatch-arg ARG    passed to sbatch as is; repeatable (e.g. --sbatch-arg=--time=1:00:00)
#   --wait              return only when every array has left the queue
#   --wait-timeout S    with --wait: give up after S seconds
#   --dry-run           write the scripts and print the sbatch commands; submit nothing
#
# Whether a line succeeded is for its result file to say (collect-results.py), not Slurm.
# Exit codes: 0 submitted (and, with --wait, finished), 1 error, 2 usage, 3 wait timed out.
set -eu
PROG=slurm-submit-array.sh
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

usage() {
    [ $# -eq 0 ] || echo "$PROG: error: $*" >&2
    echo "usage: $PROG [--per-task K] [--partition P] [--max-running M] [--max-array-size N]" >&2
    echo "       [--job-name NAME] [--chdir DIR] [--out DIR] [--sbatch-arg ARG]... [--wait]" >&2
    echo "       [--wait-timeout S] [--dry-run] JOBS_FILE" >&2
    exit 2
}
posint() { case $2 in '' | *[!0-9]* | 0*) usage "$1 needs a positive integer, got '$2'" ;; esac; }

PER_TASK=1 PARTITION="" MAX_RUNNING="" MAX_ARRAY="" NAME=pagesim-sweep CHDIR=$(pwd) OUT=""
WAIT=0 WAIT_TIMEOUT="" DRY=0 JOBS="" EXTRA=""
while [ $# -gt 0 ]; do
    case $1 in
    --*=*) opt=${1%%=*} val=${1#*=}; shift; set -- "$opt" "$val" "$@"; continue ;;
    esac
    case $1 in
    --per-task | --partition | --max-running | --max-array-size | --job-name | --chdir | --out | \
        --sbatch-arg | --wait-timeout)
        [ $# -ge 2 ] || usage "$1 needs a value" ;;
    esac
    case $1 in
    --per-task) posint "$1" "$2"; PER_TASK=$2; shift 2 ;;
    --partition) PARTITION=$2; shift 2 ;;
    --max-running) posint "$1" "$2"; MAX_RUNNING=$2; shift 2 ;;
    --max-array-size) posint "$1" "$2"; MAX_ARRAY=$2; shift 2 ;;
    --job-name) NAME=$2; shift 2 ;;
    --chdir) CHDIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --sbatch-arg) EXTRA="$EXTRA
$2"; shift 2 ;;
    --wait) WAIT=1; shift ;;
    --wait-timeout) posint "$1" "$2"; WAIT_TIMEOUT=$2; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h | --help) usage ;;
    -*) usage "unknown option '$1'" ;;
    *) [ -z "$JOBS" ] || usage "one JOBS_FILE only"; JOBS=$1; shift ;;
    esac
done
[ -n "$JOBS" ] || usage "no JOBS_FILE"
[ -f "$JOBS" ] && [ -r "$JOBS" ] || die "cannot read job list '$JOBS'"
[ -d "$CHDIR" ] || die "--chdir: no such directory '$CHDIR'"
CHDIR=$(abspath "$CHDIR")
command -v sbatch >/dev/null 2>&1 || [ "$DRY" = 1 ] ||
    die "'sbatch' not found: install slurm-client, or run this on a Slurm login node"

# The list: no empty lines (GNU parallel would run them too, and numbering must agree).
bad=$(awk 'NF == 0 { print NR; exit }' "$JOBS")
[ -z "$bad" ] || die "$JOBS:$bad: empty line (every line must be a command)"
N=$(awk 'END { print NR }' "$JOBS")
[ "$N" -gt 0 ] || die "job list '$JOBS' is empty"

if [ -z "$MAX_ARRAY" ]; then
    MAX_ARRAY=$(scontrol show config 2>/dev/null | awk '$1 == "MaxArraySize" { print $3 }')
    case $MAX_ARRAY in '' | *[!0-9]*) MAX_ARRAY=1001 ;; esac
fi

if [ -z "$OUT" ]; then OUT=$(dirname "$JOBS")/slurm/$(date +%Y%m%d-%H%M%S)-$$; fi
case "$OUT$CHDIR" in *[[:space:]%\'\"\\]*) die "paths with spaces, quotes, '\\' or '%' are not supported: $OUT, $CHDIR" ;; esac
mkdir -p "$OUT/logs"
OUT=$(abspath "$OUT")
cp "$JOBS" "$OUT/jobs.txt" # the arrays read this copy: the list may change after submission

TASKS=$(((N + PER_TASK - 1) / PER_TASK))
ARRAYS=$(((TASKS + MAX_ARRAY - 1) / MAX_ARRAY))
note "$N lines, $PER_TASK per task: $TASKS tasks in $ARRAYS array(s) of at most $MAX_ARRAY; files in $OUT"

IDS="" prev="" c=0
while [ "$c" -lt "$ARRAYS" ]; do
    offset=$((c * MAX_ARRAY))
    size=$((TASKS - offset))
    [ "$size" -le "$MAX_ARRAY" ] || size=$MAX_ARRAY
    range="0-$((size - 1))${MAX_RUNNING:+%$MAX_RUNNING}"
    script=$OUT/array-$c.sbatch
    cat >"$script" <<EOF
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Written by scripts/cluster/slurm-submit-array.sh: array $c of $ARRAYS; task i runs lines
# (($offset + i) * $PER_TASK + 1) .. +$PER_TASK of $OUT/jobs.txt.
#SBATCH --job-name=$NAME
#SBATCH --array=$range
#SBATCH --output=$OUT/logs/%A_%a.out
#SBATCH --chdir=$CHDIR
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
${PARTITION:+#SBATCH --partition=$PARTITION}
set -u
first=\$(( ($offset + SLURM_ARRAY_TASK_ID) * $PER_TASK + 1 ))
last=\$(( first + $PER_TASK - 1 ))
[ "\$last" -le $N ] || last=$N
rc=0
n=\$first
while [ "\$n" -le "\$last" ]; do
    line=\$(sed -n "\${n}p" '$OUT/jobs.txt')
    echo "[sweep] line \$n: \$line"
    sh -c "\$line" </dev/null || { s=\$?; echo "[sweep] line \$n failed (exit \$s)" >&2; rc=1; }
    n=\$((n + 1))
done
exit \$rc
EOF
    set -- --parsable
    if [ -n "$prev" ] && [ -n "$MAX_RUNNING" ]; then set -- "$@" "--dependency=afterany:$prev"; fi
    old_ifs=$IFS; IFS='
'
    for a in $EXTRA; do set -- "$@" "$a"; done
    IFS=$old_ifs
    if [ "$DRY" = 1 ]; then
        echo "sbatch $* $script" >&2
        id="dry-run-$c"
    else
        out=$(sbatch "$@" "$script" 2>"$OUT/sbatch.err") || {
            cat "$OUT/sbatch.err" >&2
            die "sbatch failed for array $c of $ARRAYS${IDS:+ (already submitted:$IDS)}"
        }
        id=${out%%;*}
        case $id in '' | *[!0-9]*) die "sbatch printed no job id: '$out'" ;; esac
    fi
    echo "$id"
    IDS="$IDS $id" prev=$id c=$((c + 1))
done
# shellcheck disable=SC2086 # IDS is a space-separated list of numbers
printf '%s\n' $IDS >"$OUT/job-ids"

[ "$WAIT" = 1 ] && [ "$DRY" = 0 ] || exit 0
# Wait: poll squeue for the arrays' live tasks (every 0.5 s, then 1, 2, 4 and 8 s). A job id the
# controller has already purged counts as finished; an unreachable controller is an error.
# shellcheck disable=SC2086
ids=$(printf '%s,' $IDS); ids=${ids%,}
start=$(date +%s) delay=0.5 errors=0
while :; do
    if left=$(squeue -h -o %i -j "$ids" 2>"$OUT/squeue.err"); then
        [ -n "$left" ] || break
        errors=0
    elif grep -q 'Invalid job id' "$OUT/squeue.err"; then
        break
    else
        errors=$((errors + 1))
        [ "$errors" -lt 10 ] || { cat "$OUT/squeue.err" >&2; die "squeue keeps failing"; }
    fi
    if [ -n "$WAIT_TIMEOUT" ] && [ $(($(date +%s) - start)) -ge "$WAIT_TIMEOUT" ]; then
        note "still in the queue after ${WAIT_TIMEOUT}s: $(echo "$left" | head -n 5 | tr '\n' ' ')"
        exit 3
    fi
    sleep "$delay"
    case $delay in 0.5) delay=1 ;; 1) delay=2 ;; 2) delay=4 ;; *) delay=8 ;; esac
done
note "all $ARRAYS array(s) left the queue after $(($(date +%s) - start))s"
