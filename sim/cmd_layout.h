// SPDX-License-Identifier: GPL-2.0-only
// `pagesim layout --machine M [--cmdline "..."] [--format dmesg|zoneinfo|json|table]
// [--strict] [--verbose]`: boots a machine with a command line as far as the zone layout
// and prints it. main.cpp registers it with add_layout_command().
#pragma once

#include "allocator/layout.h"
#include "allocator/machine.h"

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace pagesim {

struct LayoutCommandOptions {
    std::string machine;                ///< path or bundled name
    std::optional<std::string> cmdline; ///< nullopt: the machine's default command line
    std::string format = "table";       ///< dmesg | zoneinfo | json | table
    bool strict = false;                ///< warnings are errors
    bool verbose = false;               ///< echo the fully defaulted machine (YAML) first
};

/// Runs the command: output to `out`, warnings and errors to `err`. Returns the exit code:
/// 0 success, 1 runtime failure (zoneinfo without the allocator core), 2 bad input (YAML
/// errors as "file:line:col: error: ...", command-line and layout errors as "error: ...").
int run_layout_command(const LayoutCommandOptions& options, std::ostream& out, std::ostream& err);

/// The per controller x zone table (what a platform engineer wants first).
std::string layout_table(const Machine& machine, const Layout& layout, const std::string& cmdline);

/// Everything about the layout as JSON text (pretty-printed).
std::string layout_json(const Machine& machine, const Layout& layout, const std::string& cmdline);

/// HOOK for the allocator core: renders /proc/zoneinfo of a freshly booted layout
/// (watermarks and protection need PageAllocator). Until it is set, --format zoneinfo
/// fails with exit code 1.
void set_zoneinfo_renderer(std::function<std::string(const Machine&, const Layout&)> renderer);

/// Adds the `layout` subcommand to `app`; after app.parse(), if the subcommand ran,
/// `exit_code` holds its result.
void add_layout_command(CLI::App& app, int& exit_code);

} // namespace pagesim
