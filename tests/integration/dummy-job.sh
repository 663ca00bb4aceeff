#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# dummy-job.sh RESULT [SECONDS]: a stand-in for `pagesim run ... --out RESULT` in the
# scale-out tests. Writes RESULT (results/<id>.json) atomically, temp file + rename, with the
# id, the engine that ran it (what its environment says) and the working directory. Fails
# without a result while the file fail/<id> exists in the working directory (fault injection).
set -eu
out=$1
id=$(basename "$out" .json)
if [ -e "fail/$id" ]; then
    echo "dummy-job: $id: failing on purpose (fail/$id exists)" >&2
    exit 1
fi
[ -z "${2:-}" ] || sleep "$2"
engine=local
[ -z "${PARALLEL_SEQ:-}" ] || engine=parallel
[ -z "${SSH_CONNECTION:-}" ] || engine=parallel-ssh
[ -z "${SLURM_ARRAY_JOB_ID:-}" ] || engine=slurm
dir=$(dirname "$out")
mkdir -p "$dir"
tmp=$dir/.$id.json.tmp.$$
printf '{"id": "%s", "engine": "%s", "slurm_job": "%s", "cwd": "%s", "pid": %d}\n' \
    "$id" "$engine" "${SLURM_ARRAY_JOB_ID:-}_${SLURM_ARRAY_TASK_ID:-}" "$(pwd)" $$ >"$tmp"
mv -f "$tmp" "$out"
