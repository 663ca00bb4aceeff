// SPDX-License-Identifier: GPL-2.0-only
// The engine on programmatic scenarios: event order, process phases, owners, lifetimes,
// explicit replay, determinism, and no page lost at the end.
#include "sim/event_queue.h"
#include "sim/simulator.h"

#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {
Scenario base_scenario() {
    Scenario sc;
    sc.name = "test";
    sc.machine.ncpus = 2;
    sc.duration_ns = 1'000'000'000;
    sc.sample_period_ns = 100'000'000;
    return sc;
}
Phase alloc_phase(std::uint64_t count, unsigned order, GfpFlags gfp, Lifetime life,
                  double rate = 0) {
    Phase ph;
    ph.kind = Phase::Alloc;
    ph.count = count;
    ph.order = order;
    ph.gfp = gfp;
    ph.owner = gfp_migratetype(gfp) == MIGRATE_MOVABLE ? OwnerKind::Anon : OwnerKind::Kernel;
    ph.lifetime = life;
    ph.rate = rate;
    return ph;
}
} // namespace

TEST_CASE("the event queue orders by time, then by scheduling order", "[engine]") {
    EventQueue q;
    q.push(20, EventKind::Sample, 1);
    q.push(10, EventKind::Sample, 2);
    q.push(20, EventKind::Sample, 3);
    q.push(10, EventKind::Sample, 4);
    std::vector<std::uint32_t> order;
    while (!q.empty()) order.push_back(q.pop().target);
    CHECK(order == std::vector<std::uint32_t>{2, 4, 1, 3});
}

TEST_CASE("a process touches a buffer in address order, then frees it", "[engine]") {
    Scenario sc = base_scenario();
    ProcessSpec p;
    p.name = "toucher";
    p.buffers.push_back({"buf", 4 << 20, OwnerKind::Anon, GFP_HIGHUSER_MOVABLE, false, false});
    Phase touch;
    touch.kind = Phase::Touch;
    touch.buffer = "buf";
    Phase sleep;
    sleep.kind = Phase::Sleep;
    sleep.duration_ns = 100'000'000;
    Phase fr;
    fr.kind = Phase::Free;
    fr.buffer = "buf";
    p.phases = {touch, sleep, fr};
    sc.workload.processes.push_back(p);
    SimOptions o;
    o.until_ns = 50'000'000; // stop during the sleep
    Simulator sim(sc, make_simple_layout(65536, 2), o);
    sim.run();
    // 1024 pages and 2 page-table pages (two 2 MiB regions).
    CHECK(sim.stats().allocs == 1024 + 2);
    CHECK(sim.stats().page_table_pages == 2);
    const Process& proc = sim.processes().at(0);
    CHECK(proc.rss_pages == 1026);
    // Address order: virtual page i+1 was allocated right after i (ascending pfns here).
    const auto& pages = proc.buffers[0].pages;
    for (std::size_t i = 1; i < pages.size(); ++i)
        CHECK(sim.owners()[pages[i]].page > sim.owners()[pages[i - 1]].page);
    CHECK(used_pages(sim) == 1026);

    Simulator sim2(sc, make_simple_layout(65536, 2));
    sim2.run();
    CHECK(sim2.stats().frees == 1026);
    CHECK(used_pages(sim2) == 0);
    CHECK(sim2.owners().live() == 0);
    sim2.allocator().check_invariants();
}

TEST_CASE("lifetimes expire on time and rates space allocations", "[engine]") {
    Scenario sc = base_scenario();
    ProcessSpec p;
    p.name = "churn";
    p.phases = {alloc_phase(100, 0, GFP_KERNEL, {Lifetime::Fixed, 10'000'000, 0}, 1000.0)};
    Phase sleep;
    sleep.kind = Phase::Sleep;
    sleep.duration_ns = 10'000'000'000;
    p.phases.push_back(sleep);
    sc.workload.processes.push_back(p);
    SimOptions o;
    // At 50 ms: 51 allocated (due at 0, 1ms, ..., 50ms). A lifetime runs from when the
    // allocation completed (due time + the path's cost), so the one due at 40 ms expires
    // just after 50 ms: 40 expired.
    o.until_ns = 50'000'000 + 1;
    Simulator sim(sc, make_simple_layout(65536, 2), o);
    sim.run();
    CHECK(sim.stats().allocs == 51);
    CHECK(sim.stats().frees == 40);
    CHECK(sim.owners().live() == 11);
}

