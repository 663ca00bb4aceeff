// SPDX-License-Identifier: GPL-2.0-only
// PlacementCounts of runs and captures. A capture's pfns are placed through sorted spans
// of the layout's zone membership and controller ranges (binary search with a last-hit
// hint: consecutive allocations are close), the zone ids numbered as the allocator does.
#include "sim/capture_placement.h"

#include "sim/simulator.h"

#include <algorithm>

namespace pagesim {

std::uint64_t placement_pages(const OrderCounts& counts) {
    std::uint64_t n = 0;
    for (std::size_t o = 0; o < counts.size(); ++o) n += counts[o] << o;
    return n;
}

PlacementCounts make_placement_counts(const Layout& layout) {
    PlacementCounts p;
    p.zone_allocs.assign(layout.nodes.size() * layout.nr_zones(), TypeOrderCounts{});
    const std::size_t nctrl = layout.controllers.size() + 1;
    p.controller_allocs.assign(nctrl, TypeOrderCounts{});
    p.ctrl_user_pages.assign(nctrl, 0);
    p.ctrl_kernel_pages.assign(nctrl, 0);
    return p;
}

PlacementCounts run_placement(const Simulator& sim) {
    const RunStats& st = sim.stats();
    const AllocatorStats& as = sim.allocator().stats();
    PlacementCounts p;
    p.zone_allocs = st.zone_allocs;
    p.controller_allocs = st.controller_allocs;
    p.failures = st.failures;
    p.allocs = st.allocs;
    p.nr_failures = st.nr_failures;
    p.frees = st.frees;
    p.ctrl_user_pages = st.ctrl_user_pages;
    p.ctrl_kernel_pages = st.ctrl_kernel_pages;
    p.extfrag_events = as.extfrag_events;
    p.extfrag_fragmenting = as.extfrag_fragmenting;
    p.pageblocks_claimed = as.pageblocks_claimed;
    p.span_ns = sim.end_time();
    p.kmem_events = st.events;
    return p;
}

CapturePlacementBuilder::CapturePlacementBuilder(const Layout& layout)
    : counts_(make_placement_counts(layout)), pageblock_order_(layout.kconfig.pageblock_order) {
    for (const ZoneMembership& m : layout.membership) {
        if (m.range.size() == 0) continue;
        const auto id = static_cast<std::uint32_t>(
            static_cast<unsigned>(m.nid) * layout.nr_zones() + m.zone_idx);
        zones_.push_back({m.range.start, m.range.end, id});
    }
    for (std::size_t c = 0; c < layout.controllers.size(); ++c) {
        for (const PfnRange& r : layout.controllers[c].ranges) {
            if (r.size() > 0)
                controllers_.push_back({r.start, r.end, static_cast<std::uint32_t>(c)});
        }
    }
    no_controller_ = static_cast<std::uint32_t>(layout.controllers.size());
    auto by_start = [](const Span& a, const Span& b) { return a.start < b.start; };
    std::stable_sort(zones_.begin(), zones_.end(), by_start);
    std::stable_sort(controllers_.begin(), controllers_.end(), by_start);
}

std::uint32_t CapturePlacementBuilder::lookup(const std::vector<Span>& spans, std::size_t& hint,
                                              Pfn pfn) {
    if (hint < spans.size() && pfn >= spans[hint].start && pfn < spans[hint].end)
        return spans[hint].index;
    auto it = std::upper_bound(spans.begin(), spans.end(), pfn,
                               [](Pfn p, const Span& s) { return p < s.start; });
    if (it == spans.begin()) return UINT32_MAX;
    --it;
    if (pfn >= it->end) return UINT32_MAX;
    hint = static_cast<std::size_t>(it - spans.begin());
    return it->index;
}

void CapturePlacementBuilder::captured_alloc(const TraceEvent& ev) {
    const unsigned order = ev.order % kMaxOrderLimit;
    const MigrateType mt = gfp_migratetype(ev.gfp);
    if (ev.failed()) {
        ++counts_.failures[mt][order];
        ++counts_.nr_failures;
        return;
    }
    ++counts_.allocs;
    const std::uint32_t z = lookup(zones_, zone_hint_, ev.pfn);
    (z == UINT32_MAX ? counts_.outside : counts_.zone_allocs[z])[mt][order]++;
    std::uint32_t c = lookup(controllers_, controller_hint_, ev.pfn);
    if (c == UINT32_MAX) c = no_controller_;
    counts_.controller_allocs[c][mt][order]++;
    (mt == MIGRATE_MOVABLE ? counts_.ctrl_user_pages : counts_.ctrl_kernel_pages)[c] += Pfn{1}
                                                                                        << order;
}

void CapturePlacementBuilder::captured_block_freed(Pfn pfn, unsigned order, MigrateType mt) {
    ++counts_.frees;
    std::uint32_t c = lookup(controllers_, controller_hint_, pfn);
    if (c == UINT32_MAX) c = no_controller_;
    auto& resident = mt == MIGRATE_MOVABLE ? counts_.ctrl_user_pages : counts_.ctrl_kernel_pages;
    resident[c] -= std::min<std::uint64_t>(resident[c], Pfn{1} << order);
}

void CapturePlacementBuilder::captured_free(const TraceEvent& /*ev*/) {}

void CapturePlacementBuilder::captured_extfrag(const TraceEvent& ev) {
    ++counts_.extfrag_events;
    const unsigned pb =
        ev.pageblock_order != kUnknownPageblockOrder ? ev.pageblock_order : pageblock_order_;
    if (ev.fallback_order < pb) ++counts_.extfrag_fragmenting;
    // The allocator counts pageblocks, not events: a fallback of pageblock order or more
    // claims every pageblock of the block (change_pageblock_range), a smaller one at most
    // its own pageblock.
    if (ev.change_ownership) {
        counts_.pageblocks_claimed[ev.migratetype % kMigrateTypes] +=
            ev.fallback_order >= pb ? std::uint64_t{1} << (ev.fallback_order - pb) : 1;
    }
}

PlacementCounts CapturePlacementBuilder::result(const TraceReplayCounts& counts) const {
    PlacementCounts p = counts_;
    p.span_ns = counts.last_ts_ns - counts.first_ts_ns;
    p.kmem_events = counts.kmem_events;
    return p;
}

PlacementCounts capture_placement(const std::filesystem::path& trace, const Layout& layout,
                                  const FtraceParseOptions& parse) {
    TraceReplayOptions o;
    o.parse = parse;
    o.ncpus = std::max(1u, layout.ncpus);
    TraceReplay replay(trace, o);
    CapturePlacementBuilder builder(layout);
    replay.set_observer(&builder);
    GenEvent ev;
    while (replay.next(ev)) {}
    return builder.result(replay.counts());
}

nlohmann::json capture_baseline_json(const PlacementCounts& p, const Layout& layout,
                                     const std::string& name) {
    using nlohmann::json;
    std::vector<MigrateType> types{MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE,
                                   MIGRATE_HIGHATOMIC};
    if (layout.kconfig.cma) types.push_back(MIGRATE_CMA);
    const unsigned max_order = layout.kconfig.max_order;
    auto by_type = [&](const TypeOrderCounts& c) {
        json t = json::object();
        for (MigrateType mt : types) {
            json orders = json::array();
            for (unsigned o = 0; o < max_order && o < kMaxOrderLimit; ++o)
                orders.push_back(c[mt][o]);
            t[std::string(migratetype_name(mt))] = {{"pages", placement_pages(c[mt])},
                                                    {"blocks_by_order", orders}};
        }
        return t;
    };
    json j;
    j["scenario"] = name;
    j["seed"] = nullptr;
    j["simulated_ns"] = p.span_ns;
    j["events"] = p.kmem_events;
    j["allocs"] = p.allocs;
    j["failures"] = p.nr_failures;
    j["frees"] = p.frees;
    json zones = json::array();
    for (const NodeLayout& n : layout.nodes) {
        for (unsigned zi = 0; zi < n.zones.size(); ++zi) {
            if (n.zones[zi].present == 0) continue;
            const std::size_t id = static_cast<std::size_t>(n.nid) * layout.nr_zones() + zi;
            zones.push_back({{"node", n.nid},
                             {"zone", std::string(zone_name(n.zones[zi].type))},
                             {"managed", layout.managed_pages(n.nid, zi)},
                             {"free", nullptr},
                             {"allocated", by_type(p.zone_allocs.at(id))}});
        }
    }
    std::uint64_t outside = 0;
    for (const OrderCounts& c : p.outside) outside += placement_pages(c);
    if (outside) {
        zones.push_back({{"node", nullptr},
                         {"zone", "outside"},
                         {"managed", nullptr},
                         {"free", nullptr},
                         {"allocated", by_type(p.outside)}});
    }
    j["zones"] = zones;
    json ctrls = json::array();
    for (std::size_t c = 0; c < p.controller_allocs.size(); ++c) {
        ctrls.push_back({{"controller", c < layout.controllers.size() ? layout.controllers[c].name
                                                                      : std::string("(none)")},
                         {"allocated", by_type(p.controller_allocs[c])},
                         {"resident_user_pages", p.ctrl_user_pages[c]},
                         {"resident_kernel_pages", p.ctrl_kernel_pages[c]}});
    }
    j["controllers"] = ctrls;
    j["failures_by_type"] = by_type(p.failures);
    j["fallbacks"] = {{"extfrag_events", p.extfrag_events},
                      {"fragmenting", p.extfrag_fragmenting},
                      {"pageblocks_claimed_unmovable", p.pageblocks_claimed[MIGRATE_UNMOVABLE]},
                      {"pageblocks_claimed_movable", p.pageblocks_claimed[MIGRATE_MOVABLE]},
                      {"pageblocks_claimed_reclaimable", p.pageblocks_claimed[MIGRATE_RECLAIMABLE]},
                      {"highatomic_reserved", nullptr}};
    j["thp"] = {{"fault_alloc", nullptr}, {"fault_fallback", nullptr}};
    j["page_table_pages"] = nullptr;
    j["pins"] = {{"pinned", nullptr}, {"migrated", nullptr}, {"failed", nullptr}};
    j["alloc_time_ns"] = nullptr;
    j["slowpath"] = nullptr; // reclaim and compaction are not in a kmem capture
    return j;
}

} // namespace pagesim
