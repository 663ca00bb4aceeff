// SPDX-License-Identifier: GPL-2.0-only
// compare: metric arithmetic on hand-computed cases (copies on one or two controllers of the
// BCM7278), the expected orderings (a movable zone on one controller gives that controller
// the whole user share), confidence intervals, determinism across thread counts, plots.
#include "sim/compare.h"
#include "sim/compare_report.h"
#include "workloads/machine_yaml.h"
#include "workloads/scenario_yaml.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace pagesim;

namespace {

// `threads` processes, each touching two `mib` MiB buffers and copying one into the other
// `passes` times.
Scenario copy_scenario(unsigned threads, std::uint64_t mib, unsigned passes) {
    Scenario sc;
    sc.name = "copy";
    sc.machine = load_machine("bcm7278");
    sc.duration_ns = 30'000'000'000;
    sc.sample_period_ns = 50'000'000;
    ProcessSpec p;
    p.name = "t";
    p.instances = threads;
    p.buffers.push_back({"a", mib << 20, OwnerKind::Anon, GFP_HIGHUSER_MOVABLE, false, false});
    p.buffers.push_back({"b", mib << 20, OwnerKind::Anon, GFP_HIGHUSER_MOVABLE, false, false});
    Phase ta, tb, cp;
    ta.kind = tb.kind = Phase::Touch;
    ta.buffer = "a";
    tb.buffer = "b";
    cp.kind = Phase::Bandwidth;
    cp.op = Phase::Copy;
    cp.buffer = "a";
    cp.dst = "b";
    cp.passes = passes;
    p.phases = {ta, tb, cp};
    sc.workload.processes.push_back(p);
    sc.layouts = {{"none", ""},
                  {"classic", "movablecore=600M"},
                  {"memc0", "movablecore=600M@0x50000000"},
                  {"split", "movablecore=300M@0x60000000,300M@0x320000000"}};
    return sc;
}

double metric(const CompareResult& r, std::size_t layout, const std::string& name) {
    for (const MetricSummary& m : r.summary.at(layout).metrics)
        if (m.name == name) return m.mean;
    FAIL("no metric " << name);
    return 0;
}

} // namespace

TEST_CASE("compare: where ZONE_MOVABLE sits decides each controller's user share", "[compare]") {
    CompareOptions o;
    o.jobs = 2;
    // The thread_test shape: 4 x 2 x 64 MiB = 512 MiB of user memory.
    const CompareResult r = run_compare(copy_scenario(4, 64, 2), o);
    REQUIRE(r.summary.size() == 4);
    // No parameter: user pages go to ZONE_NORMAL first, all on MEMC1.
    CHECK(metric(r, 0, "bandwidth.MEMC1.share_user") == Approx(100.0));
    // Classic movablecore: ZONE_MOVABLE at the top of MEMC1.
    CHECK(metric(r, 1, "bandwidth.MEMC1.share_user") == Approx(100.0));
    // A DMB on MEMC0 holds the whole workload (512 MiB < 600 MiB).
    CHECK(metric(r, 2, "bandwidth.MEMC0.share_user") == Approx(100.0));
    // Split blocks use both controllers once the first block (on MEMC1: the blocks are
    // freed in ascending order to the head of the order-10 list) is used up.
    CHECK(metric(r, 3, "bandwidth.MEMC0.share_user") > 10.0);
    CHECK(metric(r, 3, "bandwidth.MEMC1.share_user") > 10.0);
    CHECK(metric(r, 3, "bandwidth.wall_s") < metric(r, 0, "bandwidth.wall_s"));
    // Residency follows: the DMB layout keeps the user pages on MEMC0.
    CHECK(metric(r, 2, "resident.MEMC0.user_peak_MiB") == Approx(512.0));
    CHECK(metric(r, 2, "resident.MEMC1.user_peak_MiB") == Approx(0.0));
}

TEST_CASE("compare: wall time of a copy on one controller is bytes moved / bandwidth",
          "[compare]") {
    // Two copies of 16 MiB x 10 passes, both on MEMC1 (9.6 GB/s): each byte copied reads one
    // and writes one, so the controller moves 2 x 2 x 16 MiB x 10 = 640 MiB of traffic.
    CompareOptions o;
    o.layouts = {"none"};
    const CompareResult r = run_compare(copy_scenario(2, 16, 10), o);
    const double bytes = 2.0 * 2 * (16u << 20) * 10;
    const double bw = load_machine("bcm7278").controllers.at(1).bandwidth;
    // The two threads start within a few microseconds of each other.
    CHECK(metric(r, 0, "bandwidth.wall_s") == Approx(bytes / bw).epsilon(0.01));
    CHECK(metric(r, 0, "bandwidth.MEMC1.moved_GB") == Approx(bytes * 1e-9).epsilon(1e-9));
    CHECK(metric(r, 0, "bandwidth.MEMC1.delivered_busy_GBps") == Approx(bw * 1e-9).epsilon(0.01));
    CHECK(metric(r, 0, "bandwidth.MEMC0.moved_GB") == 0.0);
}

