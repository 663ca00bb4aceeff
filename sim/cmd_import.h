// SPDX-License-Identifier: GPL-2.0-only
// `pagesim import ftrace TRACE [-o workload.yaml] [--machine M] [--cmdline "..."]
// [--strict]`: a kmem capture -> a scenario YAML and the compact event list it references
// (workloads/README.md, "Imported event lists"). main.cpp registers it with add_import_command().
#pragma once

#include <optional>
#include <ostream>
#include <string>

namespace CLI {
class App;
}

namespace pagesim {

struct ImportCommand {
    std::string trace; ///< tracefs trace / trace_pipe text or trace-cmd report; "-": stdin
    /// -o FILE: the scenario YAML; the events go beside it as <stem>.events. Default:
    /// <trace stem>.yaml in the current directory.
    std::string output;
    std::string machine; ///< --machine M: named in the YAML; its CONFIG_CMA numbers types
    std::optional<std::string> cmdline; ///< --cmdline: the capture's layout, in the YAML
    bool strict = false;                ///< --strict: the first malformed line is an error
};

/// Runs the import: the summary to `out`, warnings and errors to `err`
/// ("file:line: warning|error: ..."). Returns 0, 2 for bad input (unreadable trace, a
/// malformed line with --strict, unknown machine), 1 when an output cannot be written.
/// Both files are written atomically; on failure neither appears.
int import_command(const ImportCommand& cmd, std::ostream& out, std::ostream& err);

/// Registers `import ftrace` on the pagesim command line; the result goes to `exit_code`.
void add_import_command(CLI::App& app, int& exit_code);

} // namespace pagesim
