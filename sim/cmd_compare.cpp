// SPDX-License-Identifier: GPL-2.0-only
// `pagesim compare`: run the scenario on each layout, N seeds each, print the table, write
// JSON/CSV and plots.
#include "sim/cmd_compare.h"
#include "sim/cli_errors.h"

#include "allocator/cmdline.h"
#include "allocator/layout.h"
#include "sim/compare.h"
#include "sim/compare_report.h"
#include "sim/progress.h"
#include "sim/set_options.h"
#include "workloads/scenario_yaml.h"
#include "workloads/units.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace pagesim {

int compare_command(const CompareCommand& cmd, std::ostream& out, std::ostream& err) {
    try {
        const Scenario sc = load_scenario(cmd.scenario, parse_set_options(cmd.set));
        if (cmd.format != "table" && cmd.format != "json")
            throw std::invalid_argument("--format: expected table or json, got '" + cmd.format +
                                        "'");
        if (cmd.seeds == 0) throw std::invalid_argument("--seeds must be at least 1");
        CompareOptions opts;
        opts.layouts = cmd.layouts;
        opts.seeds = cmd.seeds;
        opts.jobs = cmd.jobs;
        opts.strict = cmd.strict;
        if (!cmd.until.empty()) {
            std::string why;
            const auto until = parse_duration(cmd.until, &why);
            if (!until) throw std::invalid_argument("--until: " + why);
            opts.until_ns = *until;
        }
        ProgressBar bar("compare " + sc.name);
        opts.progress = [&bar](double f) { bar.update(f); };
        const CompareResult r = run_compare(sc, opts);
        bar.finish();
        for (const std::string& w : r.warnings) err << "pagesim: warning: " << w << "\n";
        if (cmd.format == "json")
            out << compare_json(r).dump(2) << "\n";
        else
            out << compare_table(r);
        if (!cmd.out.empty()) {
            write_compare_outputs(cmd.out, r);
            if (cmd.plots) {
                std::string why;
                if (plot_compare(cmd.out, why) != 0) {
                    err << "pagesim: error: plots: " << why << "\n";
                    return 1;
                }
            }
            if (cmd.format == "table")
                out << "\nwrote " << cmd.out << "/{summary.txt,compare.json,compare.csv,series.csv"
                    << (cmd.plots ? ",*.png}" : "}") << "\n";
        }
        return 0;
    } catch (...) {
        return report_command_error(err);
    }
}

void add_compare_command(CLI::App& app, int& exit_code) {
    auto cmd = std::make_shared<CompareCommand>();
    auto no_plots = std::make_shared<bool>(false);
    CLI::App* sub =
        app.add_subcommand("compare", "Run a scenario on several layouts and compare them");
    sub->add_option("scenario", cmd->scenario, "scenario file (YAML) or bundled scenario name")
        ->required();
    sub->add_option("--layout,-l", cmd->layouts,
                    "layout to include (repeatable; default: all, first = baseline)");
    sub->add_option("--seeds", cmd->seeds, "seeds per layout (same seeds for every layout)")
        ->capture_default_str();
    sub->add_option("--jobs,-j", cmd->jobs, "parallel runs (default: hardware threads)");
    sub->add_option("--out,-o", cmd->out,
                    "write compare.json, compare.csv, series.csv and plots here");
    sub->add_option("--until", cmd->until, "stop each run at this simulated time");
    sub->add_option("--set", cmd->set, "NAME=VALUE: set a scenario parameter (repeatable)");
    sub->add_option("--format,-f", cmd->format, "table | json")->capture_default_str();
    sub->add_flag("--no-plots", *no_plots, "do not draw the PNG plots");
    sub->add_flag("--strict", cmd->strict, "treat layout warnings as errors");
    sub->callback([cmd, no_plots, &exit_code] {
        cmd->plots = !*no_plots;
        exit_code = compare_command(*cmd, std::cout, std::cerr);
    });
}

} // namespace pagesim
