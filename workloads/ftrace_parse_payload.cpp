// SPDX-License-Identifier: GPL-2.0-only
// FtraceLineParser's payload half: "page=... pfn=0x... order=..." -> TraceEvent fields, by
// field name (any order; fields of other kernel versions ignored), gfp_flags through
// gfp_parse() behind a small cache, every number through std::from_chars with its range.
#include "workloads/ftrace_parse.h"
#include "workloads/ftrace_scan.h"

#include <charconv>
#include <string>

namespace pagesim {

using namespace ftrace_scan;

namespace {

constexpr std::size_t kMaxCachedGfp = 256;

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

} // namespace

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
        if (!migratetype_from_trace(x, cma_, dst)) {
            return bad_value(k, v,
                             cma_ ? "migrate types are 0..5 with CONFIG_CMA"
                                  : "migrate types are 0..4 without CONFIG_CMA");
        }
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
