// SPDX-License-Identifier: GPL-2.0-only
// FtraceReader / FtraceLineParser: the real t_4G_trace capture, every line-prefix variant
// (tracefs trace, record-tgid, irq-info off, trace-cmd report and its latency form),
// payloads of all six events, markers, other events, and malformed lines with their numbers.
#include "workloads/ftrace_parse.h"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace pagesim;

namespace {

const std::string kRef = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";
const std::string kBad = PAGESIM_TEST_DATA "/bad/";

struct Parsed {
    std::vector<TraceEvent> events;
    FtraceParseSummary summary;
};

Parsed parse_text(const std::string& text, FtraceParseOptions opt = {}) {
    std::istringstream in(text);
    Parsed r;
    r.summary = read_ftrace(in, "mem", opt, [&](const TraceEvent& e) { r.events.push_back(e); });
    return r;
}

/// Parses one line that must be a kmem event.
TraceEvent one_event(const std::string& line, bool cma = false) {
    FtraceLineParser p(cma);
    LineParse lp;
    const LineKind k = p.parse(line, lp);
    INFO(line << " -> " << lp.error);
    REQUIRE(k == LineKind::Event);
    return lp.event;
}

std::string one_error(const std::string& line, bool cma = false) {
    FtraceLineParser p(cma);
    LineParse lp;
    const LineKind k = p.parse(line, lp);
    INFO(line);
    REQUIRE(k == LineKind::Malformed);
    return lp.error;
}

const std::string kAllocLine =
    "        pressure-100     [000] .....     2.757871: mm_page_alloc: page=(____ptrval____) "
    "pfn=0x10313a order=0 migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO";

} // namespace

TEST_CASE("reference capture: per-event counts equal a plain line count", "[ftrace]") {
    // Expected numbers from `grep -c ' mm_page_alloc: ' trace.txt` etc. on the capture.
    FtraceParseSummary s;
    std::vector<TraceEvent> events;
    s = read_ftrace_file(kRef, {}, [&](const TraceEvent& e) { events.push_back(e); });
    CHECK(s.lines == 38057);
    CHECK(s.comments == 12);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PageAlloc)] == 19026);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PageFree)] == 19007);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PageFreeBatched)] == 0);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PageAllocZoneLocked)] == 0);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PagePcpuDrain)] == 0);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PageAllocExtfrag)] == 12);
    CHECK(s.kmem_events() == 38045);
    CHECK(events.size() == 38045);
    CHECK(s.malformed == 0);
    CHECK(s.other_events == 0);
    CHECK(s.lost_markers == 0);
    CHECK_FALSE(s.unterminated_last_line);
    CHECK(s.bytes == 5207712);
    // The header block agrees with what was parsed.
    CHECK(s.header.tracer == "nop");
    REQUIRE(s.header.entries_in_buffer);
    CHECK(*s.header.entries_in_buffer == 38045);
    CHECK(*s.header.entries_written == 38045);
    CHECK(s.header.nr_cpus == 2u);
    CHECK(s.first_ts_ns == 2757871000);
    CHECK(s.last_ts_ns == 3312246000);

    const TraceEvent& first = events.front();
    CHECK(first.type == TraceEventType::PageAlloc);
    CHECK(first.comm.view() == "pressure");
    CHECK(first.pid == 100);
    CHECK(first.tgid == kTgidAbsent);
    CHECK(first.cpu == 0);
    CHECK(first.has_irq_info);
    CHECK(first.irq == IrqInfo{});
    CHECK(first.ts_ns == 2757871000);
    CHECK(first.pfn == 0x10313a);
    CHECK(first.order == 0);
    CHECK(first.migratetype == MIGRATE_UNMOVABLE);
    CHECK(first.gfp == (GFP_KERNEL_ACCOUNT | gfp::kZero));

    // First extfrag event: "d..3." pfn=0x106400 alloc_order=0 fallback_order=10 ...
    const auto it = std::find_if(events.begin(), events.end(), [](const TraceEvent& e) {
        return e.type == TraceEventType::PageAllocExtfrag;
    });
    REQUIRE(it != events.end());
    CHECK(it->ts_ns == 3033159000);
    CHECK(it->pfn == 0x106400);
    CHECK(it->irq == IrqInfo{'d', '.', '.', 3, 0});
    CHECK(it->order == 0);
    CHECK(it->fallback_order == 10);
    CHECK(it->pageblock_order == 9);
    CHECK(it->migratetype == MIGRATE_UNMOVABLE);
    CHECK(it->fallback_migratetype == MIGRATE_MOVABLE);
    CHECK_FALSE(it->fragmenting());
    CHECK(it->change_ownership);

    // The last line: an order-4 free.
    CHECK(events.back().type == TraceEventType::PageFree);
    CHECK(events.back().pfn == 0x108e20);
    CHECK(events.back().order == 4);
}

