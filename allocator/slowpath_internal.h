// SPDX-License-Identifier: GPL-2.0-only
// Internal state of SlowPathModel shared by its source files: struct scan_control,
// struct compact_control, migration counters, and the kswapd/kcompactd agent states.
// Not part of the engine's interface.
#pragma once

#include "allocator/free_area_ops.h"
#include "allocator/slowpath.h"

#include <array>
#include <vector>

namespace pagesim {

namespace detail {

/// struct scan_control (the fields the model uses).
struct ScanControl {
    std::uint64_t nr_to_reclaim = SWAP_CLUSTER_MAX;
    GfpFlags gfp = GFP_KERNEL;
    unsigned reclaim_idx = 0;
    unsigned order = 0;
    int priority = DEF_PRIORITY;
    bool may_writepage = true;
    bool may_unmap = true;
    bool may_swap = true;
    bool kswapd = false;
    bool compaction_ready = false;
    std::uint64_t nodemask = kAllNodes;
    std::uint64_t nr_scanned = 0;
    std::uint64_t nr_reclaimed = 0;
    unsigned cpu = 0;
};

/// struct compact_control.
struct CompactControl {
    Zone* zone = nullptr;
    int order = 0; ///< -1: compact the whole zone (manual or proactive)
    GfpFlags gfp = GFP_KERNEL;
    MigrateType migratetype = MIGRATE_UNMOVABLE;
    AllocFlags alloc_flags = 0;
    unsigned highest_zoneidx = 0;
    MigrateMode mode = MigrateMode::Async;
    bool direct_compaction = false;
    bool whole_zone = false;
    bool ignore_skip_hint = false;
    bool ignore_block_suitable = false;
    bool no_set_skip_hint = false;
    bool alloc_contig = false;
    bool proactive = false;
    bool rescan = false;
    bool contended = false;
    Pfn migrate_pfn = 0;
    Pfn free_pfn = 0;
    std::vector<PageIdx> freepages;    ///< isolated order-0 targets; back() is the list head
    std::vector<PageIdx> migratepages; ///< isolated source heads
    std::uint64_t nr_migratepages = 0; ///< pages in migratepages
    std::uint64_t total_migrate_scanned = 0;
    std::uint64_t total_free_scanned = 0;
    unsigned cpu = 0;
};

struct MigrateStats {
    std::uint64_t succeeded = 0; ///< pages
    std::uint64_t failed = 0;    ///< pages
    std::uint64_t busy = 0;      ///< Busy answers
};

inline bool is_via_compact_memory(int order) {
    return order == -1;
}
inline std::uint64_t compact_gap(unsigned order) {
    return std::uint64_t{2} << order;
}

} // namespace detail

struct SlowPathModel::KswapdState {
    enum class Phase : std::uint8_t { Sleeping, Woken, Balancing, Napping };
    Phase phase = Phase::Sleeping;
    unsigned kswapd_order = 0;
    int kswapd_highest_zoneidx = -1; ///< -1 = MAX_NR_ZONES (nothing requested)
    bool woken_during_nap = false;
    // kswapd()'s loop variables.
    unsigned alloc_order = 0;
    unsigned reclaim_order = 0;
    unsigned highest_zoneidx = 0;
    // balance_pgdat()'s locals, kept across rounds.
    detail::ScanControl sc;
    std::uint64_t nr_boost_reclaim = 0;
    std::array<std::uint64_t, kMaxNrZones> zone_boosts{};
    bool boosted = false;
};

struct SlowPathModel::KcompactdState {
    bool woken = false;   ///< kcompactd_work_requested() and woken
    bool working = false; ///< inside kcompactd_do_work
    unsigned max_order = 0;
    int highest_zoneidx = -1; ///< -1 = none recorded (nr_zones - 1)
    unsigned next_zone = 0;   ///< next zone index of kcompactd_do_work
    unsigned cc_order = 0;
    unsigned cc_highest = 0;
    bool proactive_deferred = false;
};

} // namespace pagesim
