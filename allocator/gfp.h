// SPDX-License-Identifier: GPL-2.0-only
// GFP flags of Linux 6.1 (include/linux/gfp_types.h, KASAN_HW_TAGS and LOCKDEP off), the
// zone and migratetype they select (include/linux/gfp.h), and the ftrace rendering table
// (`show_gfp_flags`, include/trace/events/mmflags.h) used both to print and to parse.
#pragma once

#include "allocator/types.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pagesim {

using GfpFlags = std::uint32_t;

namespace gfp {
// The `__GFP_*` bits (the kernel's leading underscores are reserved names in C++).
inline constexpr GfpFlags kDma = 0x01;
inline constexpr GfpFlags kHighmem = 0x02;
inline constexpr GfpFlags kDma32 = 0x04;
inline constexpr GfpFlags kMovable = 0x08;
inline constexpr GfpFlags kReclaimable = 0x10;
inline constexpr GfpFlags kHigh = 0x20;
inline constexpr GfpFlags kIo = 0x40;
inline constexpr GfpFlags kFs = 0x80;
inline constexpr GfpFlags kZero = 0x100;
inline constexpr GfpFlags kAtomic = 0x200;
inline constexpr GfpFlags kDirectReclaim = 0x400;
inline constexpr GfpFlags kKswapdReclaim = 0x800;
inline constexpr GfpFlags kWrite = 0x1000;
inline constexpr GfpFlags kNowarn = 0x2000;
inline constexpr GfpFlags kRetryMayfail = 0x4000;
inline constexpr GfpFlags kNofail = 0x8000;
inline constexpr GfpFlags kNoretry = 0x10000;
inline constexpr GfpFlags kMemalloc = 0x20000;
inline constexpr GfpFlags kComp = 0x40000;
inline constexpr GfpFlags kNomemalloc = 0x80000;
inline constexpr GfpFlags kHardwall = 0x100000;
inline constexpr GfpFlags kThisnode = 0x200000;
inline constexpr GfpFlags kAccount = 0x400000;
inline constexpr GfpFlags kZerotags = 0x800000;
inline constexpr GfpFlags kReclaim = kDirectReclaim | kKswapdReclaim; // __GFP_RECLAIM
inline constexpr GfpFlags kZoneMask = kDma | kHighmem | kDma32 | kMovable;
inline constexpr GfpFlags kMovableMask = kReclaimable | kMovable;
} // namespace gfp

// Composite masks, kernel names and 6.1 values.
inline constexpr GfpFlags GFP_ATOMIC = gfp::kHigh | gfp::kAtomic | gfp::kKswapdReclaim;
inline constexpr GfpFlags GFP_KERNEL = gfp::kReclaim | gfp::kIo | gfp::kFs;
inline constexpr GfpFlags GFP_KERNEL_ACCOUNT = GFP_KERNEL | gfp::kAccount;
inline constexpr GfpFlags GFP_NOWAIT = gfp::kKswapdReclaim;
inline constexpr GfpFlags GFP_NOIO = gfp::kReclaim;
inline constexpr GfpFlags GFP_NOFS = gfp::kReclaim | gfp::kIo;
inline constexpr GfpFlags GFP_USER = gfp::kReclaim | gfp::kIo | gfp::kFs | gfp::kHardwall;
inline constexpr GfpFlags GFP_DMA = gfp::kDma;
inline constexpr GfpFlags GFP_DMA32 = gfp::kDma32;
inline constexpr GfpFlags GFP_HIGHUSER = GFP_USER | gfp::kHighmem;
inline constexpr GfpFlags GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | gfp::kMovable;
inline constexpr GfpFlags GFP_TRANSHUGE_LIGHT =
    (GFP_HIGHUSER_MOVABLE | gfp::kComp | gfp::kNomemalloc | gfp::kNowarn) & ~gfp::kReclaim;
inline constexpr GfpFlags GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | gfp::kDirectReclaim;

static_assert(GFP_ATOMIC == 0xa20 && GFP_KERNEL == 0xcc0 && GFP_HIGHUSER_MOVABLE == 0x100cca);
static_assert(GFP_TRANSHUGE_LIGHT == 0x1c20ca && GFP_TRANSHUGE == 0x1c24ca);

/// `gfp_migratetype()`: __GFP_MOVABLE -> MOVABLE, __GFP_RECLAIMABLE -> RECLAIMABLE, else
/// UNMOVABLE. Both bits set is a kernel bug; pagesim rejects such masks in gfp_parse().
constexpr MigrateType gfp_migratetype(GfpFlags g) {
    return static_cast<MigrateType>((g & gfp::kMovableMask) >> 3);
}

/// `gfp_zone()` as a zone kind, before the machine's config maps absent zones to
/// ZONE_NORMAL (ZoneConfig::gfp_zone_index). Returns false for an invalid combination.
bool gfp_zone_type(GfpFlags g, ZoneType& out);

/// One entry of the `show_gfp_flags` table: a name and the bits it stands for.
struct GfpName {
    std::string_view name;
    GfpFlags mask;
};
/// The table in its kernel order (composites first, then single bits).
std::span<const GfpName> gfp_name_table();

/// Render as ftrace prints `gfp_flags=%s`: "none" for 0, names joined with '|', leftover
/// bits as 0x%x at the end.
std::string gfp_to_string(GfpFlags g);

/// Parse names joined by '|' (the ftrace rendering, or a user's YAML "GFP_KERNEL|__GFP_COMP"),
/// also hex/decimal numbers and "none". Whitespace around '|' is allowed. Returns nullopt on
/// an unknown name; `bad` (if given) receives the offending token.
std::optional<GfpFlags> gfp_parse(std::string_view text, std::string* bad = nullptr);

} // namespace pagesim
