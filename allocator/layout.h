// SPDX-License-Identifier: GPL-2.0-only
// A booted memory layout: nodes, zone spans, which zone each present pfn belongs to (zones
// may overlap with DMBs and kernelcore=mirror), boot reservations, CMA areas, DMBs,
// hot-plugged blocks, controllers and the memory sysctls. Produced by compute_layout()
// (the model of free_area_init and find_zone_movable_pfns_for_nodes), consumed by
// PageAllocator's boot. How each page reaches the buddy allocator is spelled out below.
#pragma once

#include "allocator/machine.h"
#include "allocator/types.h"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pagesim {

struct CmdLine;

/// A pfn range [start, end).
struct PfnRange {
    Pfn start = 0;
    Pfn end = 0;
    Pfn size() const { return end - start; }
    bool contains(Pfn p) const { return p >= start && p < end; }
    bool overlaps(const PfnRange& o) const { return start < o.end && o.start < end; }
    bool operator==(const PfnRange&) const = default;
};

/// The memory sysctls (Documentation/admin-guide/sysctl/vm.rst), 6.1 defaults.
struct Sysctls {
    /// vm.min_free_kbytes as written by the user; -1 = not set (computed at boot, E13).
    long long min_free_kbytes = -1;
    unsigned watermark_scale_factor = 10;
    unsigned watermark_boost_factor = 15000;
    /// vm.lowmem_reserve_ratio indexed by ZoneType (DMA 256, DMA32 256, Normal 32, others 0).
    std::array<unsigned, kZoneTypes> lowmem_reserve_ratio{256, 256, 32, 0, 0, 0};
    unsigned percpu_pagelist_high_fraction = 0;
    unsigned extfrag_threshold = 500;
    unsigned compaction_proactiveness = 20;
};

/// Which Designated Movable Blocks code the simulated kernel carries: none (plain 6.1: a
/// `size@base` piece is just a size), v2 (ZONE_MOVABLE spans from the lowest DMB to the
/// end of the node) or v3/v4 (minimal span, empty zones suppressed, oversized movablecore).
enum class DmbRule { Off, V2, V3 };

/// A memblock.memory region as the layout sees it (after PFN_UP/PFN_DOWN, split by node
/// and by the MEMBLOCK_MOVABLE / MEMBLOCK_NOMAP flags, merged where memblock merges).
struct MemblockRegion {
    PfnRange range;
    int nid = 0;
    bool hotpluggable = false;
    bool mirror = false;
    bool movable = false; ///< MEMBLOCK_MOVABLE: a Designated Movable Block
    bool nomap = false;   ///< MEMBLOCK_NOMAP: present, PageReserved, never freed
};

/// One zone's span and present pages, as /proc/zoneinfo prints them.
struct ZoneSpan {
    ZoneType type = ZONE_NORMAL;
    Pfn zone_start_pfn = 0;
    Pfn spanned = 0;
    Pfn present = 0; ///< spanned - absent
};

struct NodeLayout {
    int nid = 0;
    Pfn node_start_pfn = 0;
    Pfn node_end_pfn = 0;
    /// zone_movable_pfn[nid] as find_zone_movable_pfns_for_nodes() left it (what dmesg
    /// prints under "Movable zone start for each node"); 0 = no classic ZONE_MOVABLE.
    Pfn zone_movable_pfn = 0;
    /// The value after calculate_node_totalpages(): DMB v2/v3 set it to the end of
    /// movable_zone on a node with DMBs but no classic part (the runtime value DMB patch 8
    /// keeps so alloc_contig_pages() can skip the DMB-only part of ZONE_MOVABLE).
    Pfn zone_movable_pfn_final = 0;
    std::vector<ZoneSpan> zones; ///< one per configured zone type, kernel index order
    std::vector<unsigned> cpus;
};

/// Present pfns in `range` belong to zone `zone_idx` of node `nid`.
struct ZoneMembership {
    PfnRange range;
    int nid = 0;
    unsigned zone_idx = 0;
};

