// SPDX-License-Identifier: GPL-2.0-only
// FtraceLineParser, line half: one line of trace text -> LineKind, its prefix -> the
// TraceEvent's context; ftrace_parse_payload.cpp reads the fields. Hand-written
// string_view scanning with std::from_chars: no regex, no allocation on the success path,
// every index checked against the view's size.
//
// Line prefix grammar (kernel 6.1 trace_print_context(), trace-cmd report, latency form):
//   COMM '-' PID ' '+ ['(' TGID ')' ' '+] ('[' CPU ']' | CPU) [' '*FLAGS] ' '+ TS ':'
// COMM may contain spaces and dashes: every '-' near the start is tried until the rest of
// the prefix parses. TS is "secs.usecs" (trace), "secs.nsecs" or a raw counter.
#include "workloads/ftrace_parse.h"
#include "workloads/ftrace_scan.h"

#include <charconv>
#include <cstring>
#include <limits>

namespace pagesim {

using namespace ftrace_scan;

namespace {

constexpr std::size_t kMaxCommScan = 256;   ///< how far into a line a TASK-PID dash may be
constexpr std::size_t kMaxPrefixToken = 40; ///< longest flags or timestamp token

/// The result of the line prefix.
struct Prefix {
    std::string_view comm;
    std::int32_t pid = 0;
    std::int32_t tgid = kTgidAbsent;
    std::uint16_t cpu = 0;
    bool has_irq = false;
    IrqInfo irq;
    std::int64_t ts_ns = 0;
};

bool parse_irq_flags(std::string_view f, IrqInfo& irq) {
    // 6.1 prints 5 columns; kernels before 5.14 and some tools print 4 (no migrate-disable).
    if (f.size() != 4 && f.size() != 5) return false;
    auto letter = [](char c) {
        return c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    };
    auto depth = [](char c, std::uint8_t& d) {
        if (c == '.') {
            d = 0;
            return true;
        }
        if (!is_hex(c)) return false;
        d = static_cast<std::uint8_t>(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
        return d != 0;
    };
    if (!letter(f[0]) || !letter(f[1]) || !letter(f[2])) return false;
    irq.irqs_off = f[0];
    irq.need_resched = f[1];
    irq.hardsoft_irq = f[2];
    if (!depth(f[3], irq.preempt_depth)) return false;
    irq.migrate_disable = 0;
    return f.size() == 4 || depth(f[4], irq.migrate_disable);
}

/// "secs.frac" (1..9 fraction digits) or a raw integer, without the ':'.
bool parse_timestamp(std::string_view t, std::int64_t& ns) {
    constexpr std::uint64_t kNsPerSec = 1000000000;
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::size_t i = 0;
    std::uint64_t secs = 0;
    if (!read_uint(t, i, 20, secs)) return false;
    if (i == t.size()) {
        if (secs > kMax) return false;
        ns = static_cast<std::int64_t>(secs);
        return true;
    }
    if (t[i] != '.') return false;
    const std::size_t frac_begin = ++i;
    std::uint64_t frac = 0;
    if (!read_uint(t, i, 9, frac) || i != t.size()) return false;
    for (std::size_t d = i - frac_begin; d < 9; ++d) frac *= 10;
    if (secs > (kMax - frac) / kNsPerSec) return false;
    ns = static_cast<std::int64_t>(secs * kNsPerSec + frac);
    return true;
}

/// Everything after COMM '-': returns the index just past the timestamp's ':'.
bool parse_after_dash(std::string_view s, std::size_t i, Prefix& px, std::size_t& end,
                      const char*& err) {
    std::uint64_t v = 0;
    if (!read_uint(s, i, 10, v) || v > static_cast<std::uint64_t>(INT32_MAX)) {
        err = "expected a pid after 'TASK-'";
        return false;
    }
    px.pid = static_cast<std::int32_t>(v);
    if (i >= s.size() || !is_space(s[i])) {
        err = "expected a space after the pid";
        return false;
    }
    i = skip_spaces(s, i);
    px.tgid = kTgidAbsent;
    if (i < s.size() && s[i] == '(') {
        // record-tgid: "(%7d) ", or "(-------) " when the tgid is unknown.
        i = skip_spaces(s, i + 1);
        if (s.substr(i, 7) == "-------") {
            px.tgid = kTgidUnknown;
            i += 7;
        } else if (read_uint(s, i, 10, v) && v <= static_cast<std::uint64_t>(INT32_MAX)) {
            px.tgid = static_cast<std::int32_t>(v);
        } else {
            err = "bad tgid column";
            return false;
        }
        if (i >= s.size() || s[i] != ')') {
            err = "bad tgid column";
            return false;
        }
        i = skip_spaces(s, i + 1);
    }
    const bool bracket = i < s.size() && s[i] == '[';
    if (bracket) ++i;
    if (!read_uint(s, i, 5, v) || v > 0xffff) {
        err = "expected the CPU number ('[001]')";
        return false;
    }
    px.cpu = static_cast<std::uint16_t>(v);
    if (bracket) {
        if (i >= s.size() || s[i] != ']') {
            err = "expected ']' after the CPU number";
            return false;
        }
        ++i;
    }
    // trace-cmd's latency form glues the flags to the CPU ("  0d..3."); otherwise spaces.
    const bool glued = !bracket && i < s.size() && !is_space(s[i]);
    if (!glued) {
        if (i >= s.size() || !is_space(s[i])) {
            err = "expected a space after the CPU column";
            return false;
        }
        i = skip_spaces(s, i);
    }
    // Flags and timestamp are short tokens; the cap keeps a failed candidate cheap.
    auto token_end = [&](std::size_t from) {
        const std::size_t cap = from + kMaxPrefixToken;
        while (from < s.size() && from < cap && !is_space(s[from])) ++from;
        return from;
    };
    std::size_t te = token_end(i);
    px.has_irq = false;
    if (te == i) {
        err = "expected a timestamp";
        return false;
    }
    if (s[te - 1] != ':') {
        if (!parse_irq_flags(s.substr(i, te - i), px.irq)) {
            err = "bad irq-info flags column";
            return false;
        }
        px.has_irq = true;
        i = skip_spaces(s, te);
        te = token_end(i);
        if (te == i || s[te - 1] != ':') {
            err = "expected 'TIMESTAMP:' after the flags";
            return false;
        }
    }
    if (!parse_timestamp(s.substr(i, te - 1 - i), px.ts_ns)) {
        err = "bad timestamp";
        return false;
    }
    end = te;
    return true;
}

bool parse_prefix(std::string_view s, Prefix& px, std::size_t& end, const char*& err) {
    const std::size_t begin = skip_spaces(s, 0);
    const std::size_t limit = std::min(s.size(), begin + kMaxCommScan);
    err = nullptr;
    for (std::size_t d = begin + 1; d < limit; ++d) {
        if (s[d] != '-') continue;
        const char* cand_err = nullptr;
        if (parse_after_dash(s, d + 1, px, end, cand_err)) {
            px.comm = s.substr(begin, d - begin);
            return true;
        }
        if (!err) err = cand_err;
    }
    if (!err) err = "expected 'TASK-PID' at the start of the line";
    return false;
}

/// "[LOST 12 EVENTS]", "[LOST EVENTS]", "[12 EVENTS DROPPED]", "[EVENTS DROPPED]".
bool parse_lost_bracket(std::string_view b, LineParse& out) {
    std::size_t i = 0;
    std::uint64_t n = 0;
    out.lost = 0;
    out.lost_counted = false;
    if (b.substr(0, 5) == "LOST ") {
        i = 5;
        if (read_uint(b, i, 20, n)) {
            if (i >= b.size() || b[i] != ' ') return false;
            ++i;
            out.lost = n;
            out.lost_counted = true;
        }
        return b.substr(i) == "EVENTS";
    }
    if (read_uint(b, i, 20, n)) {
        if (i >= b.size() || b[i] != ' ') return false;
        ++i;
        out.lost = n;
        out.lost_counted = true;
    }
    return b.substr(i) == "EVENTS DROPPED";
}

/// Lost-event markers and trace-cmd's own lines. `s` is trimmed and non-empty.
LineKind classify_marker(std::string_view s, LineParse& out) {
    std::size_t i = 0;
    std::uint64_t n = 0;
    if (s.substr(0, 4) == "CPU:") {
        i = 4;
        if (!read_uint(s, i, 10, n)) return LineKind::Malformed;
        i = skip_spaces(s, i);
    } else if (s.substr(0, 5) == "cpus=") {
        i = 5;
        return read_uint(s, i, 10, n) && i == s.size() ? LineKind::Header : LineKind::Malformed;
    } else if (s.substr(0, 10) == "version = ") {
        i = 10;
        return read_uint(s, i, 10, n) && i == s.size() ? LineKind::Header : LineKind::Malformed;
    } else if (s.substr(0, 4) == "CPU ") {
        i = 4;
        return read_uint(s, i, 10, n) && s.substr(i) == " is empty" ? LineKind::Header
                                                                    : LineKind::Malformed;
    }
    if (i >= s.size() || s[i] != '[' || s.back() != ']') return LineKind::Malformed;
    const std::string_view inner = s.substr(i + 1, s.size() - i - 2);
    if (inner == "SUBBUFFER START") return LineKind::Header;
    return parse_lost_bracket(inner, out) ? LineKind::Lost : LineKind::Malformed;
}

/// Which of the six events a name is (switch on the length first: all six differ).
bool event_type_from_name(std::string_view n, TraceEventType& t) {
    switch (n.size()) {
    case 13:
        t = TraceEventType::PageAlloc;
        break;
    case 12:
        t = TraceEventType::PageFree;
        break;
    case 20:
        t = TraceEventType::PageFreeBatched;
        break;
    case 25:
        t = TraceEventType::PageAllocZoneLocked;
        break;
    case 18:
        t = TraceEventType::PagePcpuDrain;
        break;
    case 21:
        t = TraceEventType::PageAllocExtfrag;
        break;
    default:
        return false;
    }
    return n == trace_event_name(t);
}

} // namespace

std::string quote_for_message(std::string_view text, std::size_t max) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < max; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
    if (text.size() > max) out += "...";
    out += '\'';
    return out;
}

FtraceLineParser::FtraceLineParser(bool cma) : cma_(cma) {}

LineKind FtraceLineParser::parse(std::string_view line, LineParse& out) {
    out.error.clear();
    out.other_name = {};
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || is_space(line.back())))
        line.remove_suffix(1);
    const std::size_t b = skip_spaces(line, 0);
    if (b == line.size()) return out.kind = LineKind::Blank;
    if (line[b] == '#') return out.kind = LineKind::Comment;
    const std::string_view t = line.substr(b);
    if (t[0] == '[' || t.substr(0, 3) == "CPU" || t.substr(0, 5) == "cpus=" ||
        t.substr(0, 10) == "version = ") {
        const LineKind k = classify_marker(t, out);
        if (k != LineKind::Malformed) return out.kind = k;
        // Not a marker after all (a task may be called "CPU"): try an event line.
    }
    Prefix px;
    std::size_t i = 0;
    const char* err = nullptr;
    if (!parse_prefix(line, px, i, err)) {
        out.error = err;
        return out.kind = LineKind::Malformed;
    }
    if (px.comm.find('\0') != std::string_view::npos) {
        out.error = "NUL byte in the task name";
        return out.kind = LineKind::Malformed;
    }
    i = skip_spaces(line, i);
    if (line.substr(i, 2) == "(+") { // trace-cmd report --ts-diff
        while (i < line.size() && !is_space(line[i])) ++i;
        i = skip_spaces(line, i);
    }
    const std::size_t name_begin = i;
    while (i < line.size() && is_name_char(line[i])) ++i;
    if (i == name_begin || i >= line.size() || line[i] != ':') {
        return out.kind = LineKind::OtherEvent; // e.g. function tracer "func <-parent"
    }
    const std::string_view name = line.substr(name_begin, i - name_begin);
    TraceEventType type{};
    if (!event_type_from_name(name, type)) {
        out.other_name = name;
        return out.kind = LineKind::OtherEvent;
    }
    TraceEvent& ev = out.event;
    ev = TraceEvent{};
    ev.type = type;
    ev.ts_ns = px.ts_ns;
    ev.pid = px.pid;
    ev.tgid = px.tgid;
    ev.cpu = px.cpu;
    ev.has_irq_info = px.has_irq;
    if (px.has_irq) ev.irq = px.irq;
    ev.comm = TaskComm::from(px.comm);
    if (!parse_payload(line.substr(i + 1), out)) return out.kind = LineKind::Malformed;
    return out.kind = LineKind::Event;
}

} // namespace pagesim
