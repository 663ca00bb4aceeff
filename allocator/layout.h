// SPDX-License-Identifier: GPL-2.0-only
// A booted memory layout: nodes, zone spans, which zone each present pfn belongs to (zones
// may overlap with DMBs and kernelcore=mirror), boot reservations, CMA areas, controllers
// and the memory sysctls. Produced by compute_layout() (the model of free_area_init and
// find_zone_movable_pfns_for_nodes), consumed by PageAllocator's boot.
#pragma once

#include "allocator/machine.h"
#include "allocator/types.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pagesim {

/// A pfn range [start, end).
struct PfnRange {
    Pfn start = 0;
    Pfn end = 0;
    Pfn size() const { return end - start; }
    bool contains(Pfn p) const { return p >= start && p < end; }
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

/// transparent_hugepage= mode: khugepaged (and its min_free_kbytes raise) runs for
/// always and madvise.
enum class ThpMode { Always, Madvise, Never };

/// A memblock.memory region as the layout sees it.
struct MemblockRegion {
    PfnRange range;
    int nid = 0;
    bool hotpluggable = false;
    bool mirror = false;
    bool movable = false; ///< MEMBLOCK_MOVABLE: a Designated Movable Block
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
    Pfn zone_movable_pfn = 0;      ///< 0 = no classic ZONE_MOVABLE on this node
    std::vector<ZoneSpan> zones;   ///< one per configured zone type, kernel index order
    std::vector<unsigned> cpus;
};

/// Present pfns in `range` belong to zone `zone_idx` of node `nid`.
struct ZoneMembership {
    PfnRange range;
    int nid = 0;
    unsigned zone_idx = 0;
};

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

/// Memory hot-added after boot and onlined into a chosen zone (`online_movable` etc.).
struct HotplugBlock {
    PfnRange range;
    int nid = 0;
    ZoneType zone = ZONE_MOVABLE;
};

struct Layout {
    Arch arch = Arch::X86_64;
    KernelConfig kconfig;
    std::vector<ZoneType> zone_types; ///< configured zone kinds, kernel index order
    unsigned ncpus = 1;
    std::vector<int> cpu_node;        ///< node of each CPU
    std::vector<std::vector<int>> distance;

    std::vector<MemblockRegion> memory; ///< sorted by start
    std::vector<PfnRange> reserved;     ///< pages never freed to the buddy at boot
    std::vector<PfnRange> late_free;    ///< reserved pages freed after watermark set-up (E14)
    std::vector<NodeLayout> nodes;
    std::vector<ZoneMembership> membership; ///< sorted by start; covers every present pfn
    std::vector<CmaArea> cma;
    std::vector<PfnRange> dmbs;
    std::vector<ControllerLayout> controllers;
    std::vector<HotplugBlock> hotplug;

    Sysctls sysctl;
    ThpMode thp = ThpMode::Always;
    bool shuffle = false;        ///< page_alloc.shuffle=1
    bool sticky_movable = false; ///< "sticky" MIGRATE_MOVABLE pageblocks (alternative)
    std::vector<std::string> warnings; ///< what the kernel would print or ignore

    /// Kernel zone index of a zone kind on this config, or -1 if not configured.
    int zone_index(ZoneType t) const;
    unsigned nr_zones() const { return static_cast<unsigned>(zone_types.size()); }
    Pfn pageblock_nr_pages() const { return Pfn{1} << kconfig.pageblock_order; }
};

/// A one-node, one-zone layout of `nr_pages` present pages starting at `start_pfn`, no
/// reservations: the set-up of the W1–W3 workloads and of most unit tests. The zone is
/// ZONE_NORMAL unless `type` says otherwise; zone_types is the x86_64 set.
Layout make_simple_layout(Pfn nr_pages, unsigned ncpus = 1, Pfn start_pfn = 0,
                          unsigned max_order = 11, ZoneType type = ZONE_NORMAL);

} // namespace pagesim