/// A CMA area: its pages are memblock-reserved at boot, then (cma_init_reserved_areas,
/// a core_initcall, before the first watermark set-up) each pageblock is set
/// MIGRATE_CMA and freed by init_cma_reserved_pageblock(): managed += pages,
/// zone->cma_pages += pages. Not listed in `reserved`.
struct CmaArea {
    std::string name;
    PfnRange range;
};

/// A controller's pfn ranges, in the layout's controller order (its id).
struct ControllerLayout {
    std::string name;
    std::vector<PfnRange> ranges;
    double bandwidth = 0;
    std::uint64_t interleave_granularity = 0;
};

/// Memory hot-added after boot and onlined into a chosen zone (`online_movable` /
/// `online_kernel`), section-aligned. Its pfns are in `membership` with that zone and the
/// zone's span and present pages in `nodes` include it (the state after onlining); the
/// dmesg boot lines do not. The allocator frees it after boot like online_pages() does:
/// generic_online_page() -> __free_pages_core(page, MAX_ORDER - 1) with FPI_TO_TAIL,
/// pageblocks MIGRATE_MOVABLE, managed += pages.
struct HotplugBlock {
    PfnRange range;
    int nid = 0;
    ZoneType zone = ZONE_MOVABLE;
};

/// "On node N, zone Z: P pages in unavailable ranges" (memmap_init, init_unavailable_range).
struct UnavailableRange {
    int nid = 0;
    ZoneType zone = ZONE_NORMAL;
    Pfn pages = 0;
};

/// Where a reservation of the machine ended up (top_down ones placed by compute_layout).
struct PlacedReservation {
    std::string name;
    ReservationKind kind = ReservationKind::Memblock;
    AddrRange range;
    bool freed_late = false;
};

/// How pages reach the buddy allocator at boot, in the kernel's order:
///  1. every present pfn (in `membership`) gets its struct page; pageblocks MIGRATE_MOVABLE
///     (memmap_init; see erratum E1 for holes).
///  2. DMB pages (`dmbs`, also `memory[i].movable`) are memblock-reserved at parse time and
///     released by dmb_init_region(): per pageblock, ascending, init_reserved_pageblock():
///     __free_pages(page, pageblock_order), managed += pageblock_nr_pages. They are NOT in
///     `reserved`; `membership` says ZONE_MOVABLE for them.
///  3. memblock_free_all(): every present pfn that is not in `reserved`, `late_free`,
///     `cma`, a DMB or a `hotplug` block is free, freed in ascending free ranges by
///     __free_pages_memory (FPI_TO_TAIL). Pages of `reserved` stay PageReserved for good.
///  4. CMA areas: see CmaArea.   5. first watermark set-up (init_per_zone_wmark_min).
///  6. `late_free`: free_reserved_area() page by page (initrd, initmem; erratum E14).
///  7. `sysctl_writes`, in order (do_sysctl_args() runs after free_initmem()).
///  8. `hotplug` blocks are onlined.
struct Layout {
    Arch arch = Arch::X86_64;
    KernelConfig kconfig;
    std::vector<ZoneType> zone_types; ///< configured zone kinds, kernel index order
    unsigned ncpus = 1;
    std::vector<int> cpu_node; ///< node of each CPU
    std::vector<std::vector<int>> distance;

    std::vector<MemblockRegion> memory; ///< sorted by start (boot memory)
    std::vector<PfnRange> reserved;     ///< present pages never freed to the buddy, sorted
    std::vector<PfnRange> late_free;    ///< reserved pages freed after watermark set-up (E14)
    std::vector<NodeLayout> nodes;
    std::vector<ZoneMembership> membership; ///< sorted by start; covers every present pfn
    std::vector<CmaArea> cma;
    std::vector<PfnRange> dmbs; ///< accepted Designated Movable Blocks, in cmdline order
    std::vector<ControllerLayout> controllers;
    std::vector<HotplugBlock> hotplug;
    std::vector<PlacedReservation> placed; ///< the machine's reservations, placed

