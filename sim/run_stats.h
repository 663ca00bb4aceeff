// SPDX-License-Identifier: GPL-2.0-only
// What a run counts: allocations by zone and by memory controller (migratetype x order),
// failures, resident pages per controller (user vs kernel), and the sampler's time series.
#pragma once

#include "allocator/types.h"
#include "sim/event_queue.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pagesim {

using OrderCounts = std::array<std::uint64_t, kMaxOrderLimit>;
using TypeOrderCounts = std::array<OrderCounts, kMigrateTypes>;

/// One bandwidth phase: how long it took (its wall time is an output of the model).
struct FlowRecord {
    std::string process;
    std::size_t phase = 0;
    std::uint64_t bytes = 0;
    SimTime start = 0;
    SimTime end = -1;
};

/// One driver claim (alloc_contig_range / cma_alloc) and what it cost.
struct ClaimRecord {
    std::string process;
    std::uint64_t bytes = 0;
    SimTime start = 0;
    SimTime latency_ns = 0;
    std::uint64_t pages_migrated = 0;
    std::uint64_t ranges_tried = 0;
    bool ok = false;
    std::string failure; ///< why the last range failed ("" on success)
};

/// One row of the time series.
struct Sample {
    SimTime t = 0;
    std::vector<std::int64_t> zone_free;    ///< NR_FREE_PAGES per zone (zone id order)
    std::vector<std::uint64_t> zone_boost;  ///< watermark_boost per zone
    std::vector<std::uint64_t> ctrl_user;   ///< resident user (movable) pages per controller
    std::vector<std::uint64_t> ctrl_kernel; ///< resident kernel pages per controller
    std::uint64_t allocs = 0, failures = 0, extfrag = 0;
    /// Kernel-usable memory (zones GFP_KERNEL may use): free pages minus the lowmem_reserve
    /// against a Normal-class request, the highatomic reserve and free CMA pages; and the
    /// min / low / high watermarks summed over the same zones.
    std::int64_t kernel_free = 0;
    std::int64_t kernel_min = 0, kernel_low = 0, kernel_high = 0;
};

struct RunStats {
    std::vector<TypeOrderCounts> zone_allocs;       ///< index: zone id
    std::vector<TypeOrderCounts> controller_allocs; ///< index: controller id, last = none
    TypeOrderCounts failures{};                     ///< by requested migratetype and order
    std::uint64_t allocs = 0;
    std::uint64_t nr_failures = 0;
    std::uint64_t frees = 0;
    std::vector<std::uint64_t> ctrl_user_pages; ///< resident now, per controller
    std::vector<std::uint64_t> ctrl_kernel_pages;
    std::uint64_t thp_fault_alloc = 0;
    std::uint64_t thp_fault_fallback = 0;
    std::uint64_t page_table_pages = 0;
    std::uint64_t pins = 0, pin_migrations = 0, pin_failures = 0;
    std::uint64_t events = 0;
    SimTime alloc_time_ns = 0; ///< simulated time spent in the allocator
    std::vector<Sample> samples;
    std::vector<FlowRecord> flows;
    std::vector<ClaimRecord> claims;
    std::uint64_t slowpath_calls = 0;
    SimTime slowpath_ns = 0; ///< simulated time in __alloc_pages_slowpath
    std::uint64_t slowpath_failures = 0;
    SimTime kswapd_ns = 0, kcompactd_ns = 0; ///< busy time of the agents
    std::uint64_t oom_kills = 0;
    std::uint64_t reclaimed_by_owner = 0; ///< blocks owners gave up to reclaim
    std::uint64_t migrated_blocks = 0;    ///< compaction / contig migrations seen by owners
};

} // namespace pagesim
