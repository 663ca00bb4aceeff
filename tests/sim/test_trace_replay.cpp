// SPDX-License-Identifier: GPL-2.0-only
// Trace replay through the engine: the reference capture on its own machine and layout with
// invariants on, capture vs replay placement, failures and frees the capture cannot tell
// the engine, and the capture baseline in the shape of a run summary.
#include "sim/capture_placement.h"
#include "sim/cmd_run.h"
#include "sim/replay_report.h"
#include "sim/run_report.h"
#include "sim/simulator.h"
#include "workloads/ftrace_format.h"
#include "workloads/machine_yaml.h"
#include "workloads/trace_stats.h"

#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

using namespace pagesim;
using namespace pagesim::test;
namespace fs = std::filesystem;

namespace {

const std::string kRef = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";
using T = TraceEventType;

TraceEvent ev(T type, std::int64_t ts, Pfn pfn, unsigned order, unsigned cpu = 0,
              GfpFlags gfp = GFP_KERNEL) {
    TraceEvent e;
    e.type = type;
    e.ts_ns = ts;
    e.pfn = pfn;
    e.order = static_cast<std::uint8_t>(order);
    e.cpu = static_cast<std::uint16_t>(cpu);
    e.comm = TaskComm::from("test");
    if (type == T::PageAlloc) {
        e.gfp = gfp;
        e.migratetype = gfp_migratetype(gfp);
    }
    return e;
}

struct TempTrace {
    fs::path path;
    explicit TempTrace(const std::vector<TraceEvent>& events) {
        path = fs::temp_directory_path() /
               ("pagesim-replay-e2e-" + std::to_string(::getpid()) + "-" +
                std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".txt");
        std::ofstream(path, std::ios::binary) << format_ftrace(events, 4);
    }
    ~TempTrace() {
        std::error_code ec;
        fs::remove(path, ec);
    }
};

Scenario trace_only(const std::string& trace, unsigned ncpus) {
    Scenario sc;
    sc.name = "replay";
    sc.machine.ncpus = ncpus;
    sc.duration_ns = 10'000'000'000;
    sc.workload.trace_file = trace;
    return sc;
}

std::uint64_t blocks_of_order(const std::vector<TypeOrderCounts>& rows, unsigned order) {
    std::uint64_t n = 0;
    for (const TypeOrderCounts& r : rows)
        for (const OrderCounts& c : r) n += c[order];
    return n;
}

std::uint64_t pages_of_type(const std::vector<TypeOrderCounts>& rows, MigrateType mt) {
    std::uint64_t n = 0;
    for (const TypeOrderCounts& r : rows) n += placement_pages(r[mt]);
    return n;
}

} // namespace

TEST_CASE("replay of the reference capture on its own machine and layout", "[replay][e2e]") {
    const Machine machine = load_machine("qemu_x86_4G");
    const Scenario sc = trace_scenario(machine, kRef);
    CHECK(sc.duration_ns == 554'375'000 + 1'000'000);
    const Layout layout = boot_layout(machine, "", false);
    SimOptions o;
    o.check_invariants_every = 100; // throws AllocatorError on the first violation
    Simulator sim(sc, layout, o);
    sim.run();
    REQUIRE_NOTHROW(sim.allocator().check_invariants());

    const TraceReplay* r = sim.trace_replay();
    REQUIRE(r);
    CHECK(r->ended());
    const TraceReplayCounts& c = r->counts();
    // Event counts equal the capture's (trace-stats: 19026 allocations, 19007 frees, all
    // matched, 19 blocks live at the end).
    CHECK(c.allocs == 19026);
    CHECK(c.frees == 19007);
    CHECK(c.matched_frees == 19007);
    CHECK(c.pre_capture_frees == 0);
    CHECK(c.live_at_end == 19);
    CHECK(c.replay_failed == 0);
    CHECK(c.frees_skipped == 0);
    const RunStats& st = sim.stats();
    CHECK(st.allocs == 19026);
    CHECK(st.nr_failures == 0);
    CHECK(st.frees == 19007);

    // The capture's placement, two ways: the replay's builder and trace-stats.
    const PlacementCounts cap = sim.capture_placement()->result(c);
    const PlacementCounts run = run_placement(sim);
    TraceStatsOptions so;
    so.layout = &layout;
    const TraceStats ts = trace_stats_from_file(kRef, {}, so);
    const int normal = layout.zone_index(ZONE_NORMAL);
    REQUIRE(normal >= 0);
    const std::size_t normal_id = static_cast<std::size_t>(normal);
    for (const PlacementRow& row : ts.zones) {
        if (row.name != "Normal") continue;
        for (MigrateType mt : {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE})
            CHECK(placement_pages(cap.zone_allocs[normal_id][mt]) == row.pages_by_mt[mt]);
    }
    CHECK(cap.allocs == ts.allocs);
    CHECK(cap.extfrag_events == 12);

    // Replay vs capture: the same blocks by order and pages by migratetype, and on this
    // layout the same zone: every captured pfn is in Normal, and so is every replayed one.
    for (unsigned order = 0; order < 11; ++order)
        CHECK(blocks_of_order(run.zone_allocs, order) == blocks_of_order(cap.zone_allocs, order));
    for (MigrateType mt : {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE}) {
        CHECK(pages_of_type(run.zone_allocs, mt) == pages_of_type(cap.zone_allocs, mt));
        CHECK(placement_pages(run.zone_allocs[normal_id][mt]) ==
              placement_pages(cap.zone_allocs[normal_id][mt]));
    }
    CHECK(run.ctrl_user_pages == cap.ctrl_user_pages); // the 19 live blocks
    CHECK(run.ctrl_kernel_pages == cap.ctrl_kernel_pages);

    const std::string table = replay_comparison_table(sim);
    std::cout << table; // the histograms, side by side, in the test log
    CHECK_THAT(table, Catch::Contains("  Node 0 Normal Unmovable                   12522        "
                                      "12522          =\n"));
    CHECK_THAT(table, Catch::Contains("  order 9                                      11           "
                                      "11          =\n"));
    CHECK_THAT(table, Catch::Contains("fallbacks (extfrag)"));
    CHECK(replay_warnings(sim).empty());
}

