// SPDX-License-Identifier: GPL-2.0-only
// TraceStatsBuilder: one pass over the events; pfn -> zone / controller through sorted
// spans (binary search with a last-hit hint, since consecutive allocations are close);
// lifetimes through a hash map of the live allocations only.
#include "workloads/trace_stats.h"

#include <algorithm>

namespace pagesim {

namespace {

constexpr std::int64_t kDefaultRateInterval = 1000000; // 1 ms

std::string zone_row_name(const Layout& layout, unsigned zone_idx) {
    if (zone_idx < layout.zone_types.size())
        return std::string(zone_name(layout.zone_types[zone_idx]));
    return "zone" + std::to_string(zone_idx);
}

} // namespace

std::uint64_t TraceStats::kmem_events() const {
    std::uint64_t n = 0;
    for (std::uint64_t c : events) n += c;
    return n;
}

TraceStatsBuilder::TraceStatsBuilder(const TraceStatsOptions& options) {
    stats_.rate_interval_ns =
        options.rate_interval_ns > 0 ? options.rate_interval_ns : kDefaultRateInterval;
    const Layout* layout = options.layout;
    stats_.has_layout = layout != nullptr;
    if (layout) pageblock_order_ = layout->kconfig.pageblock_order;
    if (!layout) {
        stats_.zones.push_back({"unknown", -1, 0, 0, {}});
        stats_.controllers.push_back({"unknown", -1, 0, 0, {}});
        return;
    }
    // One zone row per (node, zone index) of the membership, in that order.
    std::vector<std::pair<int, unsigned>> keys;
    for (const ZoneMembership& m : layout->membership) keys.emplace_back(m.nid, m.zone_idx);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& [nid, zi] : keys)
        stats_.zones.push_back({zone_row_name(*layout, zi), nid, 0, 0, {}});
    for (const ZoneMembership& m : layout->membership) {
        if (m.range.size() == 0) continue;
        const auto row = static_cast<std::size_t>(
            std::lower_bound(keys.begin(), keys.end(), std::make_pair(m.nid, m.zone_idx)) -
            keys.begin());
        zone_spans_.push_back({m.range.start, m.range.end, row});
    }
    for (std::size_t c = 0; c < layout->controllers.size(); ++c) {
        stats_.controllers.push_back({layout->controllers[c].name, -1, 0, 0, {}});
        for (const PfnRange& r : layout->controllers[c].ranges)
            if (r.size() > 0) controller_spans_.push_back({r.start, r.end, c});
    }
    // Sorted by start. Ranges are expected not to overlap (a page is in one zone).
    auto by_start = [](const Span& a, const Span& b) { return a.start < b.start; };
    std::stable_sort(zone_spans_.begin(), zone_spans_.end(), by_start);
    std::stable_sort(controller_spans_.begin(), controller_spans_.end(), by_start);
}

std::size_t TraceStatsBuilder::lookup(const std::vector<Span>& spans, std::size_t& hint,
                                      Pfn pfn) const {
    if (hint < spans.size() && pfn >= spans[hint].start && pfn < spans[hint].end)
        return spans[hint].row;
    auto it = std::upper_bound(spans.begin(), spans.end(), pfn,
                               [](Pfn p, const Span& s) { return p < s.start; });
    if (it == spans.begin()) return SIZE_MAX;
    --it;
    if (pfn >= it->end) return SIZE_MAX;
    hint = static_cast<std::size_t>(it - spans.begin());
    return it->row;
}

std::size_t TraceStatsBuilder::outside_row(std::vector<PlacementRow>& rows, std::size_t& idx,
                                           const char* name) {
    if (idx == SIZE_MAX) {
        idx = rows.size();
        rows.push_back({name, -1, 0, 0, {}});
    }
    return idx;
}

