// SPDX-License-Identifier: GPL-2.0-only
// Summary table, JSON and CSV of a run, and the output directory.
#include "sim/run_report.h"

#include "allocator/proc_fs.h"
#include "sim/atomic_file.h"
#include "sim/simulator.h"
#include "workloads/units.h"

#include <fmt/format.h>

namespace pagesim {

namespace {

std::string zone_label(const Zone& z) {
    return fmt::format("Node {} {}", z.nid, zone_name(z.type));
}

std::uint64_t pages(const OrderCounts& c) {
    std::uint64_t n = 0;
    for (std::size_t o = 0; o < c.size(); ++o) n += c[o] << o;
    return n;
}

std::string controller_label(const Simulator& sim, std::size_t c) {
    const auto& ctrls = sim.layout().controllers;
    return c < ctrls.size() ? ctrls[c].name : std::string("(none)");
}

std::uint64_t allocstalls(const PageAllocator& pa) {
    std::uint64_t n = 0;
    for (unsigned z = 0; z < kZoneTypes; ++z) n += pa.events()[ALLOCSTALL_DMA + z];
    return n;
}

// The slow path's activity, in /proc/vmstat's terms.
std::string slowpath_lines(const Simulator& sim) {
    const PageAllocator& pa = sim.allocator();
    const RunStats& st = sim.stats();
    const VmEvents& ev = pa.events();
    std::string s;
    s += fmt::format("Slow path: {} calls, {} failed; direct reclaim stalls {}, compaction stalls "
                     "{} (success {}, fail {}); OOM kills {}\n",
                     st.slowpath_calls, st.slowpath_failures, allocstalls(pa), ev[COMPACTSTALL],
                     ev[COMPACTSUCCESS], ev[COMPACTFAIL], st.oom_kills);
    s += fmt::format("Reclaim: scanned {} (kswapd {}), stolen {} (kswapd {}); migrated {} (failed "
                     "{}); kswapd busy {}, kcompactd busy {}\n",
                     ev[PGSCAN_KSWAPD] + ev[PGSCAN_DIRECT], ev[PGSCAN_KSWAPD],
                     ev[PGSTEAL_KSWAPD] + ev[PGSTEAL_DIRECT], ev[PGSTEAL_KSWAPD],
                     ev[PGMIGRATE_SUCCESS], ev[PGMIGRATE_FAIL], format_duration(st.kswapd_ns),
                     format_duration(st.kcompactd_ns));
    if (!st.claims.empty()) {
        std::uint64_t ok = 0, migrated = 0;
        SimTime worst = 0, sum = 0;
        for (const ClaimRecord& c : st.claims) {
            ok += c.ok;
            migrated += c.pages_migrated;
            worst = std::max(worst, c.latency_ns);
            sum += c.latency_ns;
        }
        s += fmt::format("Contiguous claims: {} ({} failed), latency mean {} max {}, pages "
                         "migrated {}\n",
                         st.claims.size(), st.claims.size() - ok,
                         format_duration(sum / static_cast<SimTime>(st.claims.size())),
                         format_duration(worst), migrated);
    }
    return s;
}

nlohmann::json slowpath_json(const Simulator& sim) {
    using nlohmann::json;
    const PageAllocator& pa = sim.allocator();
    const RunStats& st = sim.stats();
    const VmEvents& ev = pa.events();
    json claims = json::array();
    for (const ClaimRecord& c : st.claims)
        claims.push_back({{"process", c.process},
                          {"bytes", c.bytes},
                          {"start_ns", c.start},
                          {"latency_ns", c.latency_ns},
                          {"pages_migrated", c.pages_migrated},
                          {"ranges_tried", c.ranges_tried},
                          {"ok", c.ok},
                          {"failure", c.failure}});
    json oom = json::array();
    for (const OomEvent& o : sim.slowpath().oom_log())
        oom.push_back({{"victim", sim.processes()[o.victim].name},
                       {"points", o.points},
                       {"pages_freed", o.pages_freed},
                       {"gfp", gfp_to_string(o.gfp)},
                       {"order", o.order}});
    return {{"calls", st.slowpath_calls},
            {"failures", st.slowpath_failures},
            {"time_ns", st.slowpath_ns},
            {"allocstall", allocstalls(pa)},
            {"pgscan_kswapd", ev[PGSCAN_KSWAPD]},
            {"pgscan_direct", ev[PGSCAN_DIRECT]},
            {"pgsteal_kswapd", ev[PGSTEAL_KSWAPD]},
            {"pgsteal_direct", ev[PGSTEAL_DIRECT]},
            {"compact_stall", ev[COMPACTSTALL]},
            {"compact_success", ev[COMPACTSUCCESS]},
            {"compact_fail", ev[COMPACTFAIL]},
            {"pgmigrate_success", ev[PGMIGRATE_SUCCESS]},
            {"pgmigrate_fail", ev[PGMIGRATE_FAIL]},
            {"kswapd_ns", st.kswapd_ns},
            {"kcompactd_ns", st.kcompactd_ns},
            {"oom_kills", st.oom_kills},
            {"oom_log", oom},
            {"reclaimed_by_owner", st.reclaimed_by_owner},
            {"claims", claims}};
}

} // namespace

std::string run_summary_table(const Simulator& sim) {
    const PageAllocator& pa = sim.allocator();
    const RunStats& st = sim.stats();
    const auto types = pa.allocatable_migratetypes();
    std::string s;
    s += fmt::format("pagesim run: scenario {}, seed {}, {} simulated, {} events\n\n",
                     sim.scenario().name, sim.scenario().seed, format_duration(sim.end_time()),
                     st.events);

    auto header = [&](const char* title) {
        s += fmt::format("{:<24}", title);
        for (MigrateType mt : types) s += fmt::format(" {:>12}", migratetype_name(mt));
        s += '\n';
    };
    header("Allocated pages by zone");
    for (const Zone* z : pa.zones()) {
        if (!z->populated()) continue;
        s += fmt::format("{:<24}", zone_label(*z));
        for (MigrateType mt : types) s += fmt::format(" {:>12}", pages(st.zone_allocs[z->id][mt]));
        s += '\n';
    }
    s += '\n';
    header("Allocated pages by MEMC");
    for (std::size_t c = 0; c < st.controller_allocs.size(); ++c) {
        std::uint64_t any = 0;
        for (MigrateType mt : types) any += pages(st.controller_allocs[c][mt]);
        if (any == 0 && c == st.controller_allocs.size() - 1) continue;
        s += fmt::format("{:<24}", controller_label(sim, c));
        for (MigrateType mt : types)
            s += fmt::format(" {:>12}", pages(st.controller_allocs[c][mt]));
        s += '\n';
    }
    s += '\n';
    s += fmt::format("{:<24} {:>12} {:>12}\n", "Resident pages by MEMC", "user", "kernel");
    for (std::size_t c = 0; c < st.ctrl_user_pages.size(); ++c) {
        if (c == st.ctrl_user_pages.size() - 1 &&
            st.ctrl_user_pages[c] + st.ctrl_kernel_pages[c] == 0)
            continue;
        s += fmt::format("{:<24} {:>12} {:>12}\n", controller_label(sim, c), st.ctrl_user_pages[c],
                         st.ctrl_kernel_pages[c]);
    }
    s += '\n';
    s += fmt::format("{:<24}", "Blocks by order");
    for (unsigned o = 0; o < pa.max_order(); ++o) s += fmt::format(" {:>7}", fmt::format("o{}", o));
    s += '\n';
    s += fmt::format("{:<24}", "  allocated");
    for (unsigned o = 0; o < pa.max_order(); ++o) {
        std::uint64_t n = 0;
        for (const TypeOrderCounts& z : st.zone_allocs)
            for (const OrderCounts& c : z) n += c[o];
        s += fmt::format(" {:>7}", n);
    }
    s += '\n';
    s += fmt::format("{:<24}", "  failed");
    for (unsigned o = 0; o < pa.max_order(); ++o) {
        std::uint64_t n = 0;
        for (const OrderCounts& c : st.failures) n += c[o];
        s += fmt::format(" {:>7}", n);
    }
    s += "\n\n";
    const AllocatorStats& as = pa.stats();
    s +=
        fmt::format("Allocations {}, failures {}, frees {}\n", st.allocs, st.nr_failures, st.frees);
    s += fmt::format("Fallbacks (extfrag) {}, of them fragmenting {}; pageblocks claimed:",
                     as.extfrag_events, as.extfrag_fragmenting);
    for (MigrateType mt : {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE})
        s += fmt::format(" {} {}", migratetype_name(mt), as.pageblocks_claimed[mt]);
    s += '\n';
    s += fmt::format(
        "THP faults {} (fallbacks {}); page-table pages {}; pins {} (migrated {}, failed {})\n",
        st.thp_fault_alloc, st.thp_fault_fallback, st.page_table_pages, st.pins, st.pin_migrations,
        st.pin_failures);
    s += fmt::format("Simulated time in the allocator: {} (slow path {})\n",
                     format_duration(st.alloc_time_ns), format_duration(st.slowpath_ns));
    s += slowpath_lines(sim);
    s += '\n';
    s += "/proc/buddyinfo at the end:\n";
    s += format_buddyinfo(pa);
    return s;
}

nlohmann::json run_summary_json(const Simulator& sim) {
    using nlohmann::json;
    const PageAllocator& pa = sim.allocator();
    const RunStats& st = sim.stats();
    const auto types = pa.allocatable_migratetypes();
    json j;
    j["scenario"] = sim.scenario().name;
    j["seed"] = sim.scenario().seed;
    j["simulated_ns"] = sim.end_time();
    j["events"] = st.events;
    j["allocs"] = st.allocs;
    j["failures"] = st.nr_failures;
    j["frees"] = st.frees;
    auto by_type = [&](const TypeOrderCounts& c) {
        json t = json::object();
        for (MigrateType mt : types) {
            json orders = json::array();
            for (unsigned o = 0; o < pa.max_order(); ++o) orders.push_back(c[mt][o]);
            t[std::string(migratetype_name(mt))] = {{"pages", pages(c[mt])},
                                                    {"blocks_by_order", orders}};
        }
        return t;
    };
    json zones = json::array();
    for (const Zone* z : pa.zones()) {
        if (!z->populated()) continue;
        zones.push_back({{"node", z->nid},
                         {"zone", std::string(zone_name(z->type))},
                         {"managed", z->managed_pages},
                         {"free", z->free_pages()},
                         {"allocated", by_type(st.zone_allocs[z->id])}});
    }
    j["zones"] = zones;
    json ctrls = json::array();
    for (std::size_t c = 0; c < st.controller_allocs.size(); ++c)
        ctrls.push_back({{"controller", controller_label(sim, c)},
                         {"allocated", by_type(st.controller_allocs[c])},
                         {"resident_user_pages", st.ctrl_user_pages[c]},
                         {"resident_kernel_pages", st.ctrl_kernel_pages[c]}});
    j["controllers"] = ctrls;
    j["failures_by_type"] = by_type(st.failures);
    const AllocatorStats& as = pa.stats();
    j["fallbacks"] = {
        {"extfrag_events", as.extfrag_events},
        {"fragmenting", as.extfrag_fragmenting},
        {"pageblocks_claimed_unmovable", as.pageblocks_claimed[MIGRATE_UNMOVABLE]},
        {"pageblocks_claimed_movable", as.pageblocks_claimed[MIGRATE_MOVABLE]},
        {"pageblocks_claimed_reclaimable", as.pageblocks_claimed[MIGRATE_RECLAIMABLE]},
        {"highatomic_reserved", as.highatomic_reserved}};
    j["thp"] = {{"fault_alloc", st.thp_fault_alloc}, {"fault_fallback", st.thp_fault_fallback}};
    j["page_table_pages"] = st.page_table_pages;
    j["pins"] = {{"pinned", st.pins}, {"migrated", st.pin_migrations}, {"failed", st.pin_failures}};
    j["alloc_time_ns"] = st.alloc_time_ns;
    j["slowpath"] = slowpath_json(sim);
    return j;
}

std::string run_timeseries_csv(const Simulator& sim) {
    const PageAllocator& pa = sim.allocator();
    const RunStats& st = sim.stats();
    std::string s = "time_ns";
    for (const Zone* z : pa.zones()) s += fmt::format(",free_n{}_{}", z->nid, zone_name(z->type));
    for (const Zone* z : pa.zones()) s += fmt::format(",boost_n{}_{}", z->nid, zone_name(z->type));
    for (std::size_t c = 0; c < st.ctrl_user_pages.size(); ++c)
        s += fmt::format(",user_{}", controller_label(sim, c));
    for (std::size_t c = 0; c < st.ctrl_kernel_pages.size(); ++c)
        s += fmt::format(",kernel_{}", controller_label(sim, c));
    s += ",allocs,failures,extfrag\n";
    for (const Sample& r : st.samples) {
        s += fmt::format("{}", r.t);
        for (auto v : r.zone_free) s += fmt::format(",{}", v);
        for (auto v : r.zone_boost) s += fmt::format(",{}", v);
        for (auto v : r.ctrl_user) s += fmt::format(",{}", v);
        for (auto v : r.ctrl_kernel) s += fmt::format(",{}", v);
        s += fmt::format(",{},{},{}\n", r.allocs, r.failures, r.extfrag);
    }
    return s;
}

void write_run_outputs(const std::filesystem::path& dir, const Simulator& sim) {
    const PageAllocator& pa = sim.allocator();
    write_file_atomic(dir / "summary.json", run_summary_json(sim).dump(2) + "\n");
    write_file_atomic(dir / "timeseries.csv", run_timeseries_csv(sim));
    write_file_atomic(dir / "buddyinfo", format_buddyinfo(pa));
    write_file_atomic(dir / "pagetypeinfo", format_pagetypeinfo(pa));
    write_file_atomic(dir / "zoneinfo", format_zoneinfo(pa));
    write_file_atomic(dir / "vmstat", format_vmstat(pa));
}

} // namespace pagesim
