// SPDX-License-Identifier: GPL-2.0-only
// FtraceLineParser: one line of trace text -> LineKind (+ TraceEvent). Hand-written
// string_view scanning with std::from_chars: no regex, no allocation on the success path,
// every index checked against the view's size.
//
// Line prefix grammar (kernel 6.1 trace_print_context(), trace-cmd report, latency form):
//   COMM '-' PID ' '+ ['(' TGID ')' ' '+] ('[' CPU ']' | CPU) [' '*FLAGS] ' '+ TS ':'
// COMM may contain spaces and dashes: every '-' near the start is tried until the rest of
// the prefix parses. TS is "secs.usecs" (trace), "secs.nsecs" or a raw counter.
#include "workloads/ftrace_parse.h"

#include <charconv>
#include <cstring>
#include <limits>

namespace pagesim {

namespace {

constexpr std::size_t kMaxCommScan = 256; ///< how far into a line a TASK-PID dash may be
constexpr std::size_t kMaxCachedGfp = 256;
constexpr std::size_t kMaxPrefixToken = 40; ///< longest flags or timestamp token

constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_space(char c) {
    return c == ' ' || c == '\t';
}
constexpr bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_name_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

std::size_t skip_spaces(std::string_view s, std::size_t i) {
    while (i < s.size() && is_space(s[i])) ++i;
    return i;
}

/// Unsigned decimal digits at s[i..] (at most `max_digits`); advances i.
bool read_uint(std::string_view s, std::size_t& i, std::size_t max_digits, std::uint64_t& v) {
    std::size_t j = i;
    while (j < s.size() && is_digit(s[j]) && j - i <= max_digits) ++j;
    if (j == i || j - i > max_digits) return false;
    const auto [p, ec] = std::from_chars(s.data() + i, s.data() + j, v, 10);
    if (ec != std::errc{} || p != s.data() + j) return false;
    i = j;
    return true;
}

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

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
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

bool FtraceLineParser::parse_gfp(std::string_view text, GfpFlags& out) {
    if (text.size() > kMaxCachedGfp) {
        const auto g = gfp_parse(text);
        if (g) out = *g;
        return g.has_value();
    }
    const std::uint64_t h = fnv1a(text);
    GfpCacheEntry& e = gfp_cache_[h % gfp_cache_.size()];
    if (e.hash == h && e.text == text) {
        out = e.flags;
        return true;
    }
    const auto g = gfp_parse(text);
    if (!g) return false;
    e.hash = h;
    e.text.assign(text);
    e.flags = *g;
    out = *g;
    return true;
}

namespace {

enum PayloadKey : unsigned {
    kKeyPage,
    kKeyPfn,
    kKeyOrder,
    kKeyMigratetype,
    kKeyGfp,
    kKeyPercpuRefill,
    kKeyAllocOrder,
    kKeyFallbackOrder,
    kKeyPageblockOrder,
    kKeyAllocMt,
    kKeyFallbackMt,
    kKeyFragmenting,
    kKeyChangeOwnership,
    kNumKeys,
};
constexpr std::array<std::string_view, kNumKeys> kKeyNames{"page",
                                                           "pfn",
                                                           "order",
                                                           "migratetype",
                                                           "gfp_flags",
                                                           "percpu_refill",
                                                           "alloc_order",
                                                           "fallback_order",
                                                           "pageblock_order",
                                                           "alloc_migratetype",
                                                           "fallback_migratetype",
                                                           "fragmenting",
                                                           "change_ownership"};

constexpr unsigned bit(PayloadKey k) {
    return 1u << k;
}

/// Fields each event prints (include/trace/events/kmem.h, 6.1), and those it must have.
constexpr std::array<unsigned, kTraceEventTypes> kAllowed{
    bit(kKeyPage) | bit(kKeyPfn) | bit(kKeyOrder) | bit(kKeyMigratetype) | bit(kKeyGfp),
    bit(kKeyPage) | bit(kKeyPfn) | bit(kKeyOrder),
    bit(kKeyPage) | bit(kKeyPfn) | bit(kKeyOrder),
    bit(kKeyPage) | bit(kKeyPfn) | bit(kKeyOrder) | bit(kKeyMigratetype) | bit(kKeyPercpuRefill),
    bit(kKeyPage) | bit(kKeyPfn) | bit(kKeyOrder) | bit(kKeyMigratetype),
    bit(kKeyPage) | bit(kKeyPfn) | bit(kKeyAllocOrder) | bit(kKeyFallbackOrder) |
        bit(kKeyPageblockOrder) | bit(kKeyAllocMt) | bit(kKeyFallbackMt) | bit(kKeyFragmenting) |
        bit(kKeyChangeOwnership),
};
constexpr unsigned kOptional = bit(kKeyPage) | bit(kKeyPageblockOrder) | bit(kKeyFragmenting);

int key_index(std::string_view key) {
    for (unsigned k = 0; k < kNumKeys; ++k)
        if (kKeyNames[k] == key) return static_cast<int>(k);
    return -1;
}

bool parse_int(std::string_view v, long long& out) {
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out, 10);
    return ec == std::errc{} && p == v.data() + v.size() && !v.empty();
}

/// "0x1a2b" (6.1) or decimal (older kernels, trace-cmd raw fields).
bool parse_pfn(std::string_view v, std::uint64_t& out, std::string& err) {
    std::string_view digits = v;
    int base = 10;
    if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        digits = v.substr(2);
        base = 16;
    }
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out, base);
    if (ec == std::errc::result_out_of_range) {
        err = "pfn " + quote_for_message(v) + " does not fit in 64 bits";
        return false;
    }
    if (ec != std::errc{} || p != digits.data() + digits.size()) {
        err = "bad pfn " + quote_for_message(v);
        return false;
    }
    return true;
}