TEST_CASE("compare: means, 95% intervals and ratios over seeds", "[compare]") {
    CHECK(t95(1) == Approx(12.706));
    CHECK(t95(4) == Approx(2.776));
    CHECK(t95(1000) == Approx(1.96));
    Scenario sc = copy_scenario(2, 8, 2);
    sc.workload.processes[0].jitter_ns = 2'000'000; // seeds move the start times
    CompareOptions o;
    o.seeds = 3;
    o.layouts = {"none", "split"};
    const CompareResult r = run_compare(sc, o);
    REQUIRE(r.runs.size() == 6);
    for (std::size_t l = 0; l < 2; ++l) {
        std::vector<double> v;
        for (std::size_t s = 0; s < 3; ++s)
            v.push_back(r.runs[l * 3 + s].metrics.find("processes.wall_s")->value);
        const double mean = (v[0] + v[1] + v[2]) / 3;
        double ss = 0;
        for (double x : v) ss += (x - mean) * (x - mean);
        const double ci = t95(2) * std::sqrt(ss / 2) / std::sqrt(3.0);
        for (const MetricSummary& m : r.summary[l].metrics)
            if (m.name == "processes.wall_s") {
                CHECK(m.mean == Approx(mean));
                CHECK(m.ci95 == Approx(ci));
                CHECK(m.n == 3);
            }
    }
    for (const MetricSummary& m : r.summary[1].metrics)
        if (m.name == "processes.wall_s")
            CHECK(m.ratio ==
                  Approx(metric(r, 1, "processes.wall_s") / metric(r, 0, "processes.wall_s")));
}

TEST_CASE("compare: output is the same whatever the thread count", "[compare][determinism]") {
    const Scenario sc = copy_scenario(2, 8, 2);
    CompareOptions one, two;
    one.jobs = 1;
    two.jobs = 2;
    one.seeds = two.seeds = 2;
    CHECK(compare_json(run_compare(sc, one)).dump() == compare_json(run_compare(sc, two)).dump());
    one.layouts = {"nonesuch"};
    CHECK_THROWS_WITH(run_compare(sc, one), Catch::Contains("has no such layout"));
}