TEST_CASE("explicit events replay exactly; frees of failed allocations are skipped", "[engine]") {
    Scenario sc = base_scenario();
    auto ev = [](std::int64_t t, ExplicitEvent::Op op, std::uint64_t id, unsigned order) {
        ExplicitEvent e;
        e.time_ns = t;
        e.op = op;
        e.id = id;
        e.order = static_cast<std::uint8_t>(order);
        e.gfp = GFP_KERNEL;
        return e;
    };
    sc.workload.events = {ev(10, ExplicitEvent::Alloc, 1, 0), ev(20, ExplicitEvent::Alloc, 2, 3),
                          ev(30, ExplicitEvent::Alloc, 3, 11), ev(40, ExplicitEvent::Free, 1, 0),
                          ev(50, ExplicitEvent::Free, 3, 11)};
    Simulator sim(sc, make_simple_layout(65536, 2));
    sim.run();
    CHECK(sim.stats().allocs == 2);
    CHECK(sim.stats().nr_failures == 1); // order 11 >= MAX_ORDER
    CHECK(sim.stats().frees == 1);
    CHECK(used_pages(sim) == 8);
}

TEST_CASE("same inputs and seed give the same run", "[engine][determinism]") {
    Scenario sc = base_scenario();
    ProcessSpec p;
    p.name = "mixed";
    p.instances = 3;
    p.jitter_ns = 1'000'000;
    p.phases = {
        alloc_phase(2000, 0, GFP_HIGHUSER_MOVABLE, {Lifetime::Exponential, 50'000'000, 0}, 20000.0),
        alloc_phase(500, 2, GFP_KERNEL, {Lifetime::Uniform, 1'000'000, 90'000'000}, 5000.0)};
    sc.workload.processes.push_back(p);
    auto fingerprint = [&](std::uint64_t seed) {
        Scenario s = sc;
        s.seed = seed;
        Simulator sim(s, make_simple_layout(65536, 2));
        sim.run();
        std::vector<std::int64_t> fp{static_cast<std::int64_t>(sim.stats().allocs),
                                     static_cast<std::int64_t>(sim.stats().frees)};
        for (const Sample& smp : sim.stats().samples)
            fp.insert(fp.end(), smp.zone_free.begin(), smp.zone_free.end());
        return fp;
    };
    CHECK(fingerprint(7) == fingerprint(7));
    CHECK(fingerprint(7) != fingerprint(8));
}

TEST_CASE("a churn generator drives the allocator through the engine", "[engine][generators]") {
    Scenario sc = base_scenario();
    sc.duration_ns = 100'000'000;
    GeneratorSpec g;
    g.kind = "churn";
    g.name = "w3";
    g.params = {{"slots", "4096"},
                {"rate", "1000000"},
                {"max_order", "4"},
                {"gfp", "GFP_KERNEL:1,GFP_HIGHUSER_MOVABLE:1"}};
    sc.workload.generators.push_back(g);
    Simulator sim(sc, make_simple_layout(65536, 2));
    sim.run();
    // 100 ms at 1M steps/s: 100,000 steps, about half of them allocations.
    CHECK(sim.stats().allocs + sim.stats().nr_failures + sim.stats().frees > 99000);
    CHECK(sim.stats().allocs > 45000);
    CHECK(sim.allocator().stats().extfrag_events > 0); // unmovable and movable mixed
    sim.allocator().check_invariants();
}
