// SPDX-License-Identifier: GPL-2.0-only
// Streaming reader of kernel trace text: tracefs `trace` / `trace_pipe` and `trace-cmd
// report` output -> TraceEvents. FtraceLineParser classifies one line; FtraceReader pulls
// events from a stream or file with bounded memory and keeps the FtraceParseSummary.
#pragma once

#include "workloads/ftrace_event.h"
#include "workloads/line_reader.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pagesim {

/// What a line of trace text is.
enum class LineKind : std::uint8_t {
    Blank,      ///< empty or whitespace only
    Comment,    ///< starts with '#': the tracefs header block
    Header,     ///< trace-cmd report's own lines: "cpus=2", "version = 6", "CPU 1 is empty"
    Lost,       ///< "CPU:1 [LOST 12 EVENTS]", "[LOST EVENTS]", trace-cmd "[12 EVENTS DROPPED]"
    Event,      ///< one of the six kmem page events
    OtherEvent, ///< a well-formed line of any other event (counted, ignored)
    Malformed,  ///< anything else
};

/// The result of classifying one line.
struct LineParse {
    LineKind kind = LineKind::Blank;
    TraceEvent event;            ///< Event
    std::string_view other_name; ///< OtherEvent: its name, a view into the line ("" if none)
    std::uint64_t lost = 0;      ///< Lost: the count the marker gives
    bool lost_counted = false;   ///< Lost: whether the marker gave a count
    std::string error;           ///< Malformed: why (one line, printable)
};

/// Classifies single lines. Keeps a small cache of gfp_flags strings so the common case
/// does not walk the show_gfp_flags table. Never reads outside the given view.
class FtraceLineParser {
public:
    /// `cma`: the traced kernel had CONFIG_CMA (6 migrate types, ISOLATE = 5).
    explicit FtraceLineParser(bool cma = false);

    /// Classifies `line` (without its '\n'; a trailing '\r' and whitespace are ignored).
    /// `out.event` is complete only when the result is LineKind::Event.
    LineKind parse(std::string_view line, LineParse& out);

private:
    struct GfpCacheEntry {
        std::uint64_t hash = 0;
        std::string text;
        GfpFlags flags = 0;
    };
    bool parse_gfp(std::string_view text, GfpFlags& out);
    bool parse_payload(std::string_view payload, LineParse& out);

    bool cma_;
    std::array<GfpCacheEntry, 64> gfp_cache_;
};

/// Options of FtraceReader.
struct FtraceParseOptions {
    /// The first malformed line is an FtraceError ("file:line: error: ...").
    bool strict = false;
    /// The traced kernel had CONFIG_CMA (migrate types numbered with CMA = 4).
    bool cma = false;
    /// How many malformed lines keep their line number and message.
    std::size_t max_reported = 10;
    /// Longest line kept; a longer kmem event line is malformed, a longer comment or
    /// other event is still classified from its start.
    std::size_t max_line = LineReader::kDefaultMaxLine;
    /// Bytes per read from the stream (tests use tiny values to cross every boundary).
    std::size_t read_chunk = LineReader::kDefaultChunk;
};

/// A malformed line: its number and what was wrong.
struct MalformedLine {
    std::uint64_t line = 0;
    std::string message;
    bool operator==(const MalformedLine&) const = default;
};

/// Facts from the tracefs header block ("# tracer: nop", "# entries-in-buffer/...").
struct FtraceHeader {
    std::string tracer;
    std::optional<std::uint64_t> entries_in_buffer;
    std::optional<std::uint64_t> entries_written;
    std::optional<unsigned> nr_cpus; ///< "#P:2"
};

/// What a reader saw, line by line. Memory is bounded: other event names are kept up to
/// kMaxOtherNames (the rest add to "(more)"), malformed lines up to max_reported.
struct FtraceParseSummary {
    static constexpr std::size_t kMaxOtherNames = 64;

    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    std::uint64_t blank = 0;
    std::uint64_t comments = 0;
    std::uint64_t header_lines = 0;
    std::array<std::uint64_t, kTraceEventTypes> events{};
    std::uint64_t other_events = 0;
    std::map<std::string, std::uint64_t, std::less<>> other_event_names;
    std::uint64_t lost_markers = 0;
    std::uint64_t lost_events = 0;            ///< sum of the counts markers gave
    std::uint64_t lost_markers_uncounted = 0; ///< markers without a count
    std::uint64_t malformed = 0;
    std::vector<MalformedLine> first_malformed; ///< the first max_reported
    bool unterminated_last_line = false;
    FtraceHeader header;
    std::int64_t first_ts_ns = 0; ///< of the first kmem event (0 if none)
    std::int64_t last_ts_ns = 0;  ///< of the last kmem event

    std::uint64_t kmem_events() const;
};

/// Pulls kmem page events out of trace text, one line at a time.
class FtraceReader {
public:
    /// Reads `in` (which must outlive the reader). `source` names it in messages.
    FtraceReader(std::istream& in, std::string source, FtraceParseOptions options = {});
    /// Opens and reads `path`. Throws FtraceError if it cannot be opened.
    explicit FtraceReader(const std::filesystem::path& path, FtraceParseOptions options = {});
    ~FtraceReader();
    FtraceReader(const FtraceReader&) = delete;
    FtraceReader& operator=(const FtraceReader&) = delete;

    /// The next kmem event, or false at the end of the input. With options.strict, the
    /// first malformed line throws FtraceError "source:line: error: message".
    bool next(TraceEvent& out);

    const FtraceParseSummary& summary() const { return summary_; }
    const std::string& source() const { return source_; }
    /// Line number of the event last returned.
    std::uint64_t line_number() const { return line_number_; }

private:
    void note_malformed(std::uint64_t line, std::string message);
    void note_comment(std::string_view line);

    std::unique_ptr<std::istream> owned_;
    std::string source_;
    FtraceParseOptions options_;
    LineReader lines_;
    FtraceLineParser parser_;
    LineParse parse_;
    FtraceParseSummary summary_;
    std::uint64_t line_number_ = 0;
};

/// Reads a whole trace, calling `sink` for each kmem event; returns the summary.
FtraceParseSummary read_ftrace(std::istream& in, const std::string& source,
                               const FtraceParseOptions& options,
                               const std::function<void(const TraceEvent&)>& sink);
FtraceParseSummary read_ftrace_file(const std::filesystem::path& path,
                                    const FtraceParseOptions& options,
                                    const std::function<void(const TraceEvent&)>& sink);

/// What a reader saw that a user should hear of, one "SOURCE[:LINE]: warning: ..." line
/// each: the reported malformed lines, how many more there were, and the lost-events
/// markers, followed by `lost_consequence` (what the loss means for the caller's output).
std::vector<std::string> parse_warnings(const FtraceParseSummary& p, std::string_view source,
                                        std::string_view lost_consequence);

/// Quotes untrusted text for a message: non-printable bytes as \xNN, cut after `max` bytes.
std::string quote_for_message(std::string_view text, std::size_t max = 40);

} // namespace pagesim
