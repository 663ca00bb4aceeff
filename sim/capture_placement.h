// SPDX-License-Identifier: GPL-2.0-only
// Placement in one shape for runs and captures: PlacementCounts (allocations per zone and
// per memory controller by migratetype and order, failures, fallbacks, resident pages).
// run_placement() reads a finished run; CapturePlacementBuilder reads a capture given a
// layout; capture_baseline_json() is the capture in the shape of run_summary_json().
#pragma once

#include "allocator/layout.h"
#include "sim/run_stats.h"
#include "workloads/trace_replay.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pagesim {

class Simulator;

/// Where allocations landed and how the allocator coped, for a run or a capture.
/// Index zones by the allocator's zone id (node-major, kernel index order: nid *
/// nr_zones + zone_idx) and controllers by Layout::controllers, the last row "(none)".
struct PlacementCounts {
    std::vector<TypeOrderCounts> zone_allocs;
    std::vector<TypeOrderCounts> controller_allocs;
    TypeOrderCounts outside{};  ///< capture blocks in no zone of the layout
    TypeOrderCounts failures{}; ///< by requested migratetype and order
    std::uint64_t allocs = 0;   ///< successful
    std::uint64_t nr_failures = 0;
    std::uint64_t frees = 0; ///< blocks freed (a capture: of blocks it allocated)
    std::vector<std::uint64_t> ctrl_user_pages;   ///< resident at the end (movable)
    std::vector<std::uint64_t> ctrl_kernel_pages; ///< resident at the end (other types)
    std::uint64_t extfrag_events = 0;             ///< __rmqueue_fallback successes
    std::uint64_t extfrag_fragmenting = 0;
    /// Pageblocks whose type a fallback changed, by requested type (a capture: from its
    /// change_ownership=1 extfrag events, 2^(fallback_order - pageblock_order) each for a
    /// fallback of at least pageblock order).
    std::array<std::uint64_t, kMigrateTypes> pageblocks_claimed{};
    std::int64_t span_ns = 0;      ///< simulated time, or the capture's last - first event
    std::uint64_t kmem_events = 0; ///< a capture's kmem lines; a run's engine events
};

/// Empty counts sized for `layout`.
PlacementCounts make_placement_counts(const Layout& layout);

/// A finished run's placement (RunStats and the allocator's fallback counters).
PlacementCounts run_placement(const Simulator& sim);

/// The capture's own placement: every captured request placed by its pfn on `layout`
/// (the machine and command line the capture was taken on). Attach it to a TraceReplay.
class CapturePlacementBuilder : public TraceReplayObserver {
public:
    explicit CapturePlacementBuilder(const Layout& layout);

    void captured_alloc(const TraceEvent& ev) override;
    void captured_block_freed(Pfn pfn, unsigned order, MigrateType mt) override;
    void captured_free(const TraceEvent& ev) override;
    void captured_extfrag(const TraceEvent& ev) override;

    /// Counts so far; span_ns and kmem_events come from the replay's counts.
    PlacementCounts result(const TraceReplayCounts& counts) const;

private:
    struct Span {
        Pfn start = 0;
        Pfn end = 0;
        std::uint32_t index = 0;
    };
    static std::uint32_t lookup(const std::vector<Span>& spans, std::size_t& hint, Pfn pfn);

    PlacementCounts counts_;
    std::vector<Span> zones_;
    std::vector<Span> controllers_;
    std::size_t zone_hint_ = 0;
    std::size_t controller_hint_ = 0;
    std::uint32_t no_controller_ = 0;
    unsigned pageblock_order_ = 9;
};

/// Reads a capture once and returns its placement on `layout` (no simulation). Throws
/// FtraceError for an unreadable file or, with parse.strict, a malformed line.
PlacementCounts capture_placement(const std::filesystem::path& trace, const Layout& layout,
                                  const FtraceParseOptions& parse = {});

/// `placement` as JSON in the shape of run_summary_json() (same keys; what a capture
/// cannot know — free pages, seed, THP faults, pins... — is null). `name` fills
/// "scenario". The baseline column of `compare`:
///   capture_baseline_json(capture_placement(trace, layout), layout, "capture")
nlohmann::json capture_baseline_json(const PlacementCounts& placement, const Layout& layout,
                                     const std::string& name);

/// Pages of a TypeOrderCounts row for one migratetype (Σ count << order).
std::uint64_t placement_pages(const OrderCounts& counts);

} // namespace pagesim
