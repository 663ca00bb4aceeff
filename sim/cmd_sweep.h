// SPDX-License-Identifier: GPL-2.0-only
// `pagesim sweep plan SWEEP.yaml --out DIR | run DIR [--jobs N] | submit DIR --engine E ...
// | collect DIR [--retry-file F] [--format table|json|csv]`: a matrix of runs as a job list,
// run on this machine's cores, on Slurm or with GNU parallel, and merged back.
#pragma once

#include <ostream>
#include <string>

namespace CLI {
class App;
}

namespace pagesim {

/// 0 planned; 1 output not writable; 2 bad sweep file or directory.
int sweep_plan_command(const std::string& sweep_file, const std::string& out_dir, std::ostream& out,
                       std::ostream& err);
/// 0 every job done; 1 some failed or were interrupted; 2 bad job list.
int sweep_run_command(const std::string& dir, unsigned jobs, std::ostream& out, std::ostream& err);

struct CollectCommand {
    std::string dir;
    std::string retry_file; ///< default DIR/jobs.retry.txt
    std::string format = "table";
    bool plots = true;
    bool all_metrics = false;
};
/// 0 all done; 1 some missing or invalid; 2 bad input.
int sweep_collect_command(const CollectCommand& cmd, std::ostream& out, std::ostream& err);

/// Registers `sweep` and its subcommands; the result goes to `exit_code`.
void add_sweep_command(CLI::App& app, int& exit_code);

} // namespace pagesim