void TraceStatsBuilder::add(const TraceEvent& ev) {
    if (!seen_event_) {
        seen_event_ = true;
        stats_.first_ts_ns = ev.ts_ns;
        stats_.rate_start_ns = ev.ts_ns;
    }
    stats_.last_ts_ns = ev.ts_ns;
    ++stats_.events[static_cast<std::size_t>(ev.type)];
    if (ev.cpu >= stats_.events_by_cpu.size()) stats_.events_by_cpu.resize(ev.cpu + std::size_t{1});
    ++stats_.events_by_cpu[ev.cpu];
    switch (ev.type) {
    case TraceEventType::PageAlloc:
        add_alloc(ev);
        break;
    case TraceEventType::PageFree:
        add_free(ev);
        break;
    case TraceEventType::PageAllocExtfrag: {
        ExtfragStats& x = stats_.extfrag;
        ++x.events;
        // Traces that do not print pageblock_order: the layout's (or x86's 9).
        const unsigned pb =
            ev.pageblock_order != kUnknownPageblockOrder ? ev.pageblock_order : pageblock_order_;
        if (ev.fallback_order < pb) ++x.fragmenting;
        if (ev.change_ownership) ++x.change_ownership;
        ++x.by_types[ev.migratetype % kMigrateTypes][ev.fallback_migratetype % kMigrateTypes];
        ++x.by_fallback_order[ev.fallback_order % kMaxOrderLimit];
        break;
    }
    default:
        break; // counted only
    }
    add_rate(ev);
}

void TraceStatsBuilder::add_alloc(const TraceEvent& ev) {
    const unsigned order = ev.order % kMaxOrderLimit;
    if (auto it = gfp_counts_.find(ev.gfp); it != gfp_counts_.end()) {
        ++it->second;
    } else if (gfp_counts_.size() < TraceStats::kMaxGfpKinds) {
        gfp_counts_.emplace(ev.gfp, 1);
    } else {
        ++stats_.gfp_overflow;
    }
    if (ev.failed()) {
        ++stats_.failed_allocs;
        ++stats_.failed_by_order[order];
        return;
    }
    const Pfn pages = Pfn{1} << order;
    const unsigned mt = ev.migratetype % kMigrateTypes;
    ++stats_.allocs;
    stats_.alloc_pages += pages;
    ++stats_.allocs_by_order[order];
    ++stats_.allocs_by_mt[mt];
    stats_.pages_by_mt[mt] += pages;

    // Placement by the block's first pfn.
    std::size_t z = 0; // without a layout: the "unknown" rows
    std::size_t c = 0;
    if (stats_.has_layout) {
        z = lookup(zone_spans_, zone_hint_, ev.pfn);
        if (z == SIZE_MAX) z = outside_row(stats_.zones, zone_outside_, "outside");
        c = lookup(controller_spans_, controller_hint_, ev.pfn);
        if (c == SIZE_MAX) c = outside_row(stats_.controllers, controller_outside_, "none");
    }
    for (PlacementRow* row : {&stats_.zones[z], &stats_.controllers[c]}) {
        ++row->allocs;
        row->pages += pages;
        row->pages_by_mt[mt] += pages;
    }

    const Live fresh{ev.ts_ns, static_cast<std::uint8_t>(order), 0};
    auto [it, inserted] = live_.try_emplace(ev.pfn, fresh);
    if (!inserted) {
        ++stats_.lifetimes.realloc_without_free;
        it->second = fresh;
    }
}

