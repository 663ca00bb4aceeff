// SPDX-License-Identifier: GPL-2.0-only
// FtraceReader: LineReader + FtraceLineParser + the running FtraceParseSummary.
#include "workloads/ftrace_parse.h"

#include <charconv>
#include <fstream>

namespace pagesim {

namespace {

std::unique_ptr<std::istream> open_trace(const std::filesystem::path& path) {
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*in) throw FtraceError(path.string() + ": error: cannot open the trace file");
    return in;
}

bool read_number(std::string_view s, std::size_t& i, std::uint64_t& v) {
    const auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v, 10);
    if (ec != std::errc{}) return false;
    i = static_cast<std::size_t>(p - s.data());
    return true;
}

} // namespace

std::uint64_t FtraceParseSummary::kmem_events() const {
    std::uint64_t n = 0;
    for (std::uint64_t c : events) n += c;
    return n;
}

FtraceReader::FtraceReader(std::istream& in, std::string source, FtraceParseOptions options)
    : source_(std::move(source)), options_(options),
      lines_(in, options.read_chunk, options.max_line), parser_(options.cma) {}

FtraceReader::FtraceReader(const std::filesystem::path& path, FtraceParseOptions options)
    : owned_(open_trace(path)), source_(path.string()), options_(options),
      lines_(*owned_, options.read_chunk, options.max_line), parser_(options.cma) {}

FtraceReader::~FtraceReader() = default;

void FtraceReader::note_malformed(std::uint64_t line, std::string message) {
    if (options_.strict)
        throw FtraceError(source_ + ":" + std::to_string(line) + ": error: " + message);
    ++summary_.malformed;
    if (summary_.first_malformed.size() < options_.max_reported)
        summary_.first_malformed.push_back({line, std::move(message)});
}

// "# tracer: nop" and "# entries-in-buffer/entries-written: 38045/38045   #P:2"
// (print_event_info() in kernel/trace/trace.c).
void FtraceReader::note_comment(std::string_view line) {
    constexpr std::string_view kTracer = "# tracer: ";
    constexpr std::string_view kEntries = "# entries-in-buffer/entries-written: ";
    const std::size_t b = line.find('#');
    if (b == std::string_view::npos) return;
    line.remove_prefix(b);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.substr(0, kTracer.size()) == kTracer) {
        summary_.header.tracer = std::string(line.substr(kTracer.size(), 64));
        return;
    }
    if (line.substr(0, kEntries.size()) != kEntries) return;
    std::size_t i = kEntries.size();
    std::uint64_t in_buffer = 0;
    std::uint64_t written = 0;
    std::uint64_t cpus = 0;
    if (!read_number(line, i, in_buffer) || i >= line.size() || line[i] != '/') return;
    ++i;
    if (!read_number(line, i, written)) return;
    summary_.header.entries_in_buffer = in_buffer;
    summary_.header.entries_written = written;
    const std::size_t p = line.find("#P:", i);
    if (p == std::string_view::npos) return;
    i = p + 3;
    if (read_number(line, i, cpus) && cpus <= 1u << 20)
        summary_.header.nr_cpus = static_cast<unsigned>(cpus);
}

bool FtraceReader::next(TraceEvent& out) {
    TextLine line;
    for (;;) {
        bool more = false;
        try {
            more = lines_.next(line);
        } catch (const std::runtime_error& e) {
            throw FtraceError(source_ + ": error: " + e.what());
        }
        if (!more) break;
        ++summary_.lines;
        summary_.bytes = lines_.bytes_read();
        LineKind kind = parser_.parse(line.text, parse_);
        if (line.unterminated) summary_.unterminated_last_line = true;
        // A kmem event cut short (end of input, or beyond max_line) may read as a valid
        // but wrong event ("GFP_KERNEL" from "GFP_KERNEL_ACCOUNT"): never trust it.
        if (line.too_long && kind != LineKind::Comment && kind != LineKind::OtherEvent) {
            note_malformed(line.number,
                           "line longer than " + std::to_string(options_.max_line) + " bytes");
            continue;
        }
        if (line.unterminated && kind != LineKind::Blank && kind != LineKind::Comment) {
            note_malformed(line.number, "incomplete last line (the input ends without a newline)");
            continue;
        }
        switch (kind) {
        case LineKind::Blank:
            ++summary_.blank;
            break;
        case LineKind::Comment:
            ++summary_.comments;
            note_comment(line.text);
            break;
        case LineKind::Header:
            ++summary_.header_lines;
            break;
        case LineKind::Lost:
            ++summary_.lost_markers;
            if (parse_.lost_counted) {
                summary_.lost_events += parse_.lost;
            } else {
                ++summary_.lost_markers_uncounted;
            }
            break;
        case LineKind::OtherEvent: {
            ++summary_.other_events;
            const std::string_view name =
                parse_.other_name.empty() ? "(unnamed)" : parse_.other_name;
            auto it = summary_.other_event_names.find(name);
            if (it != summary_.other_event_names.end()) {
                ++it->second;
            } else if (summary_.other_event_names.size() < FtraceParseSummary::kMaxOtherNames) {
                summary_.other_event_names.emplace(std::string(name), 1);
            } else {
                ++summary_.other_event_names["(more)"];
            }
            break;
        }
        case LineKind::Malformed:
            note_malformed(line.number, std::move(parse_.error));
            break;
        case LineKind::Event:
            ++summary_.events[static_cast<std::size_t>(parse_.event.type)];
            if (summary_.kmem_events() == 1) summary_.first_ts_ns = parse_.event.ts_ns;
            summary_.last_ts_ns = parse_.event.ts_ns;
            line_number_ = line.number;
            out = parse_.event;
            return true;
        }
    }
    summary_.bytes = lines_.bytes_read();
    return false;
}

FtraceParseSummary read_ftrace(std::istream& in, const std::string& source,
                               const FtraceParseOptions& options,
                               const std::function<void(const TraceEvent&)>& sink) {
    FtraceReader reader(in, source, options);
    TraceEvent ev;
    while (reader.next(ev)) sink(ev);
    return reader.summary();
}

FtraceParseSummary read_ftrace_file(const std::filesystem::path& path,
                                    const FtraceParseOptions& options,
                                    const std::function<void(const TraceEvent&)>& sink) {
    FtraceReader reader(path, options);
    TraceEvent ev;
    while (reader.next(ev)) sink(ev);
    return reader.summary();
}

std::vector<std::string> parse_warnings(const FtraceParseSummary& p, std::string_view source,
                                        std::string_view lost_consequence) {
    std::vector<std::string> w;
    const std::string src(source);
    for (const MalformedLine& m : p.first_malformed)
        w.push_back(src + ':' + std::to_string(m.line) + ": warning: " + m.message);
    if (p.malformed > p.first_malformed.size())
        w.push_back(src + ": warning: " + std::to_string(p.malformed - p.first_malformed.size()) +
                    " more malformed lines");
    if (p.lost_markers) {
        w.push_back(src + ": warning: the capture lost events (" + std::to_string(p.lost_markers) +
                    " markers); " + std::string(lost_consequence));
    }
    return w;
}

} // namespace pagesim