    /// find_usable_zone_for_movable(): the zone ZONE_MOVABLE is taken from. On a HIGHMEM
    /// kernel it is ZONE_HIGHMEM, and ZONE_MOVABLE then counts as highmem (is_highmem_idx).
    ZoneType movable_zone = ZONE_NORMAL;
    /// free_area_init()'s arch zone limits, indexed by ZoneType (Movable/Device: 0).
    std::array<Pfn, kZoneTypes> arch_zone_lowest_possible_pfn{};
    std::array<Pfn, kZoneTypes> arch_zone_highest_possible_pfn{};
    std::vector<UnavailableRange> unavailable;
    DmbRule dmb_rule = DmbRule::V3;
    bool mirrored_kernelcore = false;
    bool fake_numa = false; ///< nodes come from numa=fake= / pagesim.fake_numa

    Sysctls sysctl; ///< final values (boot defaults + cmdline writes)
    /// sysctl.vm.NAME=value writes from the command line, in order (applied at step 7).
    std::vector<std::pair<std::string, std::string>> sysctl_writes;
    ThpMode thp = ThpMode::Always;
    bool shuffle = false; ///< page_alloc.shuffle=1 (and CONFIG_SHUFFLE_PAGE_ALLOCATOR)
    /// "Sticky" MIGRATE_MOVABLE pageblocks (the migratetype alternative, pagesim-only): a
    /// MOVABLE pageblock in `sticky_ranges` (or anywhere if the list is empty) is never
    /// claimed by another migratetype (steal_suitable_fallback must not change its type).
    bool sticky_movable = false;
    std::vector<PfnRange> sticky_ranges;
    /// What the kernel prints while parsing early parameters, in order, without the
    /// timestamp: "Malformed early option 'movablecore'", "dmb: Not enough slots...".
    std::vector<std::string> early_log;
    /// "cma: Reserved 64 MiB at 0x000000007c000000" (dma_contiguous_reserve), in order.
    std::vector<std::string> cma_log;
    std::vector<std::string> warnings; ///< what the kernel would print or ignore

    /// Kernel zone index of a zone kind on this config, or -1 if not configured.
    int zone_index(ZoneType t) const;
    unsigned nr_zones() const { return static_cast<unsigned>(zone_types.size()); }
    Pfn pageblock_nr_pages() const { return Pfn{1} << kconfig.pageblock_order; }
    /// The node with id `nid`; throws std::out_of_range.
    const NodeLayout& node(int nid) const;
    /// The membership entry holding `pfn`, or nullptr for a hole (binary search; the
    /// allocator builds O(1) per-pageblock tables from `membership`).
    const ZoneMembership* zone_of(Pfn pfn) const;
    /// Index into `controllers` of the controller serving `pfn`, or -1.
    int controller_of(Pfn pfn) const;
    /// Pages of `range` in `reserved` (and in `late_free` too if `with_late`).
    Pfn reserved_pages_in(const PfnRange& range, bool with_late = false) const;
    /// managed pages of a zone as /proc/zoneinfo shows it after boot: present - reserved,
    /// with late_free already freed and CMA activated.
    Pfn managed_pages(int nid, unsigned zone_idx) const;
};

/// Options of compute_layout().
struct LayoutOptions {
    /// Turn every warning into a LayoutError (`pagesim layout --strict`).
    bool strict = false;
};

/// A layout the kernel could not boot, or a strict-mode warning. The message names the
/// offending command-line token or reservation.
class LayoutError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Boots `machine` with `cmdline` as far as mm_init: memblock, early parameters (DMBs),
/// free_area_init() and find_zone_movable_pfns_for_nodes(), memmap_init()'s unavailable
/// ranges, reservations (top-down placement), CMA areas, hot-plugged blocks, sysctls.
/// Throws LayoutError for impossible layouts (and for any warning when options.strict).
Layout compute_layout(const Machine& machine, const CmdLine& cmdline,
                      const LayoutOptions& options = {});

/// A one-node, one-zone layout of `nr_pages` present pages starting at `start_pfn`, no
/// reservations: the set-up of the W1–W3 workloads and of most unit tests. The zone is
/// ZONE_NORMAL unless `type` says otherwise; zone_types is the x86_64 set.
Layout make_simple_layout(Pfn nr_pages, unsigned ncpus = 1, Pfn start_pfn = 0,
                          unsigned max_order = 11, ZoneType type = ZONE_NORMAL);

} // namespace pagesim
