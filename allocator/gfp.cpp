// SPDX-License-Identifier: GPL-2.0-only
// GFP helpers: gfp_zone, the show_gfp_flags table, rendering and parsing.
#include "allocator/gfp.h"

#include <array>
#include <charconv>

namespace pagesim {

std::string_view migratetype_name(MigrateType mt) {
    static constexpr std::array<std::string_view, kMigrateTypes> names{
        "Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"};
    return mt < kMigrateTypes ? names[mt] : "?";
}

std::string_view zone_name(ZoneType t) {
    static constexpr std::array<std::string_view, kZoneTypes> names{"DMA",     "DMA32",   "Normal",
                                                                    "HighMem", "Movable", "Device"};
    return t < kZoneTypes ? names[t] : "?";
}

// Models gfp_zone() / GFP_ZONE_TABLE: the four zone-modifier bits select the highest zone.
bool gfp_zone_type(GfpFlags g, ZoneType& out) {
    switch (g & gfp::kZoneMask) {
    case 0:
    case gfp::kMovable:
        out = ZONE_NORMAL;
        return true;
    case gfp::kDma:
    case gfp::kDma | gfp::kMovable:
        out = ZONE_DMA;
        return true;
    case gfp::kHighmem:
        out = ZONE_HIGHMEM;
        return true;
    case gfp::kDma32:
    case gfp::kDma32 | gfp::kMovable:
        out = ZONE_DMA32;
        return true;
    case gfp::kHighmem | gfp::kMovable:
        out = ZONE_MOVABLE;
        return true;
    default:
        return false; // GFP_ZONES_BUG
    }
}

namespace {
// include/trace/events/mmflags.h, __def_gfpflag_names, 6.1 order.
constexpr std::array<GfpName, 38> kGfpNames{{
    {"GFP_TRANSHUGE", GFP_TRANSHUGE},
    {"GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT},
    {"GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE},
    {"GFP_HIGHUSER", GFP_HIGHUSER},
    {"GFP_USER", GFP_USER},
    {"GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT},
    {"GFP_KERNEL", GFP_KERNEL},
    {"GFP_NOFS", GFP_NOFS},
    {"GFP_ATOMIC", GFP_ATOMIC},
    {"GFP_NOIO", GFP_NOIO},
    {"GFP_NOWAIT", GFP_NOWAIT},
    {"GFP_DMA", GFP_DMA},
    {"__GFP_HIGHMEM", gfp::kHighmem},
    {"GFP_DMA32", GFP_DMA32},
    {"__GFP_HIGH", gfp::kHigh},
    {"__GFP_ATOMIC", gfp::kAtomic},
    {"__GFP_IO", gfp::kIo},
    {"__GFP_FS", gfp::kFs},
    {"__GFP_NOWARN", gfp::kNowarn},
    {"__GFP_RETRY_MAYFAIL", gfp::kRetryMayfail},
    {"__GFP_NOFAIL", gfp::kNofail},
    {"__GFP_NORETRY", gfp::kNoretry},
    {"__GFP_COMP", gfp::kComp},
    {"__GFP_ZERO", gfp::kZero},
    {"__GFP_NOMEMALLOC", gfp::kNomemalloc},
    {"__GFP_MEMALLOC", gfp::kMemalloc},
    {"__GFP_HARDWALL", gfp::kHardwall},
    {"__GFP_THISNODE", gfp::kThisnode},
    {"__GFP_RECLAIMABLE", gfp::kReclaimable},
    {"__GFP_MOVABLE", gfp::kMovable},
    {"__GFP_ACCOUNT", gfp::kAccount},
    {"__GFP_WRITE", gfp::kWrite},
    {"__GFP_RECLAIM", gfp::kReclaim},
    {"__GFP_DIRECT_RECLAIM", gfp::kDirectReclaim},
    {"__GFP_KSWAPD_RECLAIM", gfp::kKswapdReclaim},
    {"__GFP_ZEROTAGS", gfp::kZerotags},
    // Accepted when parsing only (never produced by the table walk, whose entries above
    // already cover these bits): the kernel's own aliases users write in YAML.
    {"__GFP_DMA", gfp::kDma},
    {"__GFP_DMA32", gfp::kDma32},
}};
constexpr std::size_t kRenderedNames = 36; // entries the ftrace walk uses

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
} // namespace

std::span<const GfpName> gfp_name_table() {
    return {kGfpNames.data(), kRenderedNames};
}

// Models trace_print_flags_seq() over __def_gfpflag_names.
std::string gfp_to_string(GfpFlags g) {
    if (g == 0) return "none";
    std::string out;
    GfpFlags rest = g;
    for (std::size_t i = 0; i < kRenderedNames && rest != 0; ++i) {
        const GfpName& e = kGfpNames[i];
        if ((rest & e.mask) != e.mask) continue;
        if (!out.empty()) out += '|';
        out += e.name;
        rest &= ~e.mask;
    }
    if (rest != 0) {
        char buf[24];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, rest, 16);
        (void)ec;
        if (!out.empty()) out += '|';
        out += "0x";
        out.append(buf, p);
    }
    return out;
}

std::optional<GfpFlags> gfp_parse(std::string_view text, std::string* bad) {
    GfpFlags g = 0;
    text = trim(text);
    if (text.empty()) {
        if (bad) *bad = "";
        return std::nullopt;
    }
    while (true) {
        const std::size_t bar = text.find('|');
        const std::string_view tok = trim(text.substr(0, bar));
        bool ok = false;
        if (tok == "none" || tok == "0") {
            ok = true;
        } else if (tok.size() > 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
            std::uint64_t v = 0;
            auto [p, ec] = std::from_chars(tok.data() + 2, tok.data() + tok.size(), v, 16);
            ok = ec == std::errc{} && p == tok.data() + tok.size() && v <= 0xffffffffu;
            g |= static_cast<GfpFlags>(v);
        } else if (!tok.empty() && tok[0] >= '1' && tok[0] <= '9') {
            std::uint64_t v = 0;
            auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v, 10);
            ok = ec == std::errc{} && p == tok.data() + tok.size() && v <= 0xffffffffu;
            g |= static_cast<GfpFlags>(v);
        } else {
            for (const GfpName& e : kGfpNames) {
                if (e.name == tok) {
                    g |= e.mask;
                    ok = true;
                    break;
                }
            }
        }
        if (!ok) {
            if (bad) *bad = std::string(tok);
            return std::nullopt;
        }
        if (bar == std::string_view::npos) break;
        text = text.substr(bar + 1);
    }
    return g;
}

} // namespace pagesim