TEST_CASE("replay: pre-capture frees, duplicates and captured failures", "[replay][e2e]") {
    TraceEvent failed = ev(T::PageAlloc, 3000, kNoPfn, 9, 1, GFP_TRANSHUGE);
    const std::vector<TraceEvent> events = {
        ev(T::PageFree, 1000, 0x9000, 3),         // allocated before the capture
        ev(T::PageAlloc, 2000, 0x10000, 0, 3),    // CPU 3 on a 2-CPU machine
        failed,                                   // succeeds here: given back at once
        ev(T::PageAlloc, 4000, 0x10040, 4, 0),    //
        ev(T::PageFree, 5000, 0x10000, 0, 0),     // frees the first
        ev(T::PageFreeBatched, 5000, 0x10000, 0), // its duplicate: ignored
        ev(T::PageAlloc, 6000, 0x10080, 0, 1),    // live at the end
    };
    TempTrace t(events);
    SimOptions o;
    o.check_invariants_every = 1;
    Simulator sim(trace_only(t.path.string(), 2), make_simple_layout(65536, 2), o);
    sim.run();
    REQUIRE_NOTHROW(sim.allocator().check_invariants());
    const TraceReplayCounts& c = sim.trace_replay()->counts();
    CHECK(c.pre_capture_frees == 1);
    CHECK(c.pre_capture_pages == 8);
    CHECK(c.free_batched_ignored == 1);
    CHECK(c.failed_allocs == 1);
    CHECK(c.replay_recovered == 1);
    CHECK(c.cpus_folded == 1);
    CHECK(c.live_at_end == 2);
    CHECK(sim.stats().allocs == 4);   // three captured successes and the recovered one
    CHECK(sim.stats().frees == 2);    // the matched free and the recovered block
    CHECK(used_pages(sim) == 16 + 1); // the order-4 and the order-0 block still live
    const PlacementCounts cap = sim.capture_placement()->result(c);
    CHECK(cap.nr_failures == 1);
    CHECK(cap.failures[MIGRATE_MOVABLE][9] == 1);
    CHECK(sim.stats().nr_failures == 0);
    CHECK_THAT(
        replay_comparison_table(sim),
        Catch::Contains("0 failed where the capture succeeded, 1 succeeded where it failed"));
}

TEST_CASE("replay: allocations the simulated machine cannot satisfy", "[replay][e2e]") {
    std::vector<TraceEvent> events;
    for (unsigned i = 0; i < 4; ++i)
        events.push_back(ev(T::PageAlloc, 1000 + i, 0x100000 + i * 512, 9, 0, GFP_KERNEL));
    for (unsigned i = 0; i < 4; ++i)
        events.push_back(ev(T::PageFree, 2000 + i, 0x100000 + i * 512, 9));
    TempTrace t(events);
    // 1024 pages: two order-9 blocks at most (fewer after the watermarks).
    Simulator sim(trace_only(t.path.string(), 1), make_simple_layout(1024, 1));
    sim.run();
    REQUIRE_NOTHROW(sim.allocator().check_invariants());
    const TraceReplayCounts& c = sim.trace_replay()->counts();
    CHECK(c.replay_failed >= 2);
    CHECK(c.replay_failed == sim.stats().nr_failures);
    CHECK(c.frees_skipped == c.replay_failed);
    CHECK(sim.stats().frees == 4 - c.replay_failed);
    CHECK(used_pages(sim) == 0);
    // The capture's pfns are outside this layout: counted as such, not dropped.
    const PlacementCounts cap = sim.capture_placement()->result(c);
    CHECK(placement_pages(cap.outside[MIGRATE_UNMOVABLE]) == 4 * 512);
}

