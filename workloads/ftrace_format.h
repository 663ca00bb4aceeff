// SPDX-License-Identifier: GPL-2.0-only
// TraceEvents -> the text of tracefs `trace` (Linux 6.1): the "# tracer: nop" header block
// and one line per event, byte for byte as the kernel prints them (spec §8.5, erratum E5),
// so that FtraceReader and the kernel's own tools read pagesim's exports.
#pragma once

#include "workloads/ftrace_event.h"

#include <cstdint>
#include <ostream>
#include <span>
#include <string>

namespace pagesim {

struct FtraceWriteOptions {
    /// The kernel pagesim impersonates had CONFIG_CMA (migratetype numbering, E3).
    bool cma = false;
    /// Print "secs.nanoseconds" instead of the kernel's "secs.microseconds" (which rounds
    /// to the nearest microsecond like ns2usecs()); FtraceReader reads both.
    bool ns_timestamps = false;
};

/// The numbers and variant of the header block.
struct FtraceHeaderInfo {
    std::uint64_t entries_in_buffer = 0;
    std::uint64_t entries_written = 0;
    unsigned nr_cpus = 1;
    bool tgid = false; ///< the record-tgid variant of the column legend
};

/// Appends the header block of print_func_help_header_irq() (irq-info on, 6.1 strings).
void format_ftrace_header(const FtraceHeaderInfo& header, std::string& out);

/// Appends one event line, '\n' included. page= prints "(____ptrval____)", or 16 zeros for
/// a failed mm_page_alloc (E5). An extfrag event whose pageblock_order is unknown (read from
/// a trace that did not print it) prints neither pageblock_order= nor fragmenting=. Throws
/// std::invalid_argument for a negative timestamp or a migrate type the configured kernel cannot
/// print (MIGRATE_CMA without CMA).
void format_ftrace_event(const TraceEvent& ev, const FtraceWriteOptions& options, std::string& out);

/// A whole `trace` file: header (entries = events.size(), tgid legend if any event has a
/// tgid) and every event.
std::string format_ftrace(std::span<const TraceEvent> events, unsigned nr_cpus,
                          const FtraceWriteOptions& options = {});

/// Streams events to an ostream through a buffer. For a file written whole or not at all,
/// format into a string and use write_file_atomic() (sim/atomic_file.h).
class FtraceWriter {
public:
    explicit FtraceWriter(std::ostream& out, FtraceWriteOptions options = {});
    ~FtraceWriter();
    FtraceWriter(const FtraceWriter&) = delete;
    FtraceWriter& operator=(const FtraceWriter&) = delete;

    void write_header(const FtraceHeaderInfo& header);
    void write(const TraceEvent& ev);
    /// Hands buffered text to the stream; throws std::runtime_error if the stream failed.
    void flush();
    std::uint64_t events_written() const { return events_; }

private:
    std::ostream& out_;
    FtraceWriteOptions options_;
    std::string buf_;
    std::uint64_t events_ = 0;
};

} // namespace pagesim
