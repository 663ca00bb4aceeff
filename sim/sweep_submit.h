// SPDX-License-Identifier: GPL-2.0-only
// `pagesim sweep submit`: hands DIR/jobs.txt (or, with --retry, the lines not done) to an
// existing engine: Slurm job arrays through scripts/cluster/slurm-submit-array.sh, or GNU
// parallel (locally, or over ssh with --sshlogin) with a joblog for --resume-failed.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace pagesim {

struct SubmitCommand {
    std::string dir;
    std::string engine; ///< slurm | parallel
    bool retry = false; ///< only the lines not done (sweep collect's rule)
    // slurm
    std::string partition;
    unsigned per_task = 1;
    unsigned max_running = 0; ///< 0: no throttle
    bool wait = false;
    unsigned wait_timeout = 0; ///< 0: none
    std::vector<std::string> sbatch_args;
    bool dry_run = false;
    // parallel
    unsigned jobs = 0; ///< 0: parallel's default (one per CPU)
    std::vector<std::string> sshlogins;
    std::string sshloginfile;
    std::string ssh; ///< --ssh CMD for parallel
};

/// The engine's command line for `jobs_file` (exposed for tests).
std::vector<std::string> submit_argv(const SubmitCommand& cmd, const std::string& jobs_file,
                                     const std::string& stamp);

/// 0 submitted (and finished, with --wait / parallel), 1 engine error or failed jobs,
/// 2 bad input, 3 --wait-timeout expired (slurm). The engine's stdout (Slurm: one job id per
/// array) passes through.
int submit_command(const SubmitCommand& cmd, std::ostream& out, std::ostream& err);

} // namespace pagesim
