// SPDX-License-Identifier: GPL-2.0-only
// struct zone and its parts: free_area[order] with one free list per migrate type and
// nr_free, the per-CPU page lists (struct per_cpu_pages), watermarks, lowmem_reserve,
// the highatomic reserve and the zone's vmstat items.
#pragma once

#include "allocator/page_list.h"
#include "allocator/types.h"
#include "allocator/vmstat.h"

#include <array>
#include <cstdint>
#include <vector>

namespace pagesim {

/// Per-CPU lists: 3 types x orders 0..3, plus two THP lists (erratum E4c: UNMOVABLE/
/// RECLAIMABLE share pindex 12, MOVABLE uses 13).
inline constexpr unsigned NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
inline constexpr unsigned NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + 2;
inline constexpr int CONFIG_PCP_BATCH_SCALE_MAX = 5;

/// struct free_area.
struct FreeArea {
    std::array<PageList, kMigrateTypes> free_list;
    std::uint64_t nr_free = 0; ///< blocks of this order on all lists (ISOLATE and CMA too)
};

/// struct per_cpu_pages.
struct PerCpuPages {
    int count = 0; ///< pages (2^order per entry) on all lists
    int high = 0;
    int batch = 1;
    int free_factor = 0;
    std::array<PageList, NR_PCP_LISTS> lists;
};

/// LRU list kinds pagesim keeps per node (the kernel's file and anon LRUs, active and
/// inactive folded into one second-chance list each, plus the reclaimable-slab objects that
/// shrinkers free).
enum class LruKind : std::uint8_t { File = 0, Anon = 1, Slab = 2 };
inline constexpr unsigned kNrLruKinds = 3;

/// struct capture_control (mm/internal.h): a direct compactor waiting for a free block of
/// `order` in this zone; __free_one_page hands it over instead of merging further.
struct CaptureControl {
    unsigned order = 0;
    PageIdx page = kNoPage; ///< the captured block (off the free lists, not yet prepped)
};

/// Compaction deferral and scanner state of a zone (mm/compaction.c). Used by the slow path.
struct CompactState {
    unsigned considered = 0;
    unsigned defer_shift = 0;
    int order_failed = 0;
    Pfn cached_migrate_pfn[2] = {0, 0}; ///< [async, sync]
    Pfn cached_free_pfn = 0;
    Pfn init_migrate_pfn = 0; ///< compact_init_migrate_pfn: below it a run counts as whole_zone
    bool blockskip_flush = false;
};

struct Zone {
    // Identity.
    ZoneType type = ZONE_NORMAL;
    int nid = 0;
    unsigned zone_idx = 0;   ///< kernel index within the node (zone_idx())
    std::uint8_t id = 0;     ///< global id stored in PageInfo::zone
    bool is_highmem = false; ///< is_highmem(): HIGHMEM, or MOVABLE carved from HIGHMEM

    // Span and sizes (zone_start_pfn, spanned_pages, present_pages, managed_pages).
    Pfn zone_start_pfn = 0;
    Pfn spanned_pages = 0;
    Pfn present_pages = 0;
    std::uint64_t managed_pages = 0;
    std::uint64_t cma_pages = 0;
    bool contiguous = false; ///< set_zone_contiguous(): no holes and no foreign pages in span

    // The buddy free lists. nonempty[mt] has bit o set iff free_area[o].free_list[mt] is not
    // empty (pagesim's addition: __rmqueue_smallest and the fallback search become O(1)).
    std::array<FreeArea, kMaxOrderLimit> free_area;
    std::array<std::uint32_t, kMigrateTypes> nonempty{};

    // Watermarks (_watermark[] without the boost) and reserves.
    std::array<std::uint64_t, NR_WMARK> watermark{};
    std::uint64_t watermark_boost = 0;
    std::array<std::int64_t, kMaxNrZones> lowmem_reserve{};
    std::uint64_t nr_reserved_highatomic = 0;
    int nr_isolate_pageblock = 0;
    /// Pages taken off the buddy lists and flagged PG_isolated (compaction targets,
    /// alloc_contig_range in progress): neither free nor owned.
    std::uint64_t nr_isolated_pages = 0;
    /// Pages of this zone on each LRU kind (lruvec_lru_size per zone).
    std::array<std::uint64_t, kNrLruKinds> nr_lru{};
    /// Non-null while a direct compactor of this zone waits for a captured block.
    CaptureControl* capc = nullptr;

    // Per-CPU pagesets, indexed by CPU. pageset_high/batch are what zoneinfo prints.
    std::vector<PerCpuPages> pcp;
    int pageset_high = 0;
    int pageset_batch = 1;

    // Zone flags.
    bool boosted_watermark = false; ///< ZONE_BOOSTED_WATERMARK
    bool reclaim_active = false;    ///< ZONE_RECLAIM_ACTIVE

    std::array<std::int64_t, NR_VM_ZONE_STAT_ITEMS> vm_stat{};
    std::array<std::uint64_t, NR_VM_NUMA_EVENT_ITEMS> numa_events{};
    CompactState compact;

    /// min/low/high_wmark_pages(): the watermark plus the current boost.
    std::uint64_t wmark_pages(unsigned w) const { return watermark[w] + watermark_boost; }
    Pfn zone_end_pfn() const { return zone_start_pfn + spanned_pages; }
    bool zone_spans_pfn(Pfn pfn) const { return pfn >= zone_start_pfn && pfn < zone_end_pfn(); }
    bool populated() const { return present_pages != 0; }
    bool managed() const { return managed_pages != 0; }
    std::int64_t free_pages() const { return vm_stat[NR_FREE_PAGES]; }
    std::int64_t free_cma_pages() const { return vm_stat[NR_FREE_CMA_PAGES]; }
};

} // namespace pagesim
