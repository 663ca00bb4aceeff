// SPDX-License-Identifier: GPL-2.0-only
// Vocabulary of the allocator model: pfns, orders, migrate types, zone types, alloc flags,
// and the compile-time limits. Names follow include/linux/mmzone.h and mm/internal.h so a
// reader can hold pagesim beside the kernel source.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pagesim {

/// Physical frame number.
using Pfn = std::uint64_t;
/// Index of a page in the page map (pagesim's `struct page *`); see page_map.h.
using PageIdx = std::uint32_t;
inline constexpr PageIdx kNoPage = ~PageIdx{0};
inline constexpr Pfn kNoPfn = ~Pfn{0};

/// Storage limit for orders. The kernel's MAX_ORDER (exclusive in 6.1) is a machine
/// parameter (11 for 4K pages, 12 for arm64 16K, 14 for arm64 64K); the W1 benchmark also
/// runs with one order-18 block, so free areas are sized for orders 0..kMaxOrderLimit-1.
inline constexpr unsigned kMaxOrderLimit = 20;
inline constexpr unsigned PAGE_ALLOC_COSTLY_ORDER = 3;

/// Migrate types with pagesim's fixed internal numbering. The kernel numbers ISOLATE 4
/// when CONFIG_CMA is off (erratum E3); kernel_migratetype() converts for output.
enum MigrateType : std::uint8_t {
    MIGRATE_UNMOVABLE = 0,
    MIGRATE_MOVABLE = 1,
    MIGRATE_RECLAIMABLE = 2,
    MIGRATE_HIGHATOMIC = 3,
    MIGRATE_CMA = 4,
    MIGRATE_ISOLATE = 5,
};
inline constexpr unsigned MIGRATE_PCPTYPES = 3;
/// Number of free lists per order that pagesim stores (the CMA list stays empty without CMA).
inline constexpr unsigned kMigrateTypes = 6;

/// Mergeable types may merge with each other across pageblocks (`migratetype_is_mergeable`).
constexpr bool is_mergeable(MigrateType mt) {
    return mt < MIGRATE_PCPTYPES;
}

/// The printed name of a migrate type (`migratetype_names[]`).
std::string_view migratetype_name(MigrateType mt);

/// Zone kinds. A machine's kernel config decides which exist and so their index within a
/// node (ZoneConfig); ZONE_MOVABLE is always present, ZONE_DEVICE only for printing.
enum ZoneType : std::uint8_t {
    ZONE_DMA = 0,
    ZONE_DMA32 = 1,
    ZONE_NORMAL = 2,
    ZONE_HIGHMEM = 3,
    ZONE_MOVABLE = 4,
    ZONE_DEVICE = 5,
};
inline constexpr unsigned kZoneTypes = 6;
/// Most zones a node can have (all of ZoneType).
inline constexpr unsigned kMaxNrZones = kZoneTypes;

/// `zone_names[]`: "DMA", "DMA32", "Normal", "HighMem", "Movable", "Device".
std::string_view zone_name(ZoneType t);

/// Watermark indices (`enum zone_watermarks`).
enum Wmark : std::uint8_t { WMARK_MIN = 0, WMARK_LOW = 1, WMARK_HIGH = 2, WMARK_PROMO = 3 };
inline constexpr unsigned NR_WMARK = 4;

/// Allocation flags (mm/internal.h) with the 6.1.y stable-backport values of erratum E4a.
using AllocFlags = std::uint32_t;
inline constexpr AllocFlags ALLOC_WMARK_MIN = 0x00;
inline constexpr AllocFlags ALLOC_WMARK_LOW = 0x01;
inline constexpr AllocFlags ALLOC_WMARK_HIGH = 0x02;
inline constexpr AllocFlags ALLOC_NO_WATERMARKS = 0x04;
inline constexpr AllocFlags ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
inline constexpr AllocFlags ALLOC_OOM = 0x08;
inline constexpr AllocFlags ALLOC_NON_BLOCK = 0x10;
inline constexpr AllocFlags ALLOC_MIN_RESERVE = 0x20;
inline constexpr AllocFlags ALLOC_CPUSET = 0x40;
inline constexpr AllocFlags ALLOC_CMA = 0x80;
inline constexpr AllocFlags ALLOC_NOFRAGMENT = 0x100;
inline constexpr AllocFlags ALLOC_HIGHATOMIC = 0x200;
inline constexpr AllocFlags ALLOC_KSWAPD = 0x800;
inline constexpr AllocFlags ALLOC_RESERVES =
    ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

/// Free-page-info flags for __free_one_page (`fpi_t`).
using FpiFlags = std::uint32_t;
inline constexpr FpiFlags FPI_NONE = 0;
inline constexpr FpiFlags FPI_TO_TAIL = 0x2;

/// Errors caused by the caller (bad pfn, bad order, double free): never undefined
/// behaviour, always this exception with context.
class AllocatorError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace pagesim
