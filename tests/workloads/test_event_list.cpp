// SPDX-License-Identifier: GPL-2.0-only
// The compact event list of `pagesim import ftrace`: exact text of the writer, reading it
// back, every check of the reader with its file:line message, the streaming generator, and
// the import of the reference capture (same requests as its replay).
#include "workloads/event_list.h"
#include "workloads/trace_import.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace pagesim;

namespace {

GenEvent gen(std::int64_t t, ExplicitEvent::Op op, std::uint64_t id, unsigned order, GfpFlags gfp,
             unsigned cpu) {
    GenEvent g;
    g.time_ns = t;
    g.op = op;
    g.id = id;
    g.order = order;
    g.gfp = gfp;
    g.cpu = cpu;
    return g;
}

std::string read_error(const std::string& text) {
    std::istringstream in(text);
    EventListReader r(in, "w.events");
    ExplicitEvent ev;
    try {
        while (r.next(ev)) {}
    } catch (const EventListError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("event list: the writer's text, read back", "[event-list]") {
    std::ostringstream out;
    {
        EventListWriter w(out);
        w.write_header({"time_ns op id order gfp cpu"});
        w.write(gen(0, ExplicitEvent::Alloc, 0, 0, GFP_KERNEL, 0));
        w.write(gen(1500, ExplicitEvent::Alloc, 1, 9, GFP_TRANSHUGE_LIGHT, 3));
        w.write(gen(2000, ExplicitEvent::Free, 0, 0, GFP_KERNEL, 1)); // gfp not written
        w.flush();
        CHECK(w.events_written() == 3);
    }
    CHECK(out.str() == "# pagesim-events v1\n"
                       "# time_ns op id order gfp cpu\n"
                       "0 alloc 0 0 0xcc0 0\n"
                       "1500 alloc 1 9 0x1c20ca 3\n"
                       "2000 free 0 0 0x0 1\n");
    std::istringstream in(out.str() + "# a comment\n\n2500 free 1 9 0 2\r\n" +
                          "3000 alloc 0 2 GFP_KERNEL|__GFP_COMP 0\n");
    EventListReader r(in, "w.events");
    std::vector<ExplicitEvent> got;
    ExplicitEvent ev;
    while (r.next(ev)) got.push_back(ev);
    REQUIRE(got.size() == 5);
    CHECK(got[1].time_ns == 1500);
    CHECK(got[1].op == ExplicitEvent::Alloc);
    CHECK(got[1].id == 1);
    CHECK(got[1].order == 9);
    CHECK(got[1].gfp == GFP_TRANSHUGE_LIGHT);
    CHECK(got[1].cpu == 3);
    CHECK(got[1].line == 4);
    CHECK(got[2].op == ExplicitEvent::Free);
    CHECK(got[3].line == 8);
    CHECK(got[4].gfp == (GFP_KERNEL | gfp::kComp));
}

TEST_CASE("event list: every malformed line is an error with its place", "[event-list]") {
    // After the magic line the lines are the compact event form of SCENARIOS.md, read by the
    // same parser and checker as a scenario's lists (ORDER, GFP and CPU may be left out).
    const std::string m = "# pagesim-events v1\n";
    CHECK(read_error("") == "w.events:0: error: empty file: expected the first line "
                            "'# pagesim-events v1'");
    CHECK(read_error("0 alloc 0 0 0xcc0 0\n") ==
          "w.events:1: error: expected the first line '# pagesim-events v1'");
    CHECK(read_error(m + "0 alloc 0 0 0xcc0\n").empty()); // CPU defaults to 0
    CHECK(read_error(m + "0 alloc 0 0 0xcc0 0 7\n") ==
          "w.events:2: error: too many fields: an event is TIME OP ID [ORDER [GFP [CPU]]]");
    CHECK(read_error(m + "-5 alloc 0 0 0xcc0 0\n") ==
          "w.events:2: error: expected a duration such as 10s, 250ms or 5us, got '-5'");
    CHECK(read_error(m + "0 grab 0 0 0xcc0 0\n") ==
          "w.events:2: error: expected alloc or free, got 'grab'");
    CHECK(read_error(m + "0 alloc x 0 0xcc0 0\n") ==
          "w.events:2: error: expected an id (an integer), got 'x'");
    CHECK(read_error(m + "0 alloc 0 20 0xcc0 0\n") ==
          "w.events:2: error: order 20 is too large: the largest is 19 (MAX_ORDER 20)");
    CHECK(read_error(m + "0 alloc 0 0 GFP_KERNAL 0\n") ==
          "w.events:2: error: unknown gfp flag 'GFP_KERNAL'");
    CHECK(read_error(m + "0 alloc 0 0 0xcc0 -1\n") ==
          "w.events:2: error: expected a CPU number, got '-1'");
    CHECK(read_error(m + "5 alloc 0 0 0xcc0 0\n4 free 0 0 0 0\n") ==
          "w.events:3: error: events must be in time order: 4ns is before 5ns (line 2)");
    CHECK(read_error(m + "0 alloc 0 0 0xcc0 0\n1 alloc 0 0 0xcc0 0\n") ==
          "w.events:3: error: id 0 is already allocated (line 2) and not freed");
    CHECK(read_error(m + "0 free 3 0 0 0\n") ==
          "w.events:2: error: free of id 3, which was never allocated");
    CHECK(
        read_error(m + "0 alloc 0 2 0xcc0 0\n1 free 0 0 0 0\n") ==
        "w.events:3: error: free of id 0 with order 0, but it was allocated with order 2 (line 2)");
    CHECK(read_error(m + "0 alloc 0 0 0xcc0 0\n1 free 0 0 0 0\n2 alloc 0 0 0xcc0 0\n").empty());
}

TEST_CASE("event list: the generator maps ids to small reused ones", "[event-list]") {
    const std::string text = "# pagesim-events v1\n"
                             "10 alloc 1000 0 0xcc0 5\n"
                             "20 alloc 77 1 0xcc0 1\n"
                             "30 free 1000 0 0 2\n"
                             "40 alloc 5 0 0xcc0 0\n";
    const std::filesystem::path p = std::filesystem::temp_directory_path() / "pagesim-evgen.events";
    { std::ofstream(p) << text; }
    EventListGenerator g(p, 4, 100);
    std::vector<GenEvent> got;
    GenEvent e;
    while (g.next(e)) got.push_back(e);
    std::filesystem::remove(p);
    REQUIRE(got.size() == 4);
    CHECK(got[0].id == 0);
    CHECK(got[0].cpu == 1); // 5 % 4
    CHECK(got[0].time_ns == 110);
    CHECK(got[1].id == 1);
    CHECK(got[2].op == ExplicitEvent::Free);
    CHECK(got[2].id == 0);
    CHECK(got[2].cpu == 2);
    CHECK(got[3].id == 0); // reused
}

TEST_CASE("import: the reference capture becomes its replay's requests", "[event-list][import]") {
    const std::string ref = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";
    std::ostringstream out;
    ImportSummary s;
    {
        TraceReplay replay(std::filesystem::path(ref), {});
        EventListWriter w(out);
        s = import_ftrace(replay, w);
    }
    CHECK(s.events_written == 19026 + 19007);
    CHECK(s.counts.allocs == 19026);
    CHECK(s.counts.pre_capture_frees == 0);
    CHECK(s.span_ns == 554'375'000);
    std::istringstream in(out.str());
    EventListReader r(in, "imported");
    TraceReplay again(std::filesystem::path(ref), {});
    ExplicitEvent ev;
    GenEvent g;
    std::uint64_t same = 0, n = 0;
    while (r.next(ev)) {
        REQUIRE(again.next(g));
        ++n;
        same += ev.time_ns == g.time_ns && ev.op == g.op && ev.id == g.id && ev.order == g.order &&
                ev.cpu == g.cpu && (ev.op == ExplicitEvent::Free || ev.gfp == g.gfp);
    }
    CHECK(n == s.events_written);
    CHECK(same == n);
    CHECK(!again.next(g));

    ImportYamlOptions yo;
    yo.name = "t4g";
    yo.machine = "qemu_x86_4G";
    yo.events_file = "t4g.events";
    const std::string yaml = imported_workload_yaml(s, yo);
    CHECK_THAT(yaml, Catch::Contains("\nname: \"t4g\"\nmachine: \"qemu_x86_4G\"\n"
                                     "duration: 555375000ns   # the capture's span + 1ms\n"
                                     "workload:\n  events_file: \"t4g.events\"\n"));
    CHECK_THAT(yaml, Catch::Contains("# mm_page_alloc 19026 (failed 0); mm_page_free 19007"));
}
