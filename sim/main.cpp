// SPDX-License-Identifier: GPL-2.0-only
// The pagesim command line: layout | run | compare | trace-stats | import ftrace | sweep.
// Exit codes: 0 success, 1 runtime failure, 2 bad input.
#include "allocator/page_allocator.h"
#include "allocator/proc_fs.h"
#include "sim/cmd_compare.h"
#include "sim/cmd_import.h"
#include "sim/cmd_layout.h"
#include "sim/cmd_run.h"
#include "sim/cmd_sweep.h"
#include "sim/cmd_trace_stats.h"
#include "workloads/config_node.h"
#include "workloads/machine_yaml.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace {

void add_trace_stats_command(CLI::App& app, int& exit_code) {
    auto cmd = std::make_shared<pagesim::TraceStatsCommand>();
    auto machine = std::make_shared<std::string>();
    auto cmdline = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand("trace-stats", "What an ftrace kmem capture contains");
    sub->add_option("trace", cmd->trace,
                    "tracefs trace / trace_pipe text or trace-cmd report; - for stdin")
        ->required();
    sub->add_option("--machine,-m", *machine,
                    "machine (file or bundled name): zones and controllers");
    sub->add_option("--cmdline,-c", *cmdline, "the traced kernel's command line (with --machine)");
    sub->add_option("--json", cmd->json, "write JSON here (- for stdout)");
    sub->add_option("--plots", cmd->plots, "write PNG plots into this directory");
    sub->add_flag("--strict", cmd->strict, "the first malformed line is an error");
    sub->callback([cmd, machine, cmdline, &exit_code] {
        std::unique_ptr<pagesim::Layout> layout;
        try {
            if (!machine->empty())
                layout = std::make_unique<pagesim::Layout>(
                    pagesim::boot_layout(pagesim::load_machine(*machine), *cmdline, false));
        } catch (const std::exception& e) {
            std::cerr << e.what() << "\n";
            exit_code = 2;
            return;
        }
        exit_code = pagesim::cmd_trace_stats(*cmd, layout.get(), std::cout, std::cerr);
    });
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"pagesim: a discrete-event simulator of the Linux 6.1 page allocator, for\n"
                 "choosing where ZONE_MOVABLE lives on machines with several memory controllers"};
    app.set_version_flag("--version", "pagesim 0.1.0");
    app.require_subcommand(1);
    int exit_code = 0;
    // `pagesim layout --format zoneinfo` boots the allocator on the layout.
    pagesim::set_zoneinfo_renderer([](const pagesim::Machine&, const pagesim::Layout& layout) {
        pagesim::AllocatorOptions o;
        o.debug_checks = false;
        const pagesim::PageAllocator pa(layout, o);
        return pagesim::format_zoneinfo(pa);
    });
    pagesim::add_layout_command(app, exit_code);
    pagesim::add_run_command(app, exit_code);
    pagesim::add_compare_command(app, exit_code);
    add_trace_stats_command(app, exit_code);
    pagesim::add_import_command(app, exit_code);
    pagesim::add_sweep_command(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    return exit_code;
}