// Models nothing in the kernel: the bookkeeping of who freed what. Blocks are naturally
// aligned, so a block containing pfn starts at pfn rounded down to its own order.
void TraceStatsBuilder::add_free(const TraceEvent& ev) {
    LifetimeStats& lt = stats_.lifetimes;
    const unsigned order = ev.order % kMaxOrderLimit;
    const Pfn pages = Pfn{1} << order;
    ++stats_.frees;
    stats_.free_pages += pages;
    ++stats_.frees_by_order[order];

    auto partial = [&](std::unordered_map<Pfn, Live>::iterator it) {
        ++lt.partial_frees;
        it->second.freed_pages += pages;
        if (it->second.freed_pages >= (Pfn{1} << it->second.order)) {
            ++lt.split_completed;
            live_.erase(it);
        }
    };
    if (auto it = live_.find(ev.pfn); it != live_.end()) {
        const Live& a = it->second;
        if (a.order == order && a.freed_pages == 0) {
            ++lt.matched;
            const std::int64_t life = std::max<std::int64_t>(0, ev.ts_ns - a.ts_ns);
            lt.all.add(life);
            lt.by_order[order].add(life);
            live_.erase(it);
        } else if (a.order > order) {
            partial(it);
        } else {
            ++lt.order_mismatch;
            live_.erase(it);
        }
        return;
    }
    if (auto it = find_enclosing_block(live_, ev.pfn, order); it != live_.end()) {
        partial(it);
        return;
    }
    ++lt.pre_capture_frees;
    lt.pre_capture_pages += pages;
    ++lt.pre_capture_by_order[order];
}

void TraceStatsBuilder::add_rate(const TraceEvent& ev) {
    std::vector<RateBin>& bins = stats_.rate;
    const std::int64_t since = std::max<std::int64_t>(0, ev.ts_ns - stats_.rate_start_ns);
    auto idx = static_cast<std::size_t>(since / stats_.rate_interval_ns);
    while (idx >= TraceStats::kMaxRateBins) {
        // Too long a capture for this width: merge pairs of bins, double the width.
        std::vector<RateBin> merged((bins.size() + 1) / 2);
        for (std::size_t i = 0; i < bins.size(); ++i) {
            RateBin& m = merged[i / 2];
            for (std::size_t t = 0; t < kTraceEventTypes; ++t) m.events[t] += bins[i].events[t];
            m.alloc_pages += bins[i].alloc_pages;
            m.free_pages += bins[i].free_pages;
        }
        bins = std::move(merged);
        stats_.rate_interval_ns *= 2;
        idx = static_cast<std::size_t>(since / stats_.rate_interval_ns);
    }
    if (idx >= bins.size()) bins.resize(idx + 1);
    RateBin& b = bins[idx];
    ++b.events[static_cast<std::size_t>(ev.type)];
    if (ev.type == TraceEventType::PageAlloc && !ev.failed()) b.alloc_pages += ev.nr_pages();
    if (ev.type == TraceEventType::PageFree) b.free_pages += ev.nr_pages();
}

TraceStats TraceStatsBuilder::finish() {
    LifetimeStats& lt = stats_.lifetimes;
    for (const auto& [pfn, a] : live_) {
        ++lt.live_at_end;
        lt.live_pages_at_end += (Pfn{1} << a.order) - a.freed_pages;
        ++lt.live_by_order[a.order];
    }
    live_.clear();
    stats_.allocs_by_gfp.assign(gfp_counts_.begin(), gfp_counts_.end());
    std::sort(stats_.allocs_by_gfp.begin(), stats_.allocs_by_gfp.end(),
              [](const auto& a, const auto& b) {
                  return a.second != b.second ? a.second > b.second : a.first < b.first;
              });
    gfp_counts_.clear();
    return std::move(stats_);
}

namespace {
TraceStats stats_of(FtraceReader& reader, const TraceStatsOptions& options) {
    TraceStatsBuilder builder(options);
    TraceEvent ev;
    while (reader.next(ev)) builder.add(ev);
    TraceStats stats = builder.finish();
    stats.parse = reader.summary();
    return stats;
}

} // namespace

TraceStats trace_stats_from_file(const std::filesystem::path& path,
                                 const FtraceParseOptions& parse_options,
                                 const TraceStatsOptions& options) {
    FtraceReader reader(path, parse_options);
    return stats_of(reader, options);
}

TraceStats trace_stats_from_stream(std::istream& in, const std::string& source,
                                   const FtraceParseOptions& parse_options,
                                   const TraceStatsOptions& options) {
    FtraceReader reader(in, source, parse_options);
    return stats_of(reader, options);
}

} // namespace pagesim
