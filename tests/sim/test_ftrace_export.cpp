// SPDX-License-Identifier: GPL-2.0-only
// `--ftrace-out`: the exported text is the kernel's format byte for byte and parses back to
// the events the allocator emitted; import(export(run)) replays to the same placement, by
// the event list and by trace replay; trace-stats reads the export; atomic publication.
#include "sim/capture_placement.h"
#include "sim/cmd_trace_stats.h"
#include "sim/ftrace_export.h"
#include "sim/simulator.h"
#include "workloads/event_list.h"
#include "workloads/ftrace_parse.h"
#include "workloads/trace_import.h"

#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace pagesim;
using namespace pagesim::test;
namespace fs = std::filesystem;

namespace {

/// Processes (THP and small pages faulted in, a kernel allocation stream with lifetimes,
/// exits), a churn generator and explicit events on one 64 MiB node with two CPUs.
Scenario mixed_scenario() {
    Scenario sc;
    sc.name = "mixed";
    sc.machine.ncpus = 2;
    sc.duration_ns = 200'000'000;
    sc.seed = 7;
    sc.sample_period_ns = 10'000'000;
    ProcessSpec p;
    p.name = "a-process-with-a-long-name";
    p.instances = 2;
    p.buffers.push_back({"heap", 24 << 20, OwnerKind::Anon, GFP_HIGHUSER_MOVABLE, true, false});
    p.buffers.push_back({"small", 4 << 20, OwnerKind::Anon, GFP_HIGHUSER_MOVABLE, false, false});
    Phase touch;
    touch.kind = Phase::Touch;
    touch.buffer = "heap";
    Phase touch2 = touch;
    touch2.buffer = "small";
    Phase kalloc;
    kalloc.kind = Phase::Alloc;
    kalloc.owner = OwnerKind::Kernel;
    kalloc.gfp = GFP_KERNEL;
    kalloc.order = 2;
    kalloc.count = 300;
    kalloc.rate = 20000;
    kalloc.lifetime = {Lifetime::Exponential, 5'000'000, 0};
    Phase sleep;
    sleep.kind = Phase::Sleep;
    sleep.duration_ns = 30'000'000;
    Phase fr;
    fr.kind = Phase::Free;
    fr.buffer = "small";
    Phase ex;
    ex.kind = Phase::Exit;
    p.phases = {touch, kalloc, touch2, sleep, fr, ex};
    sc.workload.processes.push_back(p);
    GeneratorSpec g;
    g.kind = "churn";
    g.name = "w3";
    g.params = {{"slots", "2048"},
                {"rate", "200000"},
                {"max_order", "5"},
                {"gfp", "GFP_KERNEL:1,GFP_HIGHUSER_MOVABLE:2,GFP_KERNEL|__GFP_RECLAIMABLE:1"}};
    sc.workload.generators.push_back(g);
    for (std::uint64_t i = 0; i < 50; ++i) {
        ExplicitEvent e;
        e.time_ns = 1'000'000 + static_cast<std::int64_t>(i) * 100'000;
        e.id = i;
        e.order = static_cast<unsigned>(i % 4);
        e.gfp = GFP_KERNEL;
        e.cpu = static_cast<unsigned>(i % 2);
        sc.workload.events.push_back(e);
    }
    return sc;
}

Layout small_layout() {
    return make_simple_layout(16384, 2); // 64 MiB: THP faults and churn run out of it
}

void check_same_placement(const PlacementCounts& a, const PlacementCounts& b) {
    CHECK(a.allocs == b.allocs);
    CHECK(a.nr_failures == b.nr_failures);
    CHECK(a.frees == b.frees);
    CHECK(a.zone_allocs == b.zone_allocs);
    CHECK(a.controller_allocs == b.controller_allocs);
    CHECK(a.failures == b.failures);
    CHECK(a.extfrag_events == b.extfrag_events);
    CHECK(a.extfrag_fragmenting == b.extfrag_fragmenting);
    CHECK(a.pageblocks_claimed == b.pageblocks_claimed);
}

/// Runs `sc` with an exporter to `path`; returns the run's placement.
PlacementCounts run_exported(const Scenario& sc, const fs::path& path,
                             std::uint64_t* kmem_calls = nullptr) {
    FtraceExporter ex(path, 2);
    SimOptions o;
    o.tracer = &ex;
    Simulator sim(sc, small_layout(), o);
    ex.attach(sim);
    sim.run();
    ex.commit();
    if (kmem_calls) *kmem_calls = ex.events();
    return run_placement(sim);
}

/// The allocator-visible part of every event: type, cpu, pfn, order, gfp, types, flags.
std::vector<std::string> allocator_view(const fs::path& trace) {
    std::vector<std::string> v;
    FtraceReader r(trace);
    TraceEvent e;
    while (r.next(e))
        v.push_back(std::to_string(static_cast<int>(e.type)) + " " + std::to_string(e.cpu) + " " +
                    std::to_string(e.pfn) + " " + std::to_string(e.order) + " " +
                    std::to_string(e.gfp) + " " + std::to_string(e.migratetype) + " " +
                    std::to_string(e.fallback_order) + " " + std::to_string(e.change_ownership) +
                    std::to_string(e.percpu_refill));
    return v;
}

} // namespace

