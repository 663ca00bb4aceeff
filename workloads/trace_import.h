// SPDX-License-Identifier: GPL-2.0-only
// `pagesim import ftrace` as a library: a kmem capture -> the compact event list (the same
// requests TraceReplay issues, so replaying the list equals replaying the capture) and the
// YAML header of a scenario that names it.
#pragma once

#include "workloads/event_list.h"
#include "workloads/trace_replay.h"

#include <cstdint>
#include <string>

namespace pagesim {

/// What an import read and wrote.
struct ImportSummary {
    std::string source;       ///< the trace, as named in messages
    TraceReplayCounts counts; ///< the capture's requests (replay-side counts stay 0)
    FtraceParseSummary parse; ///< lines, malformed lines, lost-event markers
    std::uint64_t events_written = 0;
    std::int64_t span_ns = 0; ///< time of the last event written
};

/// Drains `replay` into `out` (header comments first, then one line per request) and
/// flushes it. CPUs are written as captured unless the replay's options fold them.
/// Throws FtraceError (strict parsing) or std::runtime_error (the output failed).
ImportSummary import_ftrace(TraceReplay& replay, EventListWriter& out);

/// Options of the scenario header.
struct ImportYamlOptions {
    std::string name;        ///< scenario name
    std::string machine;     ///< machine name or path; empty: none (a comment says so)
    std::string cmdline;     ///< the capture's kernel command line: one layout "capture"
    std::string events_file; ///< the event list, relative to the YAML file's folder
};

/// The scenario YAML that references the event list: name, machine, layouts, duration
/// (the capture's span + 1 ms), `workload: {events_file: ...}`, and the capture's counts as
/// comments.
std::string imported_workload_yaml(const ImportSummary& summary, const ImportYamlOptions& options);

} // namespace pagesim
