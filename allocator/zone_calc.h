// SPDX-License-Identifier: GPL-2.0-only
// Internal to compute_layout(): the zone-sizing half of free_area_init() (mm/page_alloc.c
// in 6.1, mm/mm_init.c later) with the DMB series' changes: arch zone limits,
// find_zone_movable_pfns_for_nodes(), calculate_node_totalpages(), zone membership of each
// present pfn and memmap_init()'s unavailable ranges. Inputs are pfns.
#pragma once

#include "allocator/layout.h"

#include <array>
#include <string>
#include <vector>

namespace pagesim {

struct ZoneCalc {
    // Inputs.
    KernelConfig kconfig;
    std::vector<ZoneType> zone_types;           ///< configured, kernel index order
    std::vector<MemblockRegion> regions;        ///< memblock.memory in pfns, address order
    std::array<Pfn, kZoneTypes> max_zone_pfn{}; ///< from the arch's zone_sizes_init()
    Pfn start_of_dram_pfn = 0;                  ///< PHYS_PFN(memblock_start_of_DRAM())
    int nr_nodes = 1;
    DmbRule rule = DmbRule::V3;
    bool mirrored_kernelcore = false;
    bool has_mirror = false;     ///< memblock_has_mirror()
    bool movable_node = false;   ///< movable_node_is_enabled()
    Pfn required_kernelcore = 0; ///< pages
    Pfn required_kernelcore_percent = 0;
    Pfn required_movablecore = 0; ///< pages
    Pfn required_movablecore_percent = 0;

    // Outputs.
    std::array<Pfn, kZoneTypes> low{};  ///< arch_zone_lowest_possible_pfn
    std::array<Pfn, kZoneTypes> high{}; ///< arch_zone_highest_possible_pfn
    ZoneType movable_zone = ZONE_NORMAL;
    std::vector<Pfn> zone_movable_pfn;       ///< per node, as printed
    std::vector<Pfn> zone_movable_pfn_final; ///< per node, after calculate_node_totalpages
    std::vector<NodeLayout> nodes;
    std::vector<ZoneMembership> membership;
    std::vector<UnavailableRange> unavailable;
    std::vector<std::string> kernel_log; ///< pr_warn()s of find_zone_movable_pfns...
    std::vector<std::string> warnings;
};

/// Runs the whole zone sizing: arch limits, movable zone, per-node spans and present
/// pages, membership and unavailable ranges.
void run_zone_calc(ZoneCalc& zc);

} // namespace pagesim
