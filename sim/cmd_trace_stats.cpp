// SPDX-License-Identifier: GPL-2.0-only
// cmd_trace_stats: read the trace once (workloads/trace_stats.h), render, write the JSON
// atomically, and hand it to the plot script in a child process (no shell involved).
#include "sim/cmd_trace_stats.h"

#include "sim/atomic_file.h"
#include "sim/scripts.h"
#include "sim/trace_stats_report.h"
#include "workloads/trace_stats.h"

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace pagesim {

namespace {

std::filesystem::path default_plot_script() {
    return script_path("plot_trace_stats.py");
}

} // namespace

int cmd_trace_stats(const TraceStatsCommand& cmd, const Layout* layout, std::ostream& out,
                    std::ostream& err) {
    const std::string source = cmd.trace == "-" ? std::string("<stdin>") : cmd.trace.string();
    FtraceParseOptions popt;
    popt.strict = cmd.strict;
    popt.cma = cmd.cma.value_or(layout ? layout->kconfig.cma : false);
    TraceStatsOptions sopt;
    sopt.layout = layout;
    sopt.rate_interval_ns = cmd.rate_interval_ns;

    TraceStats stats;
    try {
        if (cmd.trace == "-") {
            stats = trace_stats_from_stream(std::cin, source, popt, sopt);
        } else {
            stats = trace_stats_from_file(cmd.trace, popt, sopt);
        }
    } catch (const FtraceError& e) {
        err << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        err << source << ": error: " << e.what() << '\n';
        return 2;
    }
    const FtraceParseSummary& p = stats.parse;
    for (const std::string& w : parse_warnings(p, source, "lifetimes and counts are incomplete"))
        err << w << '\n';

    try {
        const nlohmann::ordered_json json = trace_stats_to_json(stats, source);
        const std::string json_text = json.dump(2) + "\n";
        if (cmd.json == "-") {
            out << json_text;
        } else {
            out << render_trace_stats_table(stats, source);
        }
        std::filesystem::path json_path = cmd.json;
        if (!cmd.json.empty() && cmd.json != "-") write_file_atomic(cmd.json, json_text);
        if (cmd.plots.empty()) return 0;
        if (json_path.empty() || json_path == "-") {
            json_path = cmd.plots / "trace_stats.json";
            write_file_atomic(json_path, json_text);
        }
        std::filesystem::create_directories(cmd.plots);
        const std::string python = python_interpreter();
        const std::filesystem::path script =
            cmd.plot_script.empty() ? default_plot_script() : cmd.plot_script;
        std::string why;
        const int rc =
            run_process({python, script.string(), json_path.string(), cmd.plots.string()}, why);
        if (rc != 0) {
            err << script.string() << ": error: plotting failed ("
                << (rc < 0 ? fmt::format("cannot run {}: {}", python, why)
                           : fmt::format("exit status {}", rc))
                << ")\n";
            return 1;
        }
    } catch (const std::exception& e) {
        err << "error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

} // namespace pagesim
