// SPDX-License-Identifier: GPL-2.0-only
// Properties the ftrace reader must keep on arbitrary bytes, shared by the libFuzzer target
// (tests/fuzz/fuzz_ftrace.cpp) and the seeded Catch2 test that runs in every CI build:
// no crash or exception, consistent counts, sane events, parse(write(e)) == e.
#pragma once

#include "workloads/ftrace_format.h"
#include "workloads/ftrace_parse.h"

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace pagesim::fuzz {

/// Checks one event the parser accepted; returns what is wrong ("" if nothing).
inline std::string check_event(const TraceEvent& e) {
    if (e.order > kMaxTraceOrder) return "order out of range";
    if (e.pfn > kMaxTracePfn && !e.failed()) return "pfn out of range";
    if (e.migratetype >= kMigrateTypes || e.fallback_migratetype >= kMigrateTypes)
        return "bad migratetype";
    if (e.migratetype == MIGRATE_CMA || e.fallback_migratetype == MIGRATE_CMA)
        return "CMA from a kernel without CMA";
    if (e.ts_ns < 0) return "negative timestamp";
    if (e.comm.view().empty() || e.comm.view().size() > 15) return "bad task name";
    if (static_cast<std::size_t>(e.type) >= kTraceEventTypes) return "bad type";
    // Written back (losslessly, with nanosecond timestamps) it parses to the same event.
    FtraceWriteOptions wopt;
    wopt.ns_timestamps = true;
    std::string line;
    format_ftrace_event(e, wopt, line);
    line.pop_back();
    FtraceLineParser p;
    LineParse lp;
    if (p.parse(line, lp) != LineKind::Event) return "written event does not parse: " + line;
    if (!(lp.event == e)) return "written event parses differently: " + line;
    return {};
}

/// Reads `input` with the given read size; appends the events; returns the summary.
inline FtraceParseSummary read_all(std::string_view input, std::size_t chunk,
                                   std::vector<TraceEvent>& events) {
    std::istringstream in{std::string(input)};
    FtraceParseOptions opt;
    opt.read_chunk = chunk;
    opt.max_line = 4096;
    return read_ftrace(in, "fuzz", opt, [&](const TraceEvent& e) { events.push_back(e); });
}

/// All properties on one input; returns the first violation ("" if none).
inline std::string check_ftrace_properties(std::string_view input) {
    std::vector<TraceEvent> events;
    FtraceParseSummary s;
    try {
        s = read_all(input, 1u << 16, events);
    } catch (const std::exception& e) {
        return std::string("exception: ") + e.what();
    }
    const std::uint64_t classified = s.blank + s.comments + s.header_lines + s.lost_markers +
                                     s.kmem_events() + s.other_events + s.malformed;
    if (classified != s.lines) return "line kinds do not add up to the lines";
    if (s.kmem_events() != events.size()) return "event count differs from events returned";
    if (s.bytes != input.size()) return "not every byte was read";
    for (const TraceEvent& e : events)
        if (std::string why = check_event(e); !why.empty()) return why;

    // Read sizes never change the result.
    std::vector<TraceEvent> small;
    const FtraceParseSummary s3 = read_all(input, 3, small);
    if (!(small == events) || s3.malformed != s.malformed || s3.lines != s.lines ||
        s3.first_malformed != s.first_malformed)
        return "result depends on the read size";

    // Strict mode stops at the first malformed line, naming it.
    std::istringstream in{std::string(input)};
    FtraceParseOptions strict;
    strict.strict = true;
    strict.max_line = 4096;
    try {
        std::size_t n = 0;
        read_ftrace(in, "fuzz", strict, [&](const TraceEvent&) { ++n; });
        if (s.malformed != 0) return "strict mode accepted a malformed line";
        if (n != events.size()) return "strict mode returned other events";
    } catch (const FtraceError& e) {
        if (s.malformed == 0) return "strict mode failed on a good input";
        const std::string want = "fuzz:" + std::to_string(s.first_malformed.front().line) +
                                 ": error: " + s.first_malformed.front().message;
        if (e.what() != want) return std::string("strict error differs: ") + e.what();
    }
    return {};
}

} // namespace pagesim::fuzz
