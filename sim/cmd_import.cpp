// SPDX-License-Identifier: GPL-2.0-only
// `pagesim import ftrace`: one streaming pass of TraceReplay into the event list's
// temporary file, then the YAML; both renamed into place only when everything succeeded.
#include "sim/cmd_import.h"

#include "sim/atomic_stream.h"
#include "workloads/config_node.h"
#include "workloads/machine_yaml.h"
#include "workloads/trace_import.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

namespace pagesim {

int import_command(const ImportCommand& cmd, std::ostream& out, std::ostream& err) {
    namespace fs = std::filesystem;
    const std::string source = cmd.trace == "-" ? std::string("<stdin>") : cmd.trace;
    TraceReplayOptions ro;
    ro.parse.strict = cmd.strict;
    // CPUs are kept as captured: a replay takes them modulo its machine's CPUs.
    ro.ncpus = 1u << 16;
    try {
        if (!cmd.machine.empty()) ro.parse.cma = load_machine(cmd.machine).kconfig.cma;
    } catch (const std::exception& e) {
        err << e.what() << "\n";
        return 2;
    }
    fs::path yaml = cmd.output;
    if (yaml.empty()) {
        std::string name =
            cmd.trace == "-" ? std::string("stdin") : fs::path(cmd.trace).stem().string();
        name += ".yaml";
        yaml = name;
    }
    fs::path events = yaml;
    events.replace_extension(".events");
    if (events == yaml) events += ".events";

    ImportSummary summary;
    try {
        std::unique_ptr<TraceReplay> replay =
            cmd.trace == "-" ? std::make_unique<TraceReplay>(std::cin, source, ro)
                             : std::make_unique<TraceReplay>(fs::path(cmd.trace), ro);
        std::unique_ptr<AtomicOutputFile> events_file;
        try {
            events_file = std::make_unique<AtomicOutputFile>(events);
        } catch (const std::exception& e) {
            err << "pagesim: error: " << e.what() << "\n";
            return 1;
        }
        {
            EventListWriter writer(events_file->stream());
            summary = import_ftrace(*replay, writer);
        }
        ImportYamlOptions yo;
        yo.name = fs::path(yaml).stem().string();
        yo.machine = cmd.machine;
        if (cmd.cmdline) yo.cmdline = *cmd.cmdline;
        yo.events_file = events.filename().string();
        AtomicOutputFile yaml_file(yaml);
        yaml_file.stream() << imported_workload_yaml(summary, yo);
        try {
            events_file->commit();
            yaml_file.commit();
        } catch (const std::exception& e) {
            err << "pagesim: error: " << e.what() << "\n";
            return 1;
        }
    } catch (const FtraceError& e) {
        err << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        err << "pagesim: error: " << e.what() << "\n";
        return 1;
    }
    const FtraceParseSummary& p = summary.parse;
    for (const std::string& w : parse_warnings(p, source, kLostFreesPreCapture)) err << w << '\n';
    const TraceReplayCounts& c = summary.counts;
    out << fmt::format("{}: {} requests ({} mm_page_alloc, {} failed; {} frees replayed of {} "
                       "mm_page_free, {} before the capture) -> {}, {}\n",
                       source, summary.events_written, c.allocs, c.failed_allocs,
                       summary.events_written - c.allocs, c.frees, c.pre_capture_frees,
                       yaml.string(), events.string());
    return 0;
}

void add_import_command(CLI::App& app, int& exit_code) {
    CLI::App* imp = app.add_subcommand("import", "Convert external workloads into pagesim's");
    imp->require_subcommand(1);
    auto cmd = std::make_shared<ImportCommand>();
    auto cmdline = std::make_shared<std::string>();
    CLI::App* sub =
        imp->add_subcommand("ftrace", "A kmem ftrace capture -> scenario YAML + event list");
    sub->add_option("trace", cmd->trace,
                    "tracefs trace / trace_pipe text or trace-cmd report; - for stdin")
        ->required();
    sub->add_option("-o,--output", cmd->output,
                    "scenario YAML to write (events go beside it as .events)");
    sub->add_option("--machine,-m", cmd->machine,
                    "machine (file or bundled name) named in the YAML");
    CLI::Option* co = sub->add_option("--cmdline,-c", *cmdline,
                                      "the capture's kernel command line (a layout in the YAML)");
    sub->add_flag("--strict", cmd->strict, "the first malformed line is an error");
    sub->callback([cmd, cmdline, co, &exit_code] {
        if (co->count()) cmd->cmdline = *cmdline;
        exit_code = import_command(*cmd, std::cout, std::cerr);
    });
}

} // namespace pagesim
