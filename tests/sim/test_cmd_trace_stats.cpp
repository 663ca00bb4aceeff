// SPDX-License-Identifier: GPL-2.0-only
// `pagesim trace-stats` end to end: tables, JSON, plots, warnings and exit codes, on the
// real capture and on the bad inputs.
#include "sim/cmd_trace_stats.h"
#include "sim/trace_stats_report.h"

#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

using namespace pagesim;
using namespace pagesim::test;
namespace fs = std::filesystem;

namespace {

const std::string kRef = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";
const std::string kBad = PAGESIM_TEST_DATA "/bad/";

Layout t4g_layout() {
    Layout l;
    l.zone_types = {ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE};
    l.membership = {{{1, 0x1000}, 0, 0}, {{0x1000, 0xbffe0}, 0, 1}, {{0x100000, 0x140000}, 0, 2}};
    l.controllers = {{"MEMC0", {{0, 0x104000}}, 0, 0}, {"MEMC1", {{0x104000, 0x140000}}, 0, 0}};
    return l;
}

struct Run {
    int rc = 0;
    std::string out;
    std::string err;
};

Run run(const TraceStatsCommand& cmd, const Layout* layout) {
    std::ostringstream out;
    std::ostringstream err;
    Run r;
    r.rc = cmd_trace_stats(cmd, layout, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

} // namespace

TEST_CASE("trace-stats on the reference capture: tables and JSON", "[trace-stats]") {
    TempDir tmp;
    const Layout layout = t4g_layout();
    TraceStatsCommand cmd;
    cmd.trace = kRef;
    cmd.json = tmp.path / "stats.json";
    const Run r = run(cmd, &layout);
    REQUIRE(r.rc == 0);
    CHECK(r.err.empty());
    // A few rows of the aligned tables.
    CHECK_THAT(r.out, Catch::Contains("mm_page_alloc              19026     34319.7\n"));
    CHECK_THAT(r.out, Catch::Contains("9          11   5632       0     11            0\n"));
    CHECK_THAT(r.out, Catch::Contains("GFP_HIGHUSER|__GFP_ACCOUNT"));
    CHECK_THAT(r.out,
               Catch::Contains("node 0 Normal   19026  24828      12522    12303            3"));
    CHECK_THAT(r.out, Catch::Contains("MEMC1        14270  20056      11811     8245"));
    CHECK_THAT(r.out, Catch::Contains("pageblock stolen (change_ownership)                12\n"));
    CHECK_THAT(r.out, Catch::Contains("allocations live at the end             19 (20 pages)\n"));

    const auto j = nlohmann::json::parse(slurp(cmd.json));
    CHECK(j["source"] == kRef);
    CHECK(j["parse"]["lines"] == 38057);
    CHECK(j["parse"]["header"]["nr_cpus"] == 2);
    CHECK(j["events"]["mm_page_alloc"] == 19026);
    CHECK(j["events"]["mm_page_alloc_extfrag"] == 12);
    CHECK(j["allocations"]["count"] == 19026);
    CHECK(j["allocations"]["pages"] == 24828);
    REQUIRE(j["allocations"]["by_order"].size() == 4);
    CHECK(j["allocations"]["by_order"][3]["order"] == 9);
    CHECK(j["allocations"]["by_order"][3]["pages"] == 5632);
    CHECK(j["allocations"]["by_gfp"][0]["gfp"] == "GFP_HIGHUSER|__GFP_ACCOUNT");
    CHECK(j["allocations"]["by_gfp"][0]["value"] == "0x500cc2");
    CHECK(j["placement"]["zones"][2]["name"] == "Normal");
    CHECK(j["placement"]["zones"][2]["pages_by_migratetype"]["Movable"] == 12303);
    CHECK(j["placement"]["controllers"][0]["allocs"] == 4756);
    CHECK(j["lifetimes"]["matched"] == 19007);
    CHECK(j["lifetimes"]["live_pages_at_end"] == 20);
    CHECK(j["lifetimes"]["by_order"][2]["order"] == 4);
    CHECK(j["lifetimes"]["by_order"][2]["min_ns"] == 68636000);
    CHECK(j["extfrag"]["by_types"][0]["fallback"] == "Movable");
    CHECK(j["rate"]["interval_ns"] == 1000000);
    CHECK(j["rate"]["alloc_pages"].size() == 555);
    CHECK(j["rate"]["events"]["mm_page_free"].size() == 555);

    // --json - puts the JSON on stdout instead of the tables.
    cmd.json = "-";
    const Run js = run(cmd, nullptr);
    REQUIRE(js.rc == 0);
    const auto j2 = nlohmann::json::parse(js.out);
    CHECK(j2["placement"]["has_layout"] == false);
    CHECK(j2["placement"]["zones"][0]["name"] == "unknown");
}

TEST_CASE("trace-stats --plots runs the plot script", "[trace-stats]") {
    TempDir tmp;
    TraceStatsCommand cmd;
    cmd.trace = kRef;
    cmd.plots = tmp.path / "plots";
    const Layout layout = t4g_layout();
    const Run r = run(cmd, &layout);
    INFO(r.err);
    REQUIRE(r.rc == 0);
    for (const char* png : {"order_histogram.png", "rate.png", "placement_zones.png",
                            "placement_controllers.png", "lifetimes.png"}) {
        INFO(png);
        REQUIRE(fs::exists(cmd.plots / png));
        CHECK(slurp(cmd.plots / png).substr(1, 3) == "PNG");
    }
    CHECK(fs::exists(cmd.plots / "trace_stats.json"));

    // A script that fails is exit status 1 with a message.
    cmd.plot_script = tmp.path / "no_such_script.py";
    const Run bad = run(cmd, &layout);
    CHECK(bad.rc == 1);
    CHECK_THAT(bad.err, Catch::Contains("no_such_script.py: error: plotting failed (exit status"));
}

TEST_CASE("trace-stats: malformed lines warn, --strict fails with exit 2", "[trace-stats]") {
    TraceStatsCommand cmd;
    cmd.trace = kBad + "ftrace_malformed.txt";
    Run r = run(cmd, nullptr);
    CHECK(r.rc == 0);
    const std::string file = cmd.trace.string();
    CHECK_THAT(r.err, Catch::StartsWith(file + ":4: warning: bad 'gfp_flags=' value 'GFP_KERNAL'"));
    CHECK_THAT(r.err, Catch::Contains(file + ":14: warning: duplicate 'order=' field\n"));
    CHECK_THAT(r.out, Catch::Contains("Malformed line  reason\n4               bad 'gfp_flags='"));

    cmd.strict = true;
    r = run(cmd, nullptr);
    CHECK(r.rc == 2);
    CHECK(r.out.empty());
    CHECK(r.err == file + ":4: error: bad 'gfp_flags=' value 'GFP_KERNAL': unknown flag "
                          "'GFP_KERNAL'\n");

    cmd.trace = kBad + "no_such_trace.txt";
    r = run(cmd, nullptr);
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::EndsWith("no_such_trace.txt: error: cannot open the trace file\n"));

    // An output that cannot be written is a runtime failure (1).
    cmd.trace = kRef;
    cmd.strict = false;
    cmd.json = "/proc/no/such/dir/stats.json";
    r = run(cmd, nullptr);
    CHECK(r.rc == 1);
}

TEST_CASE("trace-stats - reads standard input (a pipe from trace_pipe)", "[trace-stats]") {
    std::istringstream fake(slurp(kBad + "ftrace_malformed.txt"));
    std::streambuf* saved = std::cin.rdbuf(fake.rdbuf());
    TraceStatsCommand cmd;
    cmd.trace = "-";
    cmd.json = "-";
    const Run r = run(cmd, nullptr);
    std::cin.rdbuf(saved);
    CHECK(r.rc == 0);
    CHECK_THAT(r.err, Catch::StartsWith("<stdin>:4: warning: bad 'gfp_flags='"));
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["source"] == "<stdin>");
    CHECK(j["events"]["mm_page_alloc"] == 1);
    CHECK(j["events"]["mm_page_free"] == 1);
    CHECK(j["parse"]["malformed"] == 10);
}

TEST_CASE("trace-stats table of an empty trace", "[trace-stats]") {
    TraceStats empty = TraceStatsBuilder().finish();
    const std::string t = render_trace_stats_table(empty, "empty.txt");
    CHECK_THAT(t, Catch::Contains("kmem events         0\n"));
    CHECK_THAT(t, Catch::Contains("total       0      0       0      0            0\n"));
    const auto j = trace_stats_to_json(empty, "empty.txt");
    CHECK(j["rate"]["alloc_pages"].empty());
    CHECK(j["lifetimes"]["all"]["count"] == 0);
}