TEST_CASE("line prefix variants", "[ftrace]") {
    SECTION("task names with spaces and dashes, <idle>, record-tgid") {
        TraceEvent e =
            one_event("  kworker/u4:1-mm-4711    [001] d.h1.   123.000001: mm_page_free: "
                      "page=(____ptrval____) pfn=0x1 order=0");
        CHECK(e.comm.view() == "kworker/u4:1-mm");
        CHECK(e.pid == 4711);
        CHECK(e.cpu == 1);
        CHECK(e.irq == IrqInfo{'d', '.', 'h', 1, 0});
        CHECK(e.ts_ns == 123000001000);
        e = one_event(
            "     my task-2-9       [000] .N..2     0.5: mm_page_free: page=x pfn=0x1 order=0");
        CHECK(e.comm.view() == "my task-2");
        CHECK(e.pid == 9);
        CHECK(e.irq == IrqInfo{'.', 'N', '.', 0, 2});
        CHECK(e.ts_ns == 500000000);
        e = one_event("          <idle>-0       (      1) [003] ..s1.     1.000000: mm_page_free: "
                      "page=(____ptrval____) pfn=0x10 order=1");
        CHECK(e.comm.view() == "<idle>");
        CHECK(e.pid == 0);
        CHECK(e.tgid == 1);
        CHECK(e.cpu == 3);
        e = one_event("           <...>-77      (-------) [000] .....     1.000000: mm_page_free: "
                      "page=(____ptrval____) pfn=0x10 order=1");
        CHECK(e.comm.view() == "<...>");
        CHECK(e.tgid == kTgidUnknown);
    }
    SECTION("irq-info off, and 4-column flags of older kernels") {
        TraceEvent e = one_event("        pressure-100     [000]      2.757871: mm_page_free: "
                                 "page=(____ptrval____) pfn=0x1 order=0");
        CHECK_FALSE(e.has_irq_info);
        CHECK(e.ts_ns == 2757871000);
        e = one_event(
            "            bash-1234  [002] d..2  5443.119843: mm_page_free: page=0xffffea0 "
            "pfn=0x1 order=0");
        CHECK(e.irq == IrqInfo{'d', '.', '.', 2, 0});
        CHECK(e.ts_ns == 5443119843000);
    }
    SECTION("trace-cmd report: pid width 5, padded event names, nanosecond and raw clocks") {
        TraceEvent e = one_event("        pressure-100   [000]     2.757871: mm_page_alloc:        "
                                 "page=0xffffea00040c4e80 pfn=0x10313a order=0 migratetype=0 "
                                 "gfp_flags=GFP_KERNEL");
        CHECK(e.pid == 100);
        CHECK_FALSE(e.has_irq_info);
        CHECK(e.pfn == 0x10313a);
        e = one_event("        pressure-100   [001] 2.757871234: mm_page_free:         "
                      "page=0xffffea00040c4e80 pfn=1061178 order=0");
        CHECK(e.ts_ns == 2757871234);
        CHECK(e.pfn == 1061178); // decimal pfn of older print formats
        e = one_event("        pressure-100   [001]   2757871234: mm_page_free: pfn=0x5 order=0");
        CHECK(e.ts_ns == 2757871234);
        // Latency form (trace-cmd report -l): "%8.8s-%-5d %3d" with the flags glued on.
        e = one_event("pressure-100     0d..3.  2.757871: mm_page_free: pfn=0x5 order=2");
        CHECK(e.cpu == 0);
        CHECK(e.irq == IrqInfo{'d', '.', '.', 3, 0});
        CHECK(e.order == 2);
        // --ts-diff adds "(+N)" before the event name.
        e = one_event("        pressure-100   [000]     2.757871: (+12)    mm_page_free: pfn=0x5 "
                      "order=0");
        CHECK(e.pfn == 5);
        // libtraceevent's raw form when it cannot evaluate the print format.
        e = one_event("        pressure-100   [000]     2.757871: mm_page_alloc: [FAILED TO PARSE] "
                      "pfn=1061178 order=0 gfp_flags=3264 migratetype=0");
        CHECK(e.gfp == GFP_KERNEL);
        CHECK(e.pfn == 1061178);
    }
    SECTION("CRLF and trailing blanks") {
        const TraceEvent e = one_event(kAllocLine + " \r");
        CHECK(e.gfp == (GFP_KERNEL_ACCOUNT | gfp::kZero));
    }
}

