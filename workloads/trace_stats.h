// SPDX-License-Identifier: GPL-2.0-only
// What a kmem trace contains: TraceStatsBuilder consumes TraceEvents one at a time (memory
// bounded by the live allocations) and produces TraceStats: events per type, allocations
// per order / migratetype / gfp / zone / controller, lifetimes, extfrag, rate over time.
#pragma once

#include "allocator/layout.h"
#include "workloads/ftrace_event.h"
#include "workloads/ftrace_parse.h"
#include "workloads/log_histogram.h"

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pagesim {

struct TraceStatsOptions {
    /// Maps pfns to zones and controllers; nullptr: every placement row is "unknown".
    const Layout* layout = nullptr;
    /// Width of a rate bin in ns; 0 = start at 1 ms. Either way the width doubles (bins
    /// merge pairwise) whenever the capture would need more than kMaxRateBins bins.
    std::int64_t rate_interval_ns = 0;
};

/// Where allocations landed: one zone or one controller (or "unknown", "outside").
struct PlacementRow {
    std::string name;
    int nid = -1;                                           ///< zone rows: the node (-1 otherwise)
    std::uint64_t allocs = 0;                               ///< successful mm_page_alloc events
    std::uint64_t pages = 0;                                ///< their pages (2^order each)
    std::array<std::uint64_t, kMigrateTypes> pages_by_mt{}; ///< internal numbering
};

/// Allocation lifetimes (alloc -> free of the same pfn and order), in ns.
struct LifetimeStats {
    LogHistogram all;
    std::array<LogHistogram, kMaxOrderLimit> by_order;
    std::uint64_t matched = 0; ///< frees that ended an allocation seen in the capture
    /// Frees of blocks never allocated in the capture (allocated before it began).
    std::uint64_t pre_capture_frees = 0;
    std::uint64_t pre_capture_pages = 0;
    std::array<std::uint64_t, kMaxOrderLimit> pre_capture_by_order{};
    /// Frees of part of a live higher-order allocation (e.g. a split THP freed page by
    /// page); the allocation ends when all its pages are freed (`split_completed`).
    std::uint64_t partial_frees = 0;
    std::uint64_t split_completed = 0;
    /// A free naming the first pfn of a live allocation with a larger order than it had.
    std::uint64_t order_mismatch = 0;
    /// An allocation of a pfn that was still live (its free was not captured).
    std::uint64_t realloc_without_free = 0;
    /// Allocations never freed: live when the capture ends.
    std::uint64_t live_at_end = 0;
    std::uint64_t live_pages_at_end = 0;
    std::array<std::uint64_t, kMaxOrderLimit> live_by_order{};
};

/// mm_page_alloc_extfrag events: fallbacks, and those that stole (claimed) the pageblock.
struct ExtfragStats {
    std::uint64_t events = 0;
    std::uint64_t fragmenting = 0;      ///< fallback_order < pageblock_order
    std::uint64_t change_ownership = 0; ///< the pageblock changed type (stolen)
    /// [alloc migratetype][fallback migratetype], internal numbering.
    std::array<std::array<std::uint64_t, kMigrateTypes>, kMigrateTypes> by_types{};
    std::array<std::uint64_t, kMaxOrderLimit> by_fallback_order{};
};

/// Events in one time bin.
struct RateBin {
    std::array<std::uint64_t, kTraceEventTypes> events{};
    std::uint64_t alloc_pages = 0; ///< pages allocated (successful mm_page_alloc)
    std::uint64_t free_pages = 0;  ///< pages freed (mm_page_free)
};

struct TraceStats {
    static constexpr std::size_t kMaxRateBins = 1024;
    static constexpr std::size_t kMaxGfpKinds = 4096;

    FtraceParseSummary parse; ///< filled by whoever read the trace (optional)
    bool has_layout = false;

    std::array<std::uint64_t, kTraceEventTypes> events{};
    std::int64_t first_ts_ns = 0;
    std::int64_t last_ts_ns = 0;
    std::vector<std::uint64_t> events_by_cpu;

    // mm_page_alloc
    std::uint64_t allocs = 0; ///< successful
    std::uint64_t alloc_pages = 0;
    std::uint64_t failed_allocs = 0;
    std::array<std::uint64_t, kMaxOrderLimit> allocs_by_order{};
    std::array<std::uint64_t, kMaxOrderLimit> failed_by_order{};
    std::array<std::uint64_t, kMigrateTypes> allocs_by_mt{};
    std::array<std::uint64_t, kMigrateTypes> pages_by_mt{};
    /// (gfp, allocation count), most frequent first; failed allocations included.
    std::vector<std::pair<GfpFlags, std::uint64_t>> allocs_by_gfp;
    std::uint64_t gfp_overflow = 0; ///< allocations with gfp beyond kMaxGfpKinds kinds

    // mm_page_free
    std::uint64_t frees = 0;
    std::uint64_t free_pages = 0;
    std::array<std::uint64_t, kMaxOrderLimit> frees_by_order{};

    std::vector<PlacementRow> zones;       ///< by node then zone; "outside" last if used
    std::vector<PlacementRow> controllers; ///< layout order; "none" last if used

    LifetimeStats lifetimes;
    ExtfragStats extfrag;

    std::int64_t rate_start_ns = 0;
    std::int64_t rate_interval_ns = 0;
    std::vector<RateBin> rate;

    std::uint64_t kmem_events() const;
};

/// Accumulates TraceStats from a stream of events (in time order, as traces are).
class TraceStatsBuilder {
public:
    explicit TraceStatsBuilder(const TraceStatsOptions& options = {});

    void add(const TraceEvent& ev);
    /// Closes the capture: counts live allocations, sorts the gfp table. Call once.
    TraceStats finish();

private:
    struct Live {
        std::int64_t ts_ns = 0;
        std::uint8_t order = 0;
        Pfn freed_pages = 0; ///< pages already freed by partial frees
    };
    struct Span {
        Pfn start = 0;
        Pfn end = 0;
        std::size_t row = 0;
    };
    void add_alloc(const TraceEvent& ev);
    void add_free(const TraceEvent& ev);
    void add_rate(const TraceEvent& ev);
    std::size_t lookup(const std::vector<Span>& spans, std::size_t& hint, Pfn pfn) const;
    std::size_t outside_row(std::vector<PlacementRow>& rows, std::size_t& idx, const char* name);

    TraceStats stats_;
    std::vector<Span> zone_spans_;
    std::vector<Span> controller_spans_;
    std::size_t zone_hint_ = 0;
    std::size_t controller_hint_ = 0;
    std::size_t zone_outside_ = SIZE_MAX;
    std::size_t controller_outside_ = SIZE_MAX;
    std::unordered_map<Pfn, Live> live_;
    std::unordered_map<GfpFlags, std::uint64_t> gfp_counts_;
    unsigned pageblock_order_ = 9;
    bool seen_event_ = false;
};

/// Reads a trace (file, or stream named `source` in messages) and builds its statistics in
/// one pass; stats.parse holds the reader's summary. Throws FtraceError (bad input).
TraceStats trace_stats_from_file(const std::filesystem::path& path,
                                 const FtraceParseOptions& parse_options,
                                 const TraceStatsOptions& options);
TraceStats trace_stats_from_stream(std::istream& in, const std::string& source,
                                   const FtraceParseOptions& parse_options,
                                   const TraceStatsOptions& options);

} // namespace pagesim
