// SPDX-License-Identifier: GPL-2.0-only
// `pagesim run`: load the scenario, boot the chosen layout, run, report.
#include "sim/cmd_run.h"

#include "allocator/cmdline.h"
#include "sim/progress.h"
#include "sim/run_report.h"
#include "sim/simulator.h"
#include "workloads/scenario_yaml.h"
#include "workloads/units.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace pagesim {

NamedLayout pick_layout(const Scenario& sc, const std::string& name,
                        const std::optional<std::string>& cmdline) {
    if (cmdline) return {name.empty() ? "cmdline" : name, *cmdline};
    if (sc.layouts.empty()) {
        if (!name.empty())
            throw std::invalid_argument("scenario '" + sc.name + "' defines no layouts, so --layout '" +
                                        name + "' does not exist");
        return {"default", ""};
    }
    if (name.empty()) return sc.layouts.front();
    std::string known;
    for (const NamedLayout& l : sc.layouts) {
        if (l.name == name) return l;
        known += (known.empty() ? "" : ", ") + l.name;
    }
    throw std::invalid_argument("--layout '" + name + "': scenario '" + sc.name +
                                "' has no such layout (it has: " + known + ")");
}

Layout boot_layout(const Machine& machine, const std::string& cmdline, bool strict) {
    LayoutOptions o;
    o.strict = strict;
    return compute_layout(machine, parse_cmdline(cmdline), o);
}

int run_command(const RunCommand& cmd, std::ostream& out, std::ostream& err) {
    try {
        ParamOverrides set;
        for (const std::string& kv : cmd.set) {
            const std::size_t eq = kv.find('=');
            if (eq == std::string::npos || eq == 0)
                throw std::invalid_argument("--set: expected NAME=VALUE, got '" + kv + "'");
            set.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        }
        Scenario sc = load_scenario(cmd.scenario, set);
        if (cmd.seed) sc.seed = *cmd.seed;
        if (!cmd.trace.empty()) sc.workload.trace_file = cmd.trace;
        SimOptions opts;
        if (!cmd.until.empty()) {
            std::string why;
            const auto until = parse_duration(cmd.until, &why);
            if (!until) throw std::invalid_argument("--until: " + why);
            opts.until_ns = *until;
        }
        if (cmd.format != "table" && cmd.format != "json")
            throw std::invalid_argument("--format: expected table or json, got '" + cmd.format + "'");
        const NamedLayout nl = pick_layout(sc, cmd.layout, cmd.cmdline);
        const Layout layout = boot_layout(sc.machine, nl.cmdline, cmd.strict);
        for (const std::string& w : layout.warnings) err << "pagesim: warning: " << w << "\n";
        if (cmd.verbose) out << to_yaml(scenario_to_config(sc)) << "---\n";
        opts.pcp = !cmd.no_pcp;
        ProgressBar bar("run " + sc.name + "/" + nl.name);
        opts.progress = [&bar](double f) { bar.update(f); };
        Simulator sim(sc, layout, opts);
        sim.run();
        bar.finish();
        if (!cmd.out.empty()) write_run_outputs(cmd.out, sim);
        if (cmd.format == "json")
            out << run_summary_json(sim).dump(2) << "\n";
        else
            out << "layout " << nl.name << ": " << (nl.cmdline.empty() ? "(no parameters)" : nl.cmdline)
                << "\n" << run_summary_table(sim);
        return 0;
    } catch (const ConfigError& e) {
        err << e.what() << "\n";
        return 2;
    } catch (const CmdlineError& e) {
        err << "pagesim: error: " << e.what() << "\n";
        return 2;
    } catch (const LayoutError& e) {
        err << "pagesim: error: " << e.what() << "\n";
        return 2;
    } catch (const std::invalid_argument& e) {
        err << "pagesim: error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        err << "pagesim: " << e.what() << "\n";
        return 1;
    }
}

void add_run_command(CLI::App& app, int& exit_code) {
    auto cmd = std::make_shared<RunCommand>();
    auto cmdline = std::make_shared<std::string>();
    auto seed = std::make_shared<std::uint64_t>(0);
    CLI::App* sub = app.add_subcommand("run", "Run a scenario on one layout");
    sub->add_option("scenario", cmd->scenario, "scenario file (YAML) or bundled scenario name")
        ->required();
    CLI::Option* lo = sub->add_option("--layout,-l", cmd->layout, "layout name from the scenario");
    CLI::Option* co = sub->add_option("--cmdline,-c", *cmdline, "kernel command line instead of a named layout");
    lo->excludes(co);
    CLI::Option* so = sub->add_option("--seed,-s", *seed, "seed (default: the scenario's)");
    sub->add_option("--until", cmd->until, "stop at this simulated time (e.g. 2s)");
    sub->add_option("--set", cmd->set, "NAME=VALUE: set a scenario parameter (repeatable)")
        ->allow_extra_args(false);
    sub->add_option("--out,-o", cmd->out, "write summary.json, timeseries.csv and /proc files here");
    sub->add_option("--format,-f", cmd->format, "table | json")->capture_default_str();
    sub->add_flag("--verbose,-v", cmd->verbose, "echo the fully defaulted scenario as YAML first");
    sub->add_flag("--strict", cmd->strict, "treat layout warnings as errors");
    sub->add_flag("--no-pcp", cmd->no_pcp, "disable the per-CPU page lists");
    sub->add_option("--trace", cmd->trace, "replay an ftrace kmem capture as the workload");
    sub->add_option("--ftrace-out", cmd->ftrace_out, "write the run's kmem events as ftrace text");
    sub->callback([cmd, cmdline, seed, co, so, &exit_code] {
        if (co->count()) cmd->cmdline = *cmdline;
        if (so->count()) cmd->seed = *seed;
        exit_code = run_command(*cmd, std::cout, std::cerr);
    });
}

} // namespace pagesim