TEST_CASE("payloads of the six events", "[ftrace]") {
    const std::string p = "        pressure-100     [000] .....     2.757871: ";
    SECTION("mm_page_alloc: hashed page, failure, gfp none and leftover bits") {
        TraceEvent e = one_event(p + "mm_page_alloc: page=00000000c3a1f0b2 pfn=0x2a order=3 "
                                     "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|0x10000000");
        CHECK(e.pfn == 0x2a);
        CHECK(e.order == 3);
        CHECK(e.migratetype == MIGRATE_MOVABLE);
        CHECK(e.gfp == (GFP_HIGHUSER_MOVABLE | 0x10000000u));
        CHECK_FALSE(e.failed());
        e = one_event(p + "mm_page_alloc: page=0000000000000000 pfn=0x0 order=9 migratetype=1 "
                          "gfp_flags=GFP_TRANSHUGE_LIGHT");
        CHECK(e.failed());
        CHECK(e.pfn == kNoPfn);
        // A real page at pfn 0 (page= not NULL) is not a failure.
        e = one_event(p + "mm_page_alloc: page=(____ptrval____) pfn=0x0 order=0 migratetype=0 "
                          "gfp_flags=none");
        CHECK_FALSE(e.failed());
        CHECK(e.pfn == 0);
        CHECK(e.gfp == 0);
    }
    SECTION("zone_locked, pcpu_drain, free_batched") {
        TraceEvent e = one_event(p + "mm_page_alloc_zone_locked: page=(____ptrval____) pfn=0x400 "
                                     "order=3 migratetype=2 percpu_refill=1");
        CHECK(e.type == TraceEventType::PageAllocZoneLocked);
        CHECK(e.order == 3);
        CHECK(e.migratetype == MIGRATE_RECLAIMABLE);
        CHECK(e.percpu_refill);
        e = one_event(p +
                      "mm_page_pcpu_drain: page=(____ptrval____) pfn=0x401 order=0 migratetype=1");
        CHECK(e.type == TraceEventType::PagePcpuDrain);
        CHECK(e.migratetype == MIGRATE_MOVABLE);
        e = one_event(p + "mm_page_free_batched: page=(____ptrval____) pfn=0x402 order=0");
        CHECK(e.type == TraceEventType::PageFreeBatched);
        CHECK(e.pfn == 0x402);
        CHECK(one_error(p + "mm_page_free_batched: page=(____ptrval____) pfn=0x402 order=2") ==
              "mm_page_free_batched always prints order=0");
    }
    SECTION("migratetype numbering follows CONFIG_CMA (erratum E3)") {
        const std::string drain = p + "mm_page_pcpu_drain: page=(____ptrval____) pfn=0x1 order=0 ";
        CHECK(one_event(drain + "migratetype=4").migratetype == MIGRATE_ISOLATE);
        CHECK(one_event(drain + "migratetype=3").migratetype == MIGRATE_HIGHATOMIC);
        CHECK(one_event(drain + "migratetype=4", true).migratetype == MIGRATE_CMA);
        CHECK(one_event(drain + "migratetype=5", true).migratetype == MIGRATE_ISOLATE);
        CHECK(one_error(drain + "migratetype=5") ==
              "bad 'migratetype=' value '5': migrate types are 0..4 without CONFIG_CMA");
        CHECK(one_error(drain + "migratetype=-1", true) ==
              "bad 'migratetype=' value '-1': migrate types are 0..5 with CONFIG_CMA");
    }
    SECTION("extfrag without pageblock_order keeps it unknown") {
        const TraceEvent e = one_event(p + "mm_page_alloc_extfrag: page=(____ptrval____) "
                                           "pfn=0x106400 alloc_order=2 fallback_order=4 "
                                           "alloc_migratetype=1 fallback_migratetype=0 "
                                           "change_ownership=0");
        CHECK(e.pageblock_order == kUnknownPageblockOrder);
        CHECK(e.order == 2);
        CHECK(e.fallback_order == 4);
        CHECK_FALSE(e.change_ownership);
    }
}

