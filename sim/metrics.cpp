// SPDX-License-Identifier: GPL-2.0-only
// compute_metrics(): bandwidth from the fluid model, residency and pressure from the
// sampler, failures and fallbacks from the run's counters, fragmentation and capacity from
// the allocator's end state.
#include "sim/metrics.h"

#include "allocator/proc_fs.h"
#include "sim/simulator.h"

#include <algorithm>
#include <limits>

namespace pagesim {

namespace {
constexpr double kMiB = 1024.0 * 1024.0;

std::string zone_label(const Zone& z) {
    std::string s = "node";
    s += std::to_string(z.nid);
    s += '.';
    s += zone_name(z.type);
    return s;
}
} // namespace

const Metric* RunMetrics::find(const std::string& name) const {
    for (const Metric& m : scalars)
        if (m.name == name) return &m;
    return nullptr;
}

RunMetrics compute_metrics(const Simulator& sim) {
    RunMetrics rm;
    auto add = [&](std::string name, std::string unit, double value, int better) {
        rm.scalars.push_back({std::move(name), std::move(unit), value, better});
    };
    const PageAllocator& pa = sim.allocator();
    const RunStats& st = sim.stats();
    const Layout& layout = sim.layout();
    const double page_mib = static_cast<double>(layout.kconfig.page_size()) / kMiB;
    const auto& ctrls = layout.controllers;

    // ---- Phase and process wall times --------------------------------------------------
    SimTime first = std::numeric_limits<SimTime>::max(), last = 0, sum = 0, longest = 0;
    std::size_t done = 0;
    for (const FlowRecord& f : st.flows) {
        if (f.end < 0) continue;
        first = std::min(first, f.start);
        last = std::max(last, f.end);
        sum += f.end - f.start;
        longest = std::max(longest, f.end - f.start);
        ++done;
    }
    if (done) {
        add("bandwidth.wall_s", "s", static_cast<double>(last - first) * 1e-9, -1);
        add("bandwidth.phase_s.mean", "s",
            static_cast<double>(sum) * 1e-9 / static_cast<double>(done), -1);
        add("bandwidth.phase_s.max", "s", static_cast<double>(longest) * 1e-9, -1);
    }
    add("bandwidth.phases_unfinished", "", static_cast<double>(st.flows.size() - done), -1);
    SimTime exit_last = -1;
    bool all_exited = !sim.processes().empty();
    for (const Process& p : sim.processes()) {
        if (p.exited_at < 0) all_exited = false;
        exit_last = std::max(exit_last, p.exited_at);
    }
    if (all_exited) add("processes.wall_s", "s", static_cast<double>(exit_last) * 1e-9, -1);

    // ---- Per-controller bandwidth --------------------------------------------------------
    if (const BandwidthModel* bw = sim.bandwidth()) {
        const auto summary = bw->summary();
        const auto totals = bw->totals();
        for (std::size_t c = 0; c < summary.size() && c < ctrls.size(); ++c) {
            const std::string base = "bandwidth." + ctrls[c].name + ".";
            const double busy = static_cast<double>(totals[c].busy_ns) * 1e-9;
            add(base + "share_user", "%", summary[c].share.user * 100, 0);
            add(base + "share", "%", summary[c].share_total * 100, 0);
            add(base + "moved_GB", "GB", totals[c].delivered_bytes.total() * 1e-9, 0);
            add(base + "delivered_busy_GBps", "GB/s",
                busy > 0 ? totals[c].delivered_bytes.total() * 1e-9 / busy : 0, +1);
            add(base + "efficiency", "%", summary[c].efficiency_total * 100, +1);
            add(base + "idle_s", "s", static_cast<double>(totals[c].idle_ns) * 1e-9, -1);
            add(base + "saturated_s", "s", static_cast<double>(totals[c].saturated_ns) * 1e-9, 0);
        }
    }

    // ---- Residency per controller (peak over the samples) --------------------------------
    for (std::size_t c = 0; c < ctrls.size(); ++c) {
        std::uint64_t user = 0, kernel = 0;
        for (const Sample& s : st.samples) {
            user = std::max(user, s.ctrl_user[c]);
            kernel = std::max(kernel, s.ctrl_kernel[c]);
        }
        add("resident." + ctrls[c].name + ".user_peak_MiB", "MiB",
            static_cast<double>(user) * page_mib, 0);
        add("resident." + ctrls[c].name + ".kernel_peak_MiB", "MiB",
            static_cast<double>(kernel) * page_mib, 0);
    }

    // ---- Unmovable pressure -----------------------------------------------------------------
    if (!st.samples.empty()) {
        std::int64_t min_above = std::numeric_limits<std::int64_t>::max();
        SimTime below_low = 0, below_min = 0;
        for (std::size_t i = 0; i < st.samples.size(); ++i) {
            const Sample& s = st.samples[i];
            min_above = std::min(min_above, s.kernel_free - s.kernel_min);
            const SimTime dt =
                (i + 1 < st.samples.size() ? st.samples[i + 1].t : sim.end_time()) - s.t;
            if (s.kernel_free < s.kernel_low) below_low += dt;
            if (s.kernel_free < s.kernel_min) below_min += dt;
        }
        add("pressure.kernel_free_above_min_MiB.min", "MiB",
            static_cast<double>(min_above) * page_mib, +1);
        add("pressure.time_below_low_s", "s", static_cast<double>(below_low) * 1e-9, -1);
        add("pressure.time_below_min_s", "s", static_cast<double>(below_min) * 1e-9, -1);
    }
    // How much more a GFP_KERNEL order-0 request could get now (the fast path's check).
    {
        const unsigned normal = static_cast<unsigned>(layout.zone_index(ZONE_NORMAL));
        std::int64_t capacity = 0;
        for (const Zone* z : pa.zones()) {
            if (!z->populated() || z->zone_idx > normal) continue;
            const std::int64_t usable = z->free_pages() - z->lowmem_reserve[normal] -
                                        static_cast<std::int64_t>(z->nr_reserved_highatomic) -
                                        z->free_cma_pages() -
                                        static_cast<std::int64_t>(z->wmark_pages(WMARK_MIN));
            capacity += std::max<std::int64_t>(0, usable);
        }
        add("pressure.unmovable_capacity_MiB", "MiB", static_cast<double>(capacity) * page_mib, +1);
    }
    std::uint64_t fail_unmovable = 0, fail_movable = 0, fail_high = 0;
    for (unsigned mt = 0; mt < kMigrateTypes; ++mt)
        for (unsigned o = 0; o < kMaxOrderLimit; ++o) {
            const std::uint64_t n = st.failures[mt][o];
            (mt == MIGRATE_MOVABLE ? fail_movable : fail_unmovable) += n;
            if (o > PAGE_ALLOC_COSTLY_ORDER) fail_high += n;
        }
    add("pressure.failures_unmovable", "", static_cast<double>(fail_unmovable), -1);
    add("pressure.failures_movable", "", static_cast<double>(fail_movable), -1);
    add("pressure.failures_costly_order", "", static_cast<double>(fail_high), -1);
    const AllocatorStats& as = pa.stats();
    add("pressure.fallbacks", "", static_cast<double>(as.extfrag_events), -1);
    add("pressure.fallbacks_fragmenting", "", static_cast<double>(as.extfrag_fragmenting), -1);
    std::uint64_t claimed = 0;
    for (auto n : as.pageblocks_claimed) claimed += n;
    add("pressure.pageblocks_claimed", "", static_cast<double>(claimed), -1);
    const VmEvents& ev = pa.events();
    std::uint64_t allocstall = 0;
    for (unsigned z = 0; z < kZoneTypes; ++z) allocstall += ev[unsigned{ALLOCSTALL_DMA} + z];
    add("pressure.kswapd_wakeups", "", static_cast<double>(ev[PAGEOUTRUN] + pa.boosted_wakeups()),
        -1);
    add("pressure.direct_reclaim_stalls", "", static_cast<double>(allocstall), -1);
    add("pressure.compaction_stalls", "", static_cast<double>(ev[COMPACTSTALL]), -1);
    add("pressure.oom_kills", "", static_cast<double>(ev[OOM_KILL]), -1);
    add("pressure.slowpath_ms", "ms", static_cast<double>(st.slowpath_ns) * 1e-6, -1);
    add("pressure.pages_reclaimed", "",
        static_cast<double>(ev[PGSTEAL_KSWAPD] + ev[PGSTEAL_DIRECT]), -1);

    // Driver claims (alloc_contig_range / cma_alloc): how long they waited, what they moved.
    if (!st.claims.empty()) {
        SimTime total = 0, worst = 0;
        std::uint64_t failed = 0, migrated = 0;
        for (const ClaimRecord& c : st.claims) {
            total += c.latency_ns;
            worst = std::max(worst, c.latency_ns);
            failed += !c.ok;
            migrated += c.pages_migrated;
        }
        add("claims.latency_ms.mean", "ms",
            static_cast<double>(total) * 1e-6 / static_cast<double>(st.claims.size()), -1);
        add("claims.latency_ms.max", "ms", static_cast<double>(worst) * 1e-6, -1);
        add("claims.failed", "", static_cast<double>(failed), -1);
        add("claims.pages_migrated", "", static_cast<double>(migrated), -1);
    }

    // Mixed pageblocks: a MOVABLE pageblock holding unmovable allocations, or another type
    // holding movable ones (page_owner's "Number of mixed blocks").
    {
        const PageMap& map = pa.page_map();
        std::uint64_t mixed = 0;
        const auto n = static_cast<PageIdx>(map.nr_pages());
        const auto pb = static_cast<PageIdx>(pa.pageblock_nr_pages());
        for (PageIdx b = 0; b < n; b += pb) {
            const MigrateType t = map.get_pageblock_migratetype(b);
            bool is_mixed = false;
            for (PageIdx p = b; p < b + pb && !is_mixed;) {
                const PageInfo& pi = map.info(p);
                if (pi.flags & PG_head) {
                    const bool movable = pi.flags & PG_lru;
                    is_mixed = (t == MIGRATE_MOVABLE) != movable && t != MIGRATE_CMA;
                    p += PageIdx{1} << pi.order;
                } else if (pi.flags & (PG_buddy | PG_pcp)) {
                    p += PageIdx{1} << pi.order;
                } else {
                    ++p;
                }
            }
            mixed += is_mixed;
        }
        add("pressure.mixed_pageblocks", "", static_cast<double>(mixed), -1);
    }

    // ---- Fragmentation and THP -------------------------------------------------------------
    for (const Zone* z : pa.zones()) {
        if (!z->populated()) continue;
        add("frag." + zone_label(*z) + ".unusable_o9", "",
            unusable_free_index(pa, *z, pa.pageblock_order()) / 1000.0, -1);
    }
    const std::uint64_t thp_tries = st.thp_fault_alloc + st.thp_fault_fallback;
    if (thp_tries)
        add("thp.success", "%",
            100.0 * static_cast<double>(st.thp_fault_alloc) / static_cast<double>(thp_tries), +1);

    // ---- End state for the plots: free blocks by order per zone and per controller -------
    const PageMap& map = pa.page_map();
    std::vector<FreeHistogram> per_ctrl(ctrls.size());
    for (std::size_t c = 0; c < ctrls.size(); ++c) {
        per_ctrl[c].label = ctrls[c].name;
        per_ctrl[c].blocks.assign(pa.max_order(), 0);
    }
    for (const Zone* z : pa.zones()) {
        if (!z->populated()) continue;
        FreeHistogram h;
        h.label = zone_label(*z);
        for (unsigned o = 0; o < pa.max_order(); ++o) {
            h.blocks.push_back(z->free_area[o].nr_free);
            for (const PageList& l : z->free_area[o].free_list)
                l.for_each([&](PageIdx p) {
                    const std::uint8_t c = map.controller(p);
                    if (c < per_ctrl.size()) per_ctrl[c].blocks[o]++;
                });
        }
        rm.zone_free.push_back(std::move(h));
    }
    rm.controller_free = std::move(per_ctrl);
    return rm;
}

} // namespace pagesim