bool is_null_page(std::string_view v) {
    if (v == "(null)" || v == "(nil)" || v == "0x0") return true;
    if (v.empty()) return false;
    for (char c : v)
        if (c != '0') return false;
    return true;
}

} // namespace

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

bool FtraceLineParser::parse_payload(std::string_view p, LineParse& out) {
    TraceEvent& ev = out.event;
    const auto type_idx = static_cast<std::size_t>(ev.type);
    const unsigned allowed = kAllowed[type_idx];
    unsigned seen = 0;
    bool page_null = false;
    std::uint64_t pfn = 0;
    long long fragmenting = -1;
    std::size_t i = skip_spaces(p, 0);
    constexpr std::string_view kFailedToParse = "[FAILED TO PARSE]"; // libtraceevent raw form
    if (p.substr(i, kFailedToParse.size()) == kFailedToParse) i += kFailedToParse.size();

    auto bad_value = [&](unsigned k, std::string_view v, std::string_view why) {
        out.error =
            std::string("bad '") + std::string(kKeyNames[k]) + "=' value " + quote_for_message(v);
        if (!why.empty()) out.error.append(": ").append(why);
        return false;
    };
    auto order_value = [&](unsigned k, std::string_view v, std::uint8_t& dst) {
        long long x = 0;
        if (!parse_int(v, x)) return bad_value(k, v, "");
        if (x < 0 || x > static_cast<long long>(kMaxTraceOrder))
            return bad_value(k, v, "orders are 0.." + std::to_string(kMaxTraceOrder));
        dst = static_cast<std::uint8_t>(x);
        return true;
    };
    auto mt_value = [&](unsigned k, std::string_view v, MigrateType& dst) {
        long long x = 0;
        if (!parse_int(v, x)) return bad_value(k, v, "");
        if (!migratetype_from_trace(x, cma_, dst))
            return bad_value(k, v,
                             cma_ ? "migrate types are 0..5 with CONFIG_CMA"
                                  : "migrate types are 0..4 without CONFIG_CMA");
        return true;
    };
    auto bool_value = [&](unsigned k, std::string_view v, long long& dst) {
        if (v != "0" && v != "1") return bad_value(k, v, "expected 0 or 1");
        dst = v[0] - '0';
        return true;
    };

    while (true) {
        i = skip_spaces(p, i);
        if (i >= p.size()) break;
        std::size_t j = i;
        while (j < p.size() && !is_space(p[j])) ++j;
        const std::string_view tok = p.substr(i, j - i);
        i = j;
        const std::size_t eq = tok.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            out.error = "expected 'field=value' in the payload, got " + quote_for_message(tok);
            return false;
        }
        const int ki = key_index(tok.substr(0, eq));
        if (ki < 0 || !(allowed & (1u << ki))) continue; // fields of other kernels: ignored
        const auto k = static_cast<unsigned>(ki);
        const std::string_view v = tok.substr(eq + 1);
        if (seen & (1u << k)) {
            out.error = std::string("duplicate '") + std::string(kKeyNames[k]) + "=' field";
            return false;
        }
        seen |= 1u << k;
        long long flag = 0;
        switch (k) {
        case kKeyPage:
            page_null = is_null_page(v);
            break;
        case kKeyPfn:
            if (!parse_pfn(v, pfn, out.error)) return false;
            break;
        case kKeyOrder:
        case kKeyAllocOrder:
            if (!order_value(k, v, ev.order)) return false;
            break;
        case kKeyFallbackOrder:
            if (!order_value(k, v, ev.fallback_order)) return false;
            break;
        case kKeyPageblockOrder:
            if (!order_value(k, v, ev.pageblock_order)) return false;
            break;
        case kKeyMigratetype:
        case kKeyAllocMt:
            if (!mt_value(k, v, ev.migratetype)) return false;
            break;
        case kKeyFallbackMt:
            if (!mt_value(k, v, ev.fallback_migratetype)) return false;
            break;
        case kKeyGfp:
            if (!parse_gfp(v, ev.gfp)) {
                std::string tok_bad;
                gfp_parse(v, &tok_bad);
                return bad_value(k, v, "unknown flag " + quote_for_message(tok_bad));
            }
            break;
        case kKeyPercpuRefill:
            if (!bool_value(k, v, flag)) return false;
            ev.percpu_refill = flag != 0;
            break;
        case kKeyChangeOwnership:
            if (!bool_value(k, v, flag)) return false;
            ev.change_ownership = flag != 0;
            break;
        case kKeyFragmenting:
            if (!bool_value(k, v, fragmenting)) return false;
            break;
        default:
            break;
        }
    }

    const unsigned required =
        allowed & ~kOptional & (ev.type == TraceEventType::PageFreeBatched ? ~bit(kKeyOrder) : ~0u);
    if (const unsigned missing = required & ~seen) {
        for (unsigned k = 0; k < kNumKeys; ++k) {
            if (missing & (1u << k)) {
                out.error = std::string("missing '") + std::string(kKeyNames[k]) + "=' field";
                break;
            }
        }
        return false;
    }
    // mm_page_alloc prints page=NULL pfn=0x0 for a failed allocation; raw fields give -1.
    if (ev.type == TraceEventType::PageAlloc &&
        ((page_null && pfn == 0) || pfn == ~std::uint64_t{0})) {
        ev.pfn = kNoPfn;
    } else if (pfn > kMaxTracePfn) {
        out.error = "pfn 0x" + [&] {
            char buf[24];
            const auto r = std::to_chars(buf, buf + sizeof buf, pfn, 16);
            return std::string(buf, r.ptr);
        }() + " is beyond 2^64 bytes of physical memory";
        return false;
    } else {
        ev.pfn = pfn;
    }
    if (ev.type == TraceEventType::PageFreeBatched && ev.order != 0) {
        out.error = "mm_page_free_batched always prints order=0";
        return false;
    }
    if (ev.type == TraceEventType::PageAllocExtfrag) {
        if (!(seen & bit(kKeyPageblockOrder))) {
            ev.pageblock_order = kUnknownPageblockOrder;
        } else if (fragmenting >= 0 && (fragmenting != 0) != ev.fragmenting()) {
            out.error = "fragmenting=" + std::to_string(fragmenting) +
                        " contradicts fallback_order=" + std::to_string(ev.fallback_order) +
                        " and pageblock_order=" + std::to_string(ev.pageblock_order);
            return false;
        }
    }
    return true;
}

} // namespace pagesim
