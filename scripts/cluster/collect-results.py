#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Which lines of a job list still need to run, judged from the result files alone.

    collect-results.py JOBS_FILE [--chdir DIR] [--retry-file FILE] [--quiet]

Each line of JOBS_FILE names its result file literally as `.../results/<id>.json` (one such
path per line; ids are [A-Za-z0-9._-], unique). A line is done when that file exists and
parses as JSON; scheduler state and exit codes are never consulted. Relative paths are taken
from --chdir (default: the current directory), where the lines run.

Prints the ids not done on stdout, one per line, in job-list order; a summary (and why each
failed) on stderr. --retry-file writes exactly those lines, in order, as a new job list
(atomically; empty when nothing is left), ready for slurm-submit-array.sh or GNU parallel.
Exit codes: 0 every result present and valid, 1 some missing or invalid, 2 usage or a
malformed job list.
"""
import argparse
import json
import os
import re
import sys
import tempfile

RESULT = re.compile(r"(?:^|(?<=[\s='\"]))((?:[^\s'\"=]*/)?results/([A-Za-z0-9._-]+)\.json)(?=$|[\s'\";&|)])")


def fail(msg):
    print(f"collect-results: error: {msg}", file=sys.stderr)
    sys.exit(2)


def parse(jobs_file):
    """[(line_no, id, path, line)] for every line; exits 2 on a malformed list."""
    try:
        with open(jobs_file, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        fail(f"cannot read job list: {e}")
    entries, seen = [], {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            fail(f"{jobs_file}:{n}: empty line (every line must be a command)")
        paths = {m.group(1): m.group(2) for m in RESULT.finditer(line)}
        if len(paths) != 1:
            what = "no" if not paths else "more than one"
            fail(f"{jobs_file}:{n}: {what} 'results/<id>.json' path in the line")
        (path, job_id), = paths.items()
        if job_id in seen:
            fail(f"{jobs_file}:{n}: id '{job_id}' already used on line {seen[job_id]}")
        seen[job_id] = n
        entries.append((n, job_id, path, line))
    if not entries:
        fail(f"{jobs_file}: empty job list")
    return entries


def check(path):
    """None if path holds valid JSON, else why not."""
    try:
        with open(path, encoding="utf-8") as f:
            json.load(f)
    except FileNotFoundError:
        return "missing"
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return f"invalid ({e})"
    return None


def write_atomically(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".retry-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jobs_file")
    ap.add_argument("--chdir", default=".", help="directory the lines run in")
    ap.add_argument("--retry-file", help="write the lines not done to this job list")
    ap.add_argument("--quiet", action="store_true", help="no summary on stderr")
    args = ap.parse_args()
    if not os.path.isdir(args.chdir):
        fail(f"--chdir: no such directory '{args.chdir}'")

    entries = parse(args.jobs_file)
    todo = []
    for n, job_id, path, line in entries:
        why = check(os.path.join(args.chdir, path))
        if why:
            todo.append((n, job_id, why, line))
    for _, job_id, _, _ in todo:
        print(job_id)
    if args.retry_file:
        write_atomically(args.retry_file, "".join(line + "\n" for *_, line in todo))
    if not args.quiet:
        print(f"collect-results: {len(entries) - len(todo)}/{len(entries)} results valid",
              file=sys.stderr)
        for n, job_id, why, _ in todo:
            print(f"{args.jobs_file}:{n}: {job_id}: {why}", file=sys.stderr)
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