TEST_CASE("compare: outputs and plots", "[compare][plots]") {
    CompareOptions o;
    o.layouts = {"none", "split"};
    const CompareResult r = run_compare(copy_scenario(2, 8, 2), o);
    const std::string table = compare_table(r);
    CHECK(table.find("[1] split") != std::string::npos);
    CHECK(table.find("bandwidth.wall_s [s]") != std::string::npos);
    const auto dir = std::filesystem::temp_directory_path() / "pagesim-test-compare";
    std::filesystem::remove_all(dir);
    write_compare_outputs(dir, r);
    for (const char* f : {"compare.json", "compare.csv", "series.csv", "summary.txt"})
        CHECK(std::filesystem::file_size(dir / f) > 100);
    std::string why;
    REQUIRE(plot_compare(dir, why) == 0);
    for (const char* png :
         {"wall.png", "shares.png", "bandwidth.png", "kernel_free.png", "free_orders.png"}) {
        INFO(png);
        REQUIRE(std::filesystem::exists(dir / png));
        CHECK(std::filesystem::file_size(dir / png) > 5000);
        // PNG signature and a width of at least 400 pixels (IHDR, big-endian at byte 16).
        std::ifstream in(dir / png, std::ios::binary);
        unsigned char h[24] = {};
        in.read(reinterpret_cast<char*>(h), sizeof h);
        CHECK(h[1] == 'P');
        CHECK(h[2] == 'N');
        CHECK(h[3] == 'G');
        const unsigned width =
            (unsigned{h[16]} << 24) | (unsigned{h[17]} << 16) | (unsigned{h[18]} << 8) | h[19];
        CHECK(width >= 400);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("compare: the alternatives to DMBs, bandwidth against unmovable capacity",
          "[compare][e2e]") {
    CompareOptions o;
    o.jobs = 2;
    o.until_ns = 2'000'000'000; // the copies end by 1.7 s; the slab has grown by then
    const CompareResult r = run_compare(load_scenario("alternatives"), o);
    REQUIRE(r.summary.size() == 7);
    enum { none, movablecore, dmb_split, fake_numa, hotplug, cma, sticky };
    const auto wall = [&](std::size_t l) { return metric(r, l, "bandwidth.wall_s"); };
    const auto capacity = [&](std::size_t l) {
        return metric(r, l, "pressure.unmovable_capacity_MiB");
    };
    // Spreading user memory over both MEMCs (DMBs, a node per MEMC, hot-plugged movable
    // memory on each) shortens the copies by over 40%; ZONE_MOVABLE on MEMC1 only, a CMA
    // area and sticky pageblocks leave every user page on MEMC1.
    for (std::size_t l : {dmb_split, fake_numa, hotplug}) {
        INFO("layout " << l);
        CHECK(wall(l) < 0.6 * wall(none));
        CHECK(metric(r, l, "bandwidth.MEMC0.share_user") > 40.0);
    }
    for (std::size_t l : {movablecore, cma, sticky}) {
        INFO("layout " << l);
        CHECK(wall(l) == Approx(wall(none)));
        CHECK(metric(r, l, "bandwidth.MEMC1.share_user") == Approx(100.0));
    }
    // What the kernel can still get: every layout that sets ~600 MiB aside costs about
    // that much; sticky pageblocks cost nothing (they only refuse to change type).
    CHECK(capacity(sticky) == Approx(capacity(none)));
    for (std::size_t l : {movablecore, dmb_split, fake_numa, hotplug, cma}) {
        INFO("layout " << l);
        CHECK(capacity(l) < capacity(none) - 400.0);
    }
}

TEST_CASE("compare: a NUMA node per MEMC under interleave or bind", "[compare][e2e]") {
    CompareOptions o;
    o.jobs = 2;
    o.layouts = {"numa_dmb_split"};
    const auto result = [&](const char* mode) {
        return run_compare(load_scenario("fake_numa", {{"mode", mode}}), o);
    };
    const CompareResult inter = result("interleave");
    const CompareResult bind = result("bind");
    // Both policies put exactly half of every thread's 128 MiB on each controller ...
    for (const CompareResult* r : {&inter, &bind}) {
        CHECK(metric(*r, 0, "bandwidth.MEMC0.share_user") == Approx(50.0));
        CHECK(metric(*r, 0, "resident.MEMC0.user_peak_MiB") == Approx(256.0));
        CHECK(metric(*r, 0, "resident.MEMC1.user_peak_MiB") == Approx(256.0));
    }
    // ... but interleaving THPs by address sends the four threads' 64 KiB chunks to the same
    // controller at random moments (src and dst of a copy always share one), so a controller
    // idles while the other is oversubscribed; bind keeps two threads on each for the
    // whole run.
    CHECK(metric(bind, 0, "bandwidth.MEMC0.efficiency") > 75.0);
    CHECK(metric(inter, 0, "bandwidth.MEMC0.efficiency") < 60.0);
    CHECK(metric(inter, 0, "bandwidth.wall_s") > 1.4 * metric(bind, 0, "bandwidth.wall_s"));
}

TEST_CASE("compare: a DMB, a CMA pool or a carve-out per MEMC for the drivers (S14)",
          "[compare][e2e]") {
    CompareOptions o;
    o.jobs = 2;
    const CompareResult r = run_compare(load_scenario("cma_per_memc"), o);
    REQUIRE(r.summary.size() == 3);
    enum { dmb, cma, carveout };
    // Every claim succeeds under all three; only a DMB makes the driver migrate user pages
    // out first, because only a DMB lends its memory to user space in between.
    for (std::size_t l : {dmb, cma, carveout}) {
        INFO("layout " << l);
        CHECK(metric(r, l, "claims.failed") == 0.0);
    }
    CHECK(metric(r, dmb, "claims.pages_migrated") > 10'000.0);
    CHECK(metric(r, dmb, "claims.latency_ms.mean") > 1.0);
    CHECK(metric(r, cma, "claims.pages_migrated") == 0.0);
    CHECK(metric(r, cma, "claims.latency_ms.mean") < 1.0);
    CHECK(metric(r, carveout, "claims.pages_migrated") == 0.0);
    CHECK(metric(r, carveout, "claims.latency_ms.mean") == 0.0);
    // User space gets MEMC0 only through the DMB: 6.1 takes CMA pageblocks for movable
    // allocations only when CMA holds over half the zone's free memory, and a carve-out is
    // nobody's. So the copies run on MEMC1 alone under the other two.
    CHECK(metric(r, dmb, "resident.MEMC0.user_peak_MiB") > 100.0);
    CHECK(metric(r, cma, "resident.MEMC0.user_peak_MiB") == 0.0);
    CHECK(metric(r, carveout, "resident.MEMC0.user_peak_MiB") == 0.0);
    CHECK(metric(r, dmb, "bandwidth.wall_s") < 0.7 * metric(r, cma, "bandwidth.wall_s"));
    // The carve-out's pages never reach the page allocator: the least left for the kernel.
    CHECK(metric(r, carveout, "pressure.unmovable_capacity_MiB") <
          metric(r, cma, "pressure.unmovable_capacity_MiB"));
}
