// SPDX-License-Identifier: GPL-2.0-only
// `pagesim sweep run`: the jobs of a job list whose result is not done, on N worker
// processes (`sh -c LINE` in the sweep directory, each in its own process group, stderr to
// logs/<id>.err); progress bar and ETA on a terminal; SIGINT/SIGTERM stop launching and end
// the running jobs, which never leave a partial result (jobs write atomically).
#pragma once

#include "sim/sweep_jobs.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace pagesim {

struct SweepRunOptions {
    unsigned jobs = 0;           ///< worker processes; 0: the hardware threads
    std::string label = "sweep"; ///< the progress bar's label
    double kill_grace_s = 5;     ///< after SIGTERM, SIGKILL the jobs still running after this
};

struct SweepRunReport {
    std::size_t total = 0;   ///< lines in the list
    std::size_t skipped = 0; ///< already done before the run
    std::size_t done = 0;    ///< ran and left a valid result
    std::size_t failed = 0;  ///< ran and left none (exit status, or a missing/invalid file)
    std::size_t not_run = 0; ///< left undone by an interruption (never started, or stopped)
    bool interrupted = false;
    unsigned workers = 0;
    double wall_s = 0;    ///< first launch to last exit
    double job_s_sum = 0; ///< sum of each job's spawn-to-exit time
    /// Sum over jobs of the time a free worker waited for its next job to be started
    /// (spawn included): what the runner itself costs per job.
    double dispatch_s_sum = 0;
    std::vector<std::string> failed_ids;   ///< list order
    std::vector<std::string> failed_notes; ///< "exit 1: <last line of its log>"
};

/// Runs the jobs of `jobs` that are not done in `dir` (the sweep directory: lines run
/// there; logs go to dir/logs). Throws std::runtime_error if another `sweep run` holds the
/// directory's lock or the directory is unusable.
SweepRunReport run_sweep_jobs(const std::filesystem::path& dir, const std::vector<JobLine>& jobs,
                              const SweepRunOptions& opts);

/// The report's summary lines.
std::string format_run_report(const SweepRunReport& r);

} // namespace pagesim
