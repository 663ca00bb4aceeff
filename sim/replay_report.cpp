// SPDX-License-Identifier: GPL-2.0-only
// The capture-vs-replay report. Rows appear only where either side has something, so the
// table stays short on machines with many zones and controllers.
#include "sim/replay_report.h"

#include "sim/capture_placement.h"
#include "sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

namespace pagesim {

namespace {

std::string delta(std::uint64_t capture, std::uint64_t replay) {
    const auto d = static_cast<long long>(replay) - static_cast<long long>(capture);
    return d == 0 ? std::string("=") : fmt::format("{:+}", d);
}

std::string row(const std::string& label, std::uint64_t capture, std::uint64_t replay) {
    return fmt::format("  {:<34} {:>12} {:>12} {:>10}\n", label, capture, replay,
                       delta(capture, replay));
}

std::string header(const std::string& title) {
    return fmt::format("{:<36} {:>12} {:>12} {:>10}\n", title, "capture", "replay", "delta");
}

nlohmann::json counts_json(const TraceReplayCounts& c) {
    return {{"kmem_events", c.kmem_events},
            {"allocs", c.allocs},
            {"failed_allocs", c.failed_allocs},
            {"frees", c.frees},
            {"matched_frees", c.matched_frees},
            {"pre_capture_frees", c.pre_capture_frees},
            {"pre_capture_pages", c.pre_capture_pages},
            {"partial_frees", c.partial_frees},
            {"split_completed", c.split_completed},
            {"order_mismatch", c.order_mismatch},
            {"implied_frees", c.implied_frees},
            {"free_batched_ignored", c.free_batched_ignored},
            {"not_requests", c.not_requests},
            {"extfrag", c.extfrag},
            {"cpus_folded", c.cpus_folded},
            {"time_regressions", c.time_regressions},
            {"live_at_end", c.live_at_end},
            {"first_ts_ns", c.first_ts_ns},
            {"last_ts_ns", c.last_ts_ns},
            {"replay_failed", c.replay_failed},
            {"replay_recovered", c.replay_recovered},
            {"frees_skipped", c.frees_skipped}};
}

} // namespace

std::string replay_comparison_table(const Simulator& sim) {
    const TraceReplay* r = sim.trace_replay();
    if (!r || !sim.capture_placement()) return {};
    const TraceReplayCounts& c = r->counts();
    const PageAllocator& pa = sim.allocator();
    const PlacementCounts cap = sim.capture_placement()->result(c);
    const PlacementCounts run = run_placement(sim);
    const auto types = pa.allocatable_migratetypes();
    std::string s;
    s += fmt::format("\nTrace replay of {}{}\n", r->source(),
                     r->ended() ? "" : " (the run ended before the capture did)");
    s += fmt::format("  captured: {} mm_page_alloc ({} failed), {} mm_page_free ({} matched, {} "
                     "of pages allocated before the capture, {} partial, {} order mismatch), {} "
                     "implied frees, {} mm_page_free_batched ignored, {} live at the end\n",
                     c.allocs, c.failed_allocs, c.frees, c.matched_frees, c.pre_capture_frees,
                     c.partial_frees, c.order_mismatch, c.implied_frees, c.free_batched_ignored,
                     r->ended() ? c.live_at_end : r->live());
    s += fmt::format("  replayed: {} failed where the capture succeeded, {} succeeded where it "
                     "failed (freed at once), {} frees skipped\n",
                     c.replay_failed, c.replay_recovered, c.frees_skipped);
    if (c.cpus_folded)
        s += fmt::format("  {} requests ran on CPU modulo {}\n", c.cpus_folded, pa.ncpus());
    s += "  (the replay column is the whole run: other workload parts add to it)\n\n";

    // Zones by (node, kernel zone index): the capture's layout may differ from the run's
    // (it was taken without the ZONE_MOVABLE being evaluated, say), so rows are the union.
    s += header("Pages allocated by zone");
    const Layout& cl = sim.capture_layout();
    std::map<std::pair<int, unsigned>, std::pair<const TypeOrderCounts*, const TypeOrderCounts*>>
        zones;
    for (const Zone* z : pa.zones()) zones[{z->nid, z->zone_idx}].second = &run.zone_allocs[z->id];
    for (const NodeLayout& n : cl.nodes) {
        for (unsigned zi = 0; zi < n.zones.size(); ++zi) {
            const std::size_t id = static_cast<std::size_t>(n.nid) * cl.nr_zones() + zi;
            if (id < cap.zone_allocs.size()) zones[{n.nid, zi}].first = &cap.zone_allocs[id];
        }
    }
    for (const auto& [key, rows] : zones) {
        const ZoneType type =
            key.second < cl.zone_types.size() ? cl.zone_types[key.second] : ZONE_NORMAL;
        for (MigrateType mt : types) {
            const std::uint64_t a = rows.first ? placement_pages((*rows.first)[mt]) : 0;
            const std::uint64_t b = rows.second ? placement_pages((*rows.second)[mt]) : 0;
            if (a || b) {
                s += row(
                    fmt::format("Node {} {} {}", key.first, zone_name(type), migratetype_name(mt)),
                    a, b);
            }
        }
    }
    for (MigrateType mt : types) {
        const std::uint64_t a = placement_pages(cap.outside[mt]);
        if (a) s += row(fmt::format("outside the layout {}", migratetype_name(mt)), a, 0);
    }
    s += '\n';
    s += header("Pages allocated by controller");
    const auto& ctrls = sim.layout().controllers;
    // Controllers are the machine's: the same rows for both layouts.
    const std::size_t nctrl = std::max(cap.controller_allocs.size(), run.controller_allocs.size());
    auto pages_at = [](const std::vector<TypeOrderCounts>& rows, std::size_t k, MigrateType mt) {
        return k < rows.size() ? placement_pages(rows[k][mt]) : 0;
    };
    for (std::size_t k = 0; k < nctrl; ++k) {
        for (MigrateType mt : types) {
            const std::uint64_t a = pages_at(cap.controller_allocs, k, mt);
            const std::uint64_t b = pages_at(run.controller_allocs, k, mt);
            if (a || b) {
                s += row(fmt::format("{} {}", k < ctrls.size() ? ctrls[k].name : "(none)",
                                     migratetype_name(mt)),
                         a, b);
            }
        }
    }
    s += '\n';
    s += header("Blocks allocated by order");
    for (unsigned o = 0; o < pa.max_order(); ++o) {
        std::uint64_t a = 0, b = 0;
        for (const TypeOrderCounts& z : cap.zone_allocs)
            for (const OrderCounts& k : z) a += k[o];
        for (const OrderCounts& k : cap.outside) a += k[o];
        for (const TypeOrderCounts& z : run.zone_allocs)
            for (const OrderCounts& k : z) b += k[o];
        if (a || b) s += row(fmt::format("order {}", o), a, b);
    }
    s += '\n';
    s += header("Pressure and fallbacks");
    s += row("allocations", cap.allocs, run.allocs);
    s += row("failures", cap.nr_failures, run.nr_failures);
    for (unsigned o = 0; o < pa.max_order(); ++o) {
        std::uint64_t a = 0, b = 0;
        for (MigrateType mt : types) {
            a += cap.failures[mt][o];
            b += run.failures[mt][o];
        }
        if (a || b) s += row(fmt::format("  failures of order {}", o), a, b);
    }
    s += row("fallbacks (extfrag)", cap.extfrag_events, run.extfrag_events);
    s += row("  fragmenting (< pageblock order)", cap.extfrag_fragmenting, run.extfrag_fragmenting);
    for (MigrateType mt : {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE}) {
        const std::uint64_t a = cap.pageblocks_claimed[mt], b = run.pageblocks_claimed[mt];
        if (a || b) s += row(fmt::format("  pageblocks claimed, {}", migratetype_name(mt)), a, b);
    }
    // The replay's free-page low point per zone (the capture has no free counts).
    const auto& samples = sim.stats().samples;
    for (const Zone* z : pa.zones()) {
        if (!z->populated() || samples.empty()) continue;
        std::int64_t lo = std::numeric_limits<std::int64_t>::max();
        for (const Sample& smp : samples)
            if (z->id < smp.zone_free.size()) lo = std::min(lo, smp.zone_free[z->id]);
        s += fmt::format("  {:<34} {:>12} {:>12} {:>10}\n",
                         fmt::format("min free, Node {} {}", z->nid, zone_name(z->type)), "-", lo,
                         fmt::format("low {}", z->watermark[WMARK_LOW]));
    }
    return s;
}

nlohmann::json replay_comparison_json(const Simulator& sim) {
    const TraceReplay* r = sim.trace_replay();
    if (!r || !sim.capture_placement()) return nullptr;
    const FtraceParseSummary& p = r->parse_summary();
    nlohmann::json j;
    j["source"] = r->source();
    j["ended"] = r->ended();
    j["counts"] = counts_json(r->counts());
    j["parse"] = {{"lines", p.lines},
                  {"malformed", p.malformed},
                  {"lost_markers", p.lost_markers},
                  {"lost_events", p.lost_events},
                  {"other_events", p.other_events}};
    j["capture"] = capture_baseline_json(sim.capture_placement()->result(r->counts()),
                                         sim.capture_layout(), "capture:" + r->source());
    return j;
}

std::vector<std::string> replay_warnings(const Simulator& sim) {
    std::vector<std::string> w;
    const TraceReplay* r = sim.trace_replay();
    if (!r) return w;
    const FtraceParseSummary& p = r->parse_summary();
    w = parse_warnings(p, r->source(), kLostFreesPreCapture);
    if (!r->ended()) {
        w.push_back(fmt::format("{}: warning: the run ended at {} ns, before the capture did "
                                "(stopped after line {})",
                                r->source(), sim.end_time(), p.lines));
    }
    return w;
}

} // namespace pagesim