TEST_CASE("markers, headers and other events are counted, not parsed as events", "[ftrace]") {
    const std::string text = "cpus=2\n"
                             "version = 6\n"
                             "CPU 1 is empty\n"
                             "CPU:1 [LOST 12 EVENTS]\n"
                             "[LOST 3 EVENTS]\n"
                             "CPU:0 [LOST EVENTS]\n"
                             "CPU:2 [5 EVENTS DROPPED]\n"
                             "CPU:2 [EVENTS DROPPED]\n"
                             "CPU:0 [SUBBUFFER START]\n"
                             "\n"
                             "   \t \r\n"
                             "          <idle>-0       [001] d..2.     1.000000: sched_switch: "
                             "prev_comm=swapper/1 prev_pid=0 ==> next_comm=x next_pid=3\n"
                             "          <idle>-0       [001] d..2.     1.000001: sched_switch: x\n"
                             "            bash-12      [000] .....     1.000002: do_sys_open "
                             "<-__x64_sys_openat\n" +
                             kAllocLine + "\n";
    const Parsed r = parse_text(text);
    CHECK(r.events.size() == 1);
    CHECK(r.summary.header_lines == 4);
    CHECK(r.summary.lost_markers == 5);
    CHECK(r.summary.lost_events == 20);
    CHECK(r.summary.lost_markers_uncounted == 2);
    CHECK(r.summary.blank == 2);
    CHECK(r.summary.other_events == 3);
    CHECK(r.summary.other_event_names.at("sched_switch") == 2);
    CHECK(r.summary.other_event_names.at("(unnamed)") == 1);
    CHECK(r.summary.malformed == 0);
}

TEST_CASE("malformed lines: counted with their line numbers and reasons", "[ftrace]") {
    std::vector<TraceEvent> events;
    const FtraceParseSummary s = read_ftrace_file(
        kBad + "ftrace_malformed.txt", {}, [&](const TraceEvent& e) { events.push_back(e); });
    CHECK(events.size() == 2);
    CHECK(s.malformed == 10);
    const std::vector<MalformedLine> expected{
        {4, "bad 'gfp_flags=' value 'GFP_KERNAL': unknown flag 'GFP_KERNAL'"},
        {5, "expected 'TASK-PID' at the start of the line"},
        {6, "pfn '0x1ffffffffffffffff' does not fit in 64 bits"},
        {7, "missing 'order=' field"},
        {8, "bad 'order=' value '42': orders are 0..19"},
        {9, "bad 'migratetype=' value '5': migrate types are 0..4 without CONFIG_CMA"},
        {10, "bad timestamp"},
        {12, "fragmenting=1 contradicts fallback_order=10 and pageblock_order=9"},
        {13, "pfn 0x10000000000000 is beyond 2^64 bytes of physical memory"},
        {14, "duplicate 'order=' field"},
    };
    CHECK(s.first_malformed == expected);

    FtraceParseOptions few;
    few.max_reported = 3;
    const FtraceParseSummary s3 =
        read_ftrace_file(kBad + "ftrace_malformed.txt", few, [](const TraceEvent&) {});
    CHECK(s3.malformed == 10);
    CHECK(s3.first_malformed.size() == 3);
    CHECK(s3.first_malformed[2].line == 6);
}

TEST_CASE("strict mode: the first malformed line is an error with file:line", "[ftrace]") {
    FtraceParseOptions strict;
    strict.strict = true;
    const std::string path = kBad + "ftrace_malformed.txt";
    FtraceReader reader(path, strict);
    TraceEvent e;
    REQUIRE(reader.next(e)); // line 3 is fine
    CHECK(reader.line_number() == 3);
    try {
        reader.next(e);
        FAIL("no error");
    } catch (const FtraceError& err) {
        CHECK(std::string(err.what()) ==
              path + ":4: error: bad 'gfp_flags=' value 'GFP_KERNAL': unknown flag 'GFP_KERNAL'");
    }
    CHECK_THROWS_WITH(FtraceReader(kBad + "no_such_file.txt"),
                      Catch::Contains("no_such_file.txt: error: cannot open"));
}

