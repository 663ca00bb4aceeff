// SPDX-License-Identifier: GPL-2.0-only
// `pagesim run SCENARIO.yaml [--layout NAME | --cmdline "..."] [--seed N] [--until T]
// [--set NAME=VALUE]... [--out DIR|FILE.json] [--format table|json] [--verbose] [--trace TRACE]
// [--ftrace-out FILE]`, or `pagesim run --trace TRACE --machine M [--capture-cmdline "..."]`:
// one workload on one layout. Also the helpers `compare` and `sweep` share: picking a layout
// and booting it.
#pragma once

#include "allocator/layout.h"
#include "workloads/workload.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace pagesim {

struct RunCommand {
    std::string scenario;               ///< empty: a trace-only run (--trace and --machine)
    std::string layout;                 ///< --layout NAME (default: the first layout)
    std::optional<std::string> cmdline; ///< --cmdline "..." instead of a named layout
    std::optional<std::uint64_t> seed;
    std::vector<std::string> set; ///< --set NAME=VALUE: scenario parameters
    std::string until;            ///< --until T (a duration)
    std::string out;              ///< --out DIR, or --out FILE.json (is_result_file)
    std::string format = "table"; ///< table | json
    bool verbose = false;         ///< echo the fully defaulted scenario as YAML
    bool strict = false;          ///< layout warnings and malformed trace lines are errors
    bool no_pcp = false;
    std::string trace;      ///< --trace TRACE: replay an ftrace kmem capture
    std::string ftrace_out; ///< --ftrace-out FILE: the run's kmem events
    /// --machine M (name or file): without a scenario, run the trace alone on M
    /// (trace_scenario()).
    std::string machine;
    /// --capture-cmdline: the kernel command line the trace was captured with; its layout
    /// places the capture's pfns (the baseline column). Default: the machine's cmdline.
    std::optional<std::string> capture_cmdline;
};

/// The scenario of a trace-only run: machine `machine`, one layout "machine" with the
/// machine's default command line (if it has one), the capture's span + 1 ms as duration,
/// and the trace as the whole workload. Throws std::invalid_argument for "-" (a replay
/// reads its span from the file's end) and FtraceError for an unreadable trace.
Scenario trace_scenario(const Machine& machine, const std::string& trace);

/// A layout the scenario names, or `cmdline` if given: the name and the command line.
NamedLayout pick_layout(const Scenario& sc, const std::string& name,
                        const std::optional<std::string>& cmdline);
/// Boots the machine with a command line (compute_layout); LayoutError / CmdlineError on
/// bad input.
Layout boot_layout(const Machine& machine, const std::string& cmdline, bool strict);

/// True if `--out` names a one-file result (ends in ".json") rather than a directory: the
/// run summary as --format json prints it, plus "inputs" (scenario, layout, cmdline, seed,
/// overrides) and "metrics" (compute_metrics(), as [{name, unit, value, better}]), written
/// atomically (a sweep's results/<id>.json).
bool is_result_file(const std::string& out);

/// Runs the command; 0 success, 1 runtime failure (e.g. an output not writable), 2 bad
/// input. Messages go to `err`, results to `out`.
int run_command(const RunCommand& cmd, std::ostream& out, std::ostream& err);

/// Registers `run` on the pagesim command line; the result goes to `exit_code`.
void add_run_command(CLI::App& app, int& exit_code);

} // namespace pagesim
