# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the scale-out integration tests: paths, skip/fail, checks on result files.
# A test is called with its own work directory (fixed, below the build tree, so that a run
# that died half-way is cleaned up by the next one), and the tests of `pagesim sweep` with
# the pagesim binary as a second argument.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLUSTER=$ROOT/scripts/cluster
JOB=$ROOT/tests/integration/dummy-job.sh
PY=/usr/bin/python3 # Debian's: the python3 first on PATH may be another one
. "$CLUSTER/lib.sh"
[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "usage: $0 WORKDIR [PAGESIM]" >&2; exit 2; }
W=$1
PAGESIM=${2:-} # the real pagesim binary, for the tests of `pagesim sweep`
mkdir -p "$W"
W=$(abspath "$W")
SECONDS0=$(date +%s)
export PARALLEL_HOME="$W/parallel-home" # keep GNU parallel out of ~/.parallel

# skip WHY: exit 77, CTest's SKIP_RETURN_CODE for these tests. Only for missing packages.
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "[$(($(date +%s) - SECONDS0))s] $*"; }
require() { # require PACKAGE COMMAND...
    _pkg=$1; shift
    for _c in "$@"; do
        command -v "$_c" >/dev/null 2>&1 || [ -x "/usr/sbin/$_c" ] ||
            skip "'$_c' not found (Debian package $_pkg; scripts/install-deps.sh installs it)"
    done
}
[ -x "$PY" ] || skip "$PY not found (Debian package python3)"

# make_jobs PREFIX COUNT [SECONDS]: jobs.txt in the current directory, one dummy job a line.
make_jobs() {
    : >jobs.txt
    _i=1
    while [ "$_i" -le "$2" ]; do
        printf "sh %s results/%s%02d.json %s\n" "$JOB" "$1" "$_i" "${3:-}" >>jobs.txt
        _i=$((_i + 1))
    done
}

# collect: runs collect-results.py on jobs.txt; prints the ids not done; returns its status.
collect() { "$PY" "$CLUSTER/collect-results.py" jobs.txt --quiet "$@"; }

# expect_engine ENGINE COUNT: COUNT result files, each valid and written under ENGINE.
expect_engine() {
    "$PY" - "$1" "$2" <<'PYEOF'
import glob, json, sys
engine, count = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob("results/*.json"))
bad = [f for f in files if json.load(open(f))["engine"] != engine]
if len(files) != count or bad:
    sys.exit(f"FAIL: expected {count} results from {engine}, got {len(files)}; wrong engine: {bad}")
PYEOF
}

# need_pagesim: the tests of `pagesim sweep` run the real binary.
need_pagesim() { [ -n "$PAGESIM" ] && [ -x "$PAGESIM" ] || fail "no pagesim binary given (usage: $0 WORKDIR PAGESIM)"; }

# result_id LINE_NO: the id of line LINE_NO of jobs.txt (its results/<id>.json).
result_id() { sed -n "${1}p" jobs.txt | sed 's|.*results/\([A-Za-z0-9._-]*\)\.json.*|\1|'; }

# break_line LINE_NO: makes that job fail at run time (an unknown option) while its line
# still names its result file; `pagesim sweep plan` again writes the line back whole.
break_line() { sed -i "${1}s| run | run --no-such-option |" jobs.txt; }

# all_results_whole: every results/*.json parses, and no temporary file is left beside them.
all_results_whole() {
    "$PY" - <<'PYEOF'
import glob, json, sys
bad = []
for f in glob.glob("results/*"):
    try:
        json.load(open(f))
    except Exception as e:
        bad.append(f"{f}: {e}")
if bad:
    sys.exit("FAIL: partial or foreign files in results/: " + "; ".join(bad))
PYEOF
}

# write_sweep20 NAME: $W/sweep.yaml, the 20-job thread_test sweep the local and Slurm tests
# share (5 layouts x 2 seeds x 2 MEMC1 bandwidths).
write_sweep20() {
    cat >"$W/sweep.yaml" <<YAML
name: $1
scenario: thread_test
axes:
  layout: [none, movablecore, dmb_memc0, dmb_split, dmb_split_shuffle]
  seeds: 2
  set:
    machine.controllers[1].bandwidth: [9.6GB/s, 4.8GB/s]
YAML
}