TEST_CASE("truncated input: an incomplete last event is malformed, never trusted", "[ftrace]") {
    // The last line reads "...gfp_flags=GFP_KERNEL" with no newline: it could be the start
    // of GFP_KERNEL_ACCOUNT, so it is reported, not imported.
    std::vector<TraceEvent> events;
    const FtraceParseSummary s = read_ftrace_file(
        kBad + "ftrace_truncated.txt", {}, [&](const TraceEvent& e) { events.push_back(e); });
    CHECK(events.size() == 2);
    CHECK(s.unterminated_last_line);
    REQUIRE(s.first_malformed.size() == 1);
    CHECK(s.first_malformed[0] ==
          MalformedLine{5, "incomplete last line (the input ends without a newline)"});
    FtraceParseOptions strict;
    strict.strict = true;
    CHECK_THROWS_WITH(
        read_ftrace_file(kBad + "ftrace_truncated.txt", strict, [](const TraceEvent&) {}),
        Catch::EndsWith("ftrace_truncated.txt:5: error: incomplete last line (the "
                        "input ends without a newline)"));
    // Cut anywhere, the reference still parses without a crash: every complete line counts.
    const Parsed cut = parse_text(kAllocLine + "\n" + kAllocLine.substr(0, 60));
    CHECK(cut.events.size() == 1);
    CHECK(cut.summary.malformed == 1);
}

TEST_CASE("CRLF files and lines longer than 1 MiB", "[ftrace]") {
    std::string crlf;
    for (int i = 0; i < 3; ++i) crlf += kAllocLine + "\r\n";
    Parsed r = parse_text("# tracer: nop\r\n#\r\n" + crlf);
    CHECK(r.events.size() == 3);
    CHECK(r.summary.malformed == 0);
    CHECK(r.summary.header.tracer == "nop");

    // A 2 MiB event line is malformed; a 2 MiB comment or other event is just counted; the
    // lines after them still parse (and their line numbers stay right).
    const std::string huge(std::size_t{2} << 20, 'x');
    const std::string text = kAllocLine + " " + huge + "\n" +                   // line 1
                             "# " + huge + "\n" +                               // line 2
                             "  foo-1 [000] ..... 1.0: print: " + huge + "\n" + // line 3
                             huge + "\n" +                                      // line 4
                             kAllocLine + "\n";                                 // line 5
    r = parse_text(text);
    CHECK(r.events.size() == 1);
    CHECK(r.summary.lines == 5);
    CHECK(r.summary.comments == 1);
    CHECK(r.summary.other_events == 1);
    REQUIRE(r.summary.first_malformed.size() == 2);
    CHECK(r.summary.first_malformed[0] == MalformedLine{1, "line longer than 65536 bytes"});
    CHECK(r.summary.first_malformed[1].line == 4);
}

TEST_CASE("huge numbers are malformed, not undefined behaviour", "[ftrace]") {
    const std::string p =
        "        pressure-100     [000] .....     2.757871: mm_page_free: page=x ";
    CHECK(one_error(p + "pfn=0x" + std::string(40, 'f') + " order=0") ==
          "pfn '0xffffffffffffffffffffffffffffffffffffff...' does not fit in 64 bits");
    CHECK(one_error(p + "pfn=99999999999999999999999 order=0") ==
          "pfn '99999999999999999999999' does not fit in 64 bits");
    CHECK(one_error(p + "pfn=0xffffffffffffffff order=0") ==
          "pfn 0xffffffffffffffff is beyond 2^64 bytes of physical memory");
    CHECK(one_error(p + "pfn=0x1 order=99999999999999999999") ==
          "bad 'order=' value '99999999999999999999'");
    CHECK(one_error(p + "pfn=0x-1 order=0") == "bad pfn '0x-1'");
    CHECK(one_error("  x-99999999999 [000] ..... 1.0: mm_page_free: pfn=0x1 order=0") ==
          "expected a pid after 'TASK-'");
    CHECK(one_error("  x-1 [70000] ..... 1.0: mm_page_free: pfn=0x1 order=0") ==
          "expected the CPU number ('[001]')");
    CHECK(one_error("  x-1 [000] ..... 99999999999.0: mm_page_free: pfn=0x1 order=0") ==
          "bad timestamp");
    // The largest timestamp that fits in int64 nanoseconds still parses.
    CHECK(
        one_event("  x-1 [000] ..... 9223372036.854775807: mm_page_free: pfn=0x1 order=0").ts_ns ==
        INT64_MAX);
}