TEST_CASE("export: kernel text byte for byte, parsing back to the emitted events", "[export]") {
    TempDir tmp;
    const fs::path out = tmp.path / "run.trace";
    const Scenario sc = mixed_scenario();
    FtraceExporter ex(out, 2);
    SimOptions o;
    o.tracer = &ex;
    Simulator sim(sc, small_layout(), o);
    ex.attach(sim);
    sim.run();
    CHECK(!fs::exists(out)); // nothing is published before commit()
    ex.commit();
    REQUIRE(fs::exists(out));
    for (const auto& entry : fs::directory_iterator(tmp.path))
        CHECK(entry.path().filename() == "run.trace"); // no temporary left behind

    const std::string text = slurp(out);
    // Header block: exactly the kernel's, with the entry counts and CPUs of this run.
    FtraceHeaderInfo h;
    h.entries_in_buffer = h.entries_written = ex.events();
    h.nr_cpus = 2;
    std::string header;
    format_ftrace_header(h, header);
    REQUIRE(text.substr(0, header.size()) == header);
    CHECK_THAT(header, Catch::Contains(
                           "# entries-in-buffer/entries-written: " + std::to_string(ex.events()) +
                           "/" + std::to_string(ex.events()) + "   #P:2\n"));

    // Every line parses back, and formatting the parsed event gives the line again.
    std::istringstream lines(text.substr(header.size()));
    FtraceLineParser parser;
    LineParse lp;
    std::string line;
    std::array<std::uint64_t, kTraceEventTypes> by_type{};
    std::uint64_t n = 0, same = 0, process_events = 0;
    std::int64_t last_ts = 0;
    bool monotonic = true;
    while (std::getline(lines, line)) {
        REQUIRE(parser.parse(line, lp) == LineKind::Event);
        std::string again;
        format_ftrace_event(lp.event, {}, again);
        same += again == line + "\n";
        ++n;
        ++by_type[static_cast<std::size_t>(lp.event.type)];
        monotonic = monotonic && lp.event.ts_ns >= last_ts;
        last_ts = lp.event.ts_ns;
        if (lp.event.pid >= kExportFirstPid) {
            ++process_events;
            const auto idx = static_cast<std::size_t>(lp.event.pid - kExportFirstPid);
            REQUIRE(idx < sim.processes().size());
            CHECK(std::string(lp.event.comm.view()) == sim.processes()[idx].name.substr(0, 15));
        } else {
            CHECK(lp.event.pid == kExportKernelPid);
            CHECK(lp.event.comm.view() == "kthreadd");
        }
    }
    CHECK(n == ex.events());
    CHECK(same == n);
    CHECK(monotonic);
    CHECK(process_events > 0);
    CHECK(last_ts <= sim.end_time());
    // One mm_page_alloc per allocator call (failures included, E10), one mm_page_free per
    // free, one extfrag per fallback.
    const RunStats& st = sim.stats();
    CHECK(by_type[static_cast<std::size_t>(TraceEventType::PageAlloc)] ==
          st.allocs + st.nr_failures);
    CHECK(by_type[static_cast<std::size_t>(TraceEventType::PageFree)] == st.frees);
    CHECK(by_type[static_cast<std::size_t>(TraceEventType::PageAllocExtfrag)] ==
          sim.allocator().stats().extfrag_events);
    CHECK(by_type[static_cast<std::size_t>(TraceEventType::PageAllocZoneLocked)] > 0);
    CHECK(by_type[static_cast<std::size_t>(TraceEventType::PagePcpuDrain)] > 0);
    CHECK(st.nr_failures > 0); // THP faults that fell back: failed mm_page_alloc lines
}

