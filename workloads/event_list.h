// SPDX-License-Identifier: GPL-2.0-only
// The compact explicit-event form ("pagesim-events v1") that `pagesim import ftrace`
// writes: one request a line, `time_ns op id order gfp cpu`. EventListWriter writes it,
// EventListReader reads and checks it with bounded memory, EventListGenerator replays a
// file as a Generator stream. The format is documented in workloads/README.md.
#pragma once

#include "workloads/explicit_events.h"
#include "workloads/ftrace_event.h"
#include "workloads/generators.h"
#include "workloads/line_reader.h"

#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pagesim {

/// The first line of every event list (its format and version).
inline constexpr std::string_view kEventListMagic = "# pagesim-events v1";

/// A malformed event list: "file:line: error: message".
class EventListError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Writes the compact form: the magic line, `# ` comment lines, then one line per event:
/// `<time_ns> alloc|free <id> <order> <gfp as 0x hex> <cpu>` (a free's gfp is 0).
class EventListWriter {
public:
    explicit EventListWriter(std::ostream& out);
    ~EventListWriter();
    EventListWriter(const EventListWriter&) = delete;
    EventListWriter& operator=(const EventListWriter&) = delete;

    /// The magic line and one "# " line per entry of `comments`. Call once, first.
    void write_header(const std::vector<std::string>& comments);
    /// More "# " comment lines (allowed anywhere after the magic line).
    void write_comments(const std::vector<std::string>& comments);
    void write(const GenEvent& ev);
    /// Hands buffered text to the stream; throws std::runtime_error if the stream failed.
    void flush();
    std::uint64_t events_written() const { return events_; }

private:
    std::ostream& out_;
    std::string buf_;
    std::uint64_t events_ = 0;
};

/// Reads an event list one event at a time. Checks every line: the magic first line; six
/// fields; op alloc|free; order <= kMaxTraceOrder (a machine's MAX_ORDER applies when it
/// runs); gfp as hex or flag names
/// (GFP_KERNEL|__GFP_ZERO); times that never decrease; no alloc of a live id, no free of
/// an id that is not live or with another order. Memory: the live ids only.
class EventListReader {
public:
    /// Throws EventListError if the file cannot be opened.
    explicit EventListReader(const std::filesystem::path& path);
    /// Reads `in` (which must outlive the reader); `source` names it in messages.
    EventListReader(std::istream& in, std::string source);
    ~EventListReader();
    EventListReader(const EventListReader&) = delete;
    EventListReader& operator=(const EventListReader&) = delete;

    /// The next event, false at the end. Throws EventListError "source:line: error: ...".
    bool next(ExplicitEvent& out);
    const std::string& source() const { return source_; }
    std::uint64_t events_read() const { return events_; }

private:
    [[noreturn]] void fail(std::uint64_t line, const std::string& message) const;

    std::unique_ptr<std::istream> owned_;
    std::string source_;
    LineReader lines_;
    EventLineParser parser_;
    EventListChecker checker_{EventLimits{kMaxTraceOrder + 1}};
    std::uint64_t events_ = 0;
    bool seen_magic_ = false;
};

/// Reads a whole event list into memory (Workload::events). Throws EventListError.
std::vector<ExplicitEvent> read_event_list(const std::filesystem::path& path);

/// Replays an event list file as a stream (memory bounded by the live ids): ids are mapped
/// to small reused ones, CPUs taken modulo `ncpus`, times shifted by `start_ns`.
class EventListGenerator : public Generator {
public:
    EventListGenerator(const std::filesystem::path& path, unsigned ncpus,
                       std::int64_t start_ns = 0);
    bool next(GenEvent& out) override;

private:
    EventListReader reader_;
    unsigned ncpus_;
    std::int64_t start_ns_;
    std::unordered_map<std::uint64_t, std::uint32_t> ids_;
    std::vector<std::uint32_t> free_ids_;
    std::uint32_t next_id_ = 0;
};

} // namespace pagesim
