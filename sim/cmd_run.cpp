// SPDX-License-Identifier: GPL-2.0-only
// `pagesim run`: load the scenario, boot the chosen layout, run, report.
#include "sim/cmd_run.h"
#include "sim/cli_errors.h"
#include "sim/set_options.h"

#include "allocator/cmdline.h"
#include "sim/atomic_file.h"
#include "sim/ftrace_export.h"
#include "sim/metrics.h"
#include "sim/progress.h"
#include "sim/replay_report.h"
#include "sim/run_report.h"
#include "sim/simulator.h"
#include "workloads/event_list.h"
#include "workloads/machine_yaml.h"
#include "workloads/scenario_yaml.h"
#include "workloads/trace_replay.h"
#include "workloads/units.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

namespace pagesim {

NamedLayout pick_layout(const Scenario& sc, const std::string& name,
                        const std::optional<std::string>& cmdline) {
    if (cmdline) return {name.empty() ? "cmdline" : name, *cmdline};
    if (sc.layouts.empty()) {
        if (!name.empty())
            throw std::invalid_argument("scenario '" + sc.name +
                                        "' defines no layouts, so --layout '" + name +
                                        "' does not exist");
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

Scenario trace_scenario(const Machine& machine, const std::string& trace) {
    if (trace == "-") {
        throw std::invalid_argument("--trace -: a trace-only run reads the capture's span from the "
                                    "end of the file; give a file (or a scenario with a duration)");
    }
    Scenario sc;
    std::string stem = std::filesystem::path(trace).stem().string();
    sc.name = "trace:";
    sc.name += stem;
    sc.source = trace;
    sc.machine = machine;
    if (!machine.default_cmdline.empty())
        sc.layouts.push_back({"machine", machine.default_cmdline});
    const auto span = ftrace_time_span(trace, machine.kconfig.cma);
    // +1 ms: the last captured event runs before the run stops.
    sc.duration_ns = (span ? span->second - span->first : 0) + 1'000'000;
    sc.workload.trace_file = trace;
    return sc;
}

bool is_result_file(const std::string& out) {
    return out.size() > 5 && out.compare(out.size() - 5, 5, ".json") == 0;
}

namespace {

// The one-file result of a sweep job: what --format json prints, the inputs that tell the
// job apart from its neighbours (so a result explains itself without the manifest), and
// compare's named metrics (what `sweep collect` tabulates), in the order compare lists them.
nlohmann::json result_file_json(const nlohmann::json& summary, const Simulator& sim,
                                const NamedLayout& nl, const ParamOverrides& set,
                                const RunCommand& cmd) {
    using nlohmann::json;
    json j = summary;
    json overrides = json::array();
    for (const auto& [k, v] : set) overrides.push_back({k, v});
    j["inputs"] = {{"scenario", sim.scenario().name},
                   {"scenario_file", sim.scenario().source},
                   {"layout", nl.name},
                   {"cmdline", nl.cmdline},
                   {"seed", sim.scenario().seed},
                   {"overrides", overrides},
                   {"until", cmd.until}};
    json metrics = json::array();
    for (const Metric& m : compute_metrics(sim).scalars)
        metrics.push_back(
            {{"name", m.name}, {"unit", m.unit}, {"value", m.value}, {"better", m.better}});
    j["metrics"] = metrics;
    return j;
}

} // namespace

int run_command(const RunCommand& cmd, std::ostream& out, std::ostream& err) {
    try {
        const ParamOverrides set = parse_set_options(cmd.set);
        Scenario sc;
        if (!cmd.scenario.empty()) {
            if (!cmd.machine.empty()) {
                throw std::invalid_argument(
                    "--machine: a scenario names its machine; --machine is "
                    "for a trace-only run (pagesim run --trace T --machine M)");
            }
            sc = load_scenario(cmd.scenario, set);
            if (!cmd.trace.empty()) {
                if (cmd.trace == "-") throw std::invalid_argument("--trace -: replay needs a file");
                sc.workload.trace_file = cmd.trace;
            }
        } else if (cmd.trace.empty() || cmd.machine.empty()) {
            throw std::invalid_argument("give a scenario file, or --trace TRACE with --machine M");
        } else {
            if (!set.empty()) throw std::invalid_argument("--set needs a scenario");
            sc = trace_scenario(load_machine(cmd.machine), cmd.trace);
        }
        if (cmd.seed) sc.seed = *cmd.seed;
        SimOptions opts;
        opts.trace_strict = cmd.strict;
        if (!cmd.until.empty()) {
            std::string why;
            const auto until = parse_duration(cmd.until, &why);
            if (!until) throw std::invalid_argument("--until: " + why);
            opts.until_ns = *until;
        }
        if (cmd.format != "table" && cmd.format != "json")
            throw std::invalid_argument("--format: expected table or json, got '" + cmd.format +
                                        "'");
        const bool single_file = is_result_file(cmd.out);
        if (single_file && std::filesystem::is_directory(cmd.out))
            throw std::invalid_argument("--out " + cmd.out + ": ends in .json but is a directory");
        const NamedLayout nl = pick_layout(sc, cmd.layout, cmd.cmdline);
        const Layout layout = boot_layout(sc.machine, nl.cmdline, cmd.strict);
        for (const std::string& w : layout.warnings) err << "pagesim: warning: " << w << "\n";
        if (cmd.verbose) out << to_yaml(scenario_to_config(sc)) << "---\n";
        opts.pcp = !cmd.no_pcp;
        // The capture's own layout: where its pfns were, for its placement column.
        std::unique_ptr<Layout> capture_layout;
        const std::string capture_cmdline =
            cmd.capture_cmdline.value_or(sc.machine.default_cmdline);
        if (!sc.workload.trace_file.empty() && capture_cmdline != nl.cmdline) {
            capture_layout =
                std::make_unique<Layout>(boot_layout(sc.machine, capture_cmdline, cmd.strict));
            opts.capture_layout = capture_layout.get();
        }
        std::unique_ptr<FtraceExporter> exporter;
        if (!cmd.ftrace_out.empty()) {
            FtraceExportOptions eo;
            eo.cma = layout.kconfig.cma;
            exporter = std::make_unique<FtraceExporter>(cmd.ftrace_out, layout.ncpus, eo);
            opts.tracer = exporter.get();
        }
        ProgressBar bar("run " + sc.name + "/" + nl.name);
        opts.progress = [&bar](double f) { bar.update(f); };
        Simulator sim(sc, layout, opts);
        if (exporter) exporter->attach(sim);
        sim.run();
        bar.finish();
        if (exporter) exporter->commit();
        for (const std::string& w : replay_warnings(sim)) err << w << "\n";
        nlohmann::json summary = run_summary_json(sim);
        if (sim.trace_replay()) {
            summary["trace_replay"] = replay_comparison_json(sim);
            summary["trace_replay"]["capture_cmdline"] = capture_cmdline;
        }
        if (single_file) {
            write_file_atomic(cmd.out, result_file_json(summary, sim, nl, set, cmd).dump(2) + "\n");
        } else if (!cmd.out.empty()) {
            write_run_outputs(cmd.out, sim);
            if (sim.trace_replay()) {
                write_file_atomic(std::filesystem::path(cmd.out) / "trace_replay.json",
                                  replay_comparison_json(sim).dump(2) + "\n");
            }
        }
        if (cmd.format == "json") {
            out << summary.dump(2) << "\n";
        } else {
            out << "layout " << nl.name << ": "
                << (nl.cmdline.empty() ? "(no parameters)" : nl.cmdline) << "\n"
                << run_summary_table(sim);
            if (sim.trace_replay()) {
                out << replay_comparison_table(sim)
                    << "  (capture column: the capture's pfns on its "
                    << "own layout, "
                    << (capture_cmdline.empty() ? "no parameters" : capture_cmdline) << ")\n";
            }
        }
        return 0;
    } catch (...) {
        return report_command_error(err);
    }
}

void add_run_command(CLI::App& app, int& exit_code) {
    auto cmd = std::make_shared<RunCommand>();
    auto cmdline = std::make_shared<std::string>();
    auto seed = std::make_shared<std::uint64_t>(0);
    CLI::App* sub = app.add_subcommand("run", "Run a scenario on one layout");
    sub->add_option(
        "scenario", cmd->scenario,
        "scenario file (YAML) or bundled scenario name; omit with --trace and --machine");
    CLI::Option* lo = sub->add_option("--layout,-l", cmd->layout, "layout name from the scenario");
    CLI::Option* co =
        sub->add_option("--cmdline,-c", *cmdline, "kernel command line instead of a named layout");
    lo->excludes(co);
    CLI::Option* so = sub->add_option("--seed,-s", *seed, "seed (default: the scenario's)");
    sub->add_option("--until", cmd->until, "stop at this simulated time (e.g. 2s)");
    sub->add_option("--set", cmd->set, "NAME=VALUE: set a scenario parameter (repeatable)")
        ->allow_extra_args(false);
    sub->add_option("--out,-o", cmd->out,
                    "DIR: write summary.json, timeseries.csv and /proc files there; FILE.json: "
                    "write only the summary, inputs and metrics to that file (a sweep's result)");
    sub->add_option("--format,-f", cmd->format, "table | json")->capture_default_str();
    sub->add_flag("--verbose,-v", cmd->verbose, "echo the fully defaulted scenario as YAML first");
    sub->add_flag("--strict", cmd->strict,
                  "treat layout warnings and malformed trace lines as errors");
    sub->add_flag("--no-pcp", cmd->no_pcp, "disable the per-CPU page lists");
    sub->add_option(
        "--trace", cmd->trace,
        "replay an ftrace kmem capture (with the scenario's workload, or alone with --machine)");
    sub->add_option("--machine,-m", cmd->machine,
                    "machine (file or bundled name) of a trace-only run");
    sub->add_option("--ftrace-out", cmd->ftrace_out, "write the run's kmem events as ftrace text");
    auto capture_cmdline = std::make_shared<std::string>();
    CLI::Option* cco = sub->add_option("--capture-cmdline", *capture_cmdline,
                                       "kernel command line the trace was captured with "
                                       "(default: the machine's)");
    sub->callback([cmd, cmdline, seed, co, so, capture_cmdline, cco, &exit_code] {
        if (co->count()) cmd->cmdline = *cmdline;
        if (cco->count()) cmd->capture_cmdline = *capture_cmdline;
        if (so->count()) cmd->seed = *seed;
        exit_code = run_command(*cmd, std::cout, std::cerr);
    });
}

} // namespace pagesim