TEST_CASE("the capture baseline has the shape of a run summary", "[replay][compare]") {
    const Machine machine = load_machine("qemu_x86_4G");
    const Layout layout = boot_layout(machine, "", false);
    const PlacementCounts cap = capture_placement(kRef, layout);
    const nlohmann::json base = capture_baseline_json(cap, layout, "capture");
    Simulator sim(trace_scenario(machine, kRef), layout);
    sim.run();
    const nlohmann::json run = run_summary_json(sim);
    // Same keys at every level that a consumer indexes.
    auto keys = [](const nlohmann::json& j) {
        std::vector<std::string> k;
        for (auto it = j.begin(); it != j.end(); ++it) k.push_back(it.key());
        return k;
    };
    CHECK(keys(base) == keys(run));
    REQUIRE(base["zones"].size() == run["zones"].size());
    for (std::size_t i = 0; i < run["zones"].size(); ++i) {
        CHECK(keys(base["zones"][i]) == keys(run["zones"][i]));
        CHECK(base["zones"][i]["zone"] == run["zones"][i]["zone"]);
        CHECK(base["zones"][i]["managed"] == run["zones"][i]["managed"]);
        CHECK(keys(base["zones"][i]["allocated"]) == keys(run["zones"][i]["allocated"]));
    }
    REQUIRE(base["controllers"].size() == run["controllers"].size());
    CHECK(keys(base["controllers"][0]) == keys(run["controllers"][0]));
    CHECK(keys(base["fallbacks"]) == keys(run["fallbacks"]));
    // Values: the capture's, here equal to the replay's where the replay matched it.
    CHECK(base["allocs"] == 19026);
    CHECK(base["frees"] == 19007);
    CHECK(base["zones"][2]["zone"] == "Normal");
    CHECK(base["zones"][2]["allocated"]["Unmovable"]["pages"] == 12522);
    CHECK(base["zones"][2]["allocated"]["Movable"]["blocks_by_order"][9] == 11);
    CHECK(base["fallbacks"]["extfrag_events"] == 12);
    CHECK(base["fallbacks"]["pageblocks_claimed_unmovable"] == 24); // 12 order-10 steals
    CHECK(base["zones"][0]["free"].is_null());
    CHECK(base["simulated_ns"] == 554'375'000);
    // The same numbers as the engine collected while replaying.
    const PlacementCounts during = sim.capture_placement()->result(sim.trace_replay()->counts());
    CHECK(during.zone_allocs == cap.zone_allocs);
    CHECK(during.controller_allocs == cap.controller_allocs);
}

TEST_CASE("replay on another layout: the capture stays on its own", "[replay][e2e]") {
    const Machine machine = load_machine("qemu_x86_4G");
    const Layout captured_on = boot_layout(machine, "", false);
    const Layout layout = boot_layout(machine, "movablecore=512M", false);
    SimOptions o;
    o.capture_layout = &captured_on;
    o.check_invariants_every = 500;
    Simulator sim(trace_scenario(machine, kRef), layout, o);
    sim.run();
    REQUIRE_NOTHROW(sim.allocator().check_invariants());
    const PlacementCounts cap = sim.capture_placement()->result(sim.trace_replay()->counts());
    const PlacementCounts run = run_placement(sim);
    const auto normal = static_cast<std::size_t>(layout.zone_index(ZONE_NORMAL));
    const auto movable = static_cast<std::size_t>(layout.zone_index(ZONE_MOVABLE));
    // The kernel put the user pages in Normal; with movablecore= they go to ZONE_MOVABLE.
    CHECK(placement_pages(cap.zone_allocs[normal][MIGRATE_MOVABLE]) == 12303);
    CHECK(placement_pages(cap.zone_allocs[movable][MIGRATE_MOVABLE]) == 0);
    CHECK(placement_pages(run.zone_allocs[movable][MIGRATE_MOVABLE]) == 12303);
    CHECK(placement_pages(run.zone_allocs[normal][MIGRATE_MOVABLE]) == 0);
    CHECK(placement_pages(run.zone_allocs[normal][MIGRATE_UNMOVABLE]) == 12522);
    const std::string table = replay_comparison_table(sim);
    CHECK_THAT(table,
               Catch::Contains("  Node 0 Normal Movable                     12303            "
                               "0     -12303\n"));
    CHECK_THAT(table, Catch::Contains("  Node 0 Movable Movable                        0        "
                                      "12303     +12303\n"));
    // The baseline lists the capture's own zones: no populated ZONE_MOVABLE there.
    const nlohmann::json base = replay_comparison_json(sim)["capture"];
    for (const auto& z : base["zones"]) CHECK(z["zone"] != "Movable");
}