TEST_CASE("import(export(run)) replays to the same placement", "[export][import][roundtrip]") {
    TempDir tmp;
    const fs::path exported = tmp.path / "run.trace";
    const PlacementCounts original = run_exported(mixed_scenario(), exported);
    REQUIRE(original.allocs > 1000);
    REQUIRE(original.nr_failures > 0);
    REQUIRE(original.extfrag_events > 0);

    // Import: the compact event list, read back into an explicit event list.
    const fs::path events = tmp.path / "run.events";
    ImportSummary s;
    {
        TraceReplayOptions ro;
        ro.ncpus = 1u << 16;
        TraceReplay replay(exported, ro);
        std::ofstream out(events, std::ios::binary);
        EventListWriter w(out);
        s = import_ftrace(replay, w);
    }
    CHECK(s.counts.pre_capture_frees == 0);
    CHECK(s.counts.allocs == original.allocs + original.nr_failures);
    Scenario replayed;
    replayed.name = "imported";
    replayed.machine.ncpus = 2;
    replayed.seed = 7;
    replayed.duration_ns = s.span_ns + 1'000'000;
    replayed.workload.events = read_event_list(events);
    const fs::path exported2 = tmp.path / "replayed.trace";
    const PlacementCounts by_list = run_exported(replayed, exported2);
    // Failed captured allocations fail again here, so their immediate frees never run.
    check_same_placement(original, by_list);
    // Every allocator event of the replay equals the original's (pcp refills, drains,
    // fallbacks included), only the tasks and times differ.
    CHECK(allocator_view(exported2) == allocator_view(exported));

    // The same through trace replay (`pagesim run --trace`), straight from the export.
    Scenario direct = replayed;
    direct.workload.events.clear();
    direct.workload.trace_file = exported.string();
    SimOptions o;
    o.check_invariants_every = 500;
    Simulator sim(direct, small_layout(), o);
    sim.run();
    check_same_placement(original, run_placement(sim));
    const TraceReplayCounts& c = sim.trace_replay()->counts();
    CHECK(c.replay_failed == 0);
    CHECK(c.replay_recovered == 0);
    CHECK(c.failed_allocs == original.nr_failures);
}

TEST_CASE("trace-stats reads an exported run", "[export][trace-stats]") {
    TempDir tmp;
    const fs::path exported = tmp.path / "run.trace";
    std::uint64_t events = 0;
    const PlacementCounts p = run_exported(mixed_scenario(), exported, &events);
    TraceStatsCommand cmd;
    cmd.trace = exported;
    cmd.json = "-";
    std::ostringstream out, err;
    REQUIRE(cmd_trace_stats(cmd, nullptr, out, err) == 0);
    CHECK(err.str().empty());
    const nlohmann::json j = nlohmann::json::parse(out.str());
    CHECK(j["parse"]["malformed"] == 0);
    CHECK(j["parse"]["lines"] == events + 12); // 12 header lines
    CHECK(j["allocations"]["count"] == p.allocs);
    CHECK(j["allocations"]["failed"] == p.nr_failures);
    CHECK(j["frees"]["count"] == p.frees);
    CHECK(j["parse"]["header"]["entries_written"] == events);
    CHECK(j["parse"]["header"]["nr_cpus"] == 2);
}

TEST_CASE("export: an uncommitted export leaves nothing behind", "[export]") {
    TempDir tmp;
    {
        FtraceExporter ex(tmp.path / "x.trace", 1);
        ex.mm_page_alloc(0, 5, 0, GFP_KERNEL, MIGRATE_UNMOVABLE);
    }
    CHECK(fs::is_empty(tmp.path));
    CHECK_THROWS(FtraceExporter("/proc/pagesim-no/x.trace", 1));
}
