// SPDX-License-Identifier: GPL-2.0-only
// `pagesim trace-stats TRACE [--machine M.yaml] [--json FILE] [--plots DIR] [--strict]`:
// what a kernel kmem trace contains, as tables, JSON and plots. main.cpp parses the
// options (CLI11), loads the machine's Layout if given, and calls cmd_trace_stats().
#pragma once

#include "allocator/layout.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>

namespace pagesim {

struct TraceStatsCommand {
    /// TRACE: tracefs `trace` / `trace_pipe` text or `trace-cmd report` output; "-" reads
    /// standard input (e.g. a pipe from trace_pipe).
    std::filesystem::path trace;
    std::filesystem::path json;  ///< --json FILE; "-" writes JSON to `out` instead of tables
    std::filesystem::path plots; ///< --plots DIR: PNGs by scripts/plot_trace_stats.py
    bool strict = false;         ///< --strict: the first malformed line is an error
    /// The traced kernel had CONFIG_CMA; unset: the layout's kconfig.cma, else false.
    std::optional<bool> cma;
    std::int64_t rate_interval_ns = 0; ///< 0: automatic (1 ms, widened for long captures)
    /// The plot script; empty: $PAGESIM_SCRIPTS_DIR/plot_trace_stats.py, else the source
    /// tree's scripts/. The interpreter is $PAGESIM_PYTHON, else /usr/bin/python3.
    std::filesystem::path plot_script;
};

/// Runs the command: tables to `out` (unless JSON goes there), warnings and errors to `err`
/// as "file:line: warning|error: ...". Returns 0 on success, 2 for bad input (unreadable
/// trace; a malformed line with --strict), 1 when an output cannot be written or the plot
/// script fails. `layout` (may be null) maps pfns to zones and controllers.
int cmd_trace_stats(const TraceStatsCommand& cmd, const Layout* layout, std::ostream& out,
                    std::ostream& err);

} // namespace pagesim
