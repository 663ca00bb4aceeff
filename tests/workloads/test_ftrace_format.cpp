// SPDX-License-Identifier: GPL-2.0-only
// The trace writer: byte-for-byte reproduction of the real capture, exact lines of every
// event and header variant, and parse(write(events)) == events.
#include "workloads/ftrace_format.h"
#include "workloads/ftrace_parse.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <sstream>

using namespace pagesim;

namespace Catch {
template <>
struct StringMaker<TraceEvent> {
    static std::string convert(const TraceEvent& e) {
        std::ostringstream o;
        o << "{type " << static_cast<int>(e.type) << " ts " << e.ts_ns << " pfn " << e.pfn
          << " gfp " << e.gfp << " pid " << e.pid << " tgid " << e.tgid << " cpu " << e.cpu
          << " order " << int{e.order} << " mt " << int{e.migratetype} << " fb "
          << int{e.fallback_order} << "/" << int{e.fallback_migratetype} << " pb "
          << int{e.pageblock_order} << " refill " << e.percpu_refill << " own "
          << e.change_ownership << " irq " << e.has_irq_info << e.irq.irqs_off << e.irq.need_resched
          << e.irq.hardsoft_irq << int{e.irq.preempt_depth} << int{e.irq.migrate_disable}
          << " comm '" << e.comm.view() << "'}";
        return o.str();
    }
};
} // namespace Catch

namespace {

const std::string kRef = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<TraceEvent> parse_all(const std::string& text, FtraceParseSummary* summary = nullptr,
                                  bool cma = false) {
    std::istringstream in(text);
    std::vector<TraceEvent> out;
    FtraceParseOptions opt;
    opt.cma = cma;
    opt.strict = true;
    const FtraceParseSummary s =
        read_ftrace(in, "mem", opt, [&](const TraceEvent& e) { out.push_back(e); });
    if (summary) *summary = s;
    return out;
}

std::string line_of(const TraceEvent& e, const FtraceWriteOptions& opt = {}) {
    std::string s;
    format_ftrace_event(e, opt, s);
    return s;
}

TraceEvent base_event(TraceEventType t) {
    TraceEvent e;
    e.type = t;
    e.comm = TaskComm::from("pagesim");
    e.pid = 42;
    e.cpu = 1;
    e.ts_ns = 1500000;
    e.pfn = 0x1234;
    return e;
}

} // namespace

TEST_CASE("writing the parsed reference capture reproduces it byte for byte", "[ftrace]") {
    const std::string original = slurp(kRef);
    REQUIRE(original.size() == 5207712);
    FtraceParseSummary s;
    const std::vector<TraceEvent> events = parse_all(original, &s);
    REQUIRE(events.size() == 38045);
    REQUIRE(s.header.nr_cpus);
    const std::string written = format_ftrace(events, *s.header.nr_cpus);
    CHECK(written.size() == original.size());
    // Compare line by line first so that a failure names the line.
    std::istringstream a(original);
    std::istringstream b(written);
    std::string la;
    std::string lb;
    int n = 0;
    int diffs = 0;
    while (std::getline(a, la) && std::getline(b, lb)) {
        ++n;
        if (la != lb && ++diffs <= 3) {
            INFO("line " << n);
            CHECK(lb == la);
        }
    }
    CHECK(diffs == 0);
    CHECK(written == original);
}

TEST_CASE("each event prints like the kernel's TP_printk", "[ftrace]") {
    TraceEvent e = base_event(TraceEventType::PageAlloc);
    e.order = 9;
    e.migratetype = MIGRATE_MOVABLE;
    e.gfp = GFP_TRANSHUGE_LIGHT | gfp::kNoretry | gfp::kThisnode;
    CHECK(line_of(e) == "         pagesim-42      [001] .....     0.001500: mm_page_alloc: "
                        "page=(____ptrval____) pfn=0x1234 order=9 migratetype=1 "
                        "gfp_flags=GFP_TRANSHUGE_LIGHT|__GFP_NORETRY|__GFP_THISNODE\n");
    e.pfn = kNoPfn; // a failed allocation: NULL page, pfn 0 (E5)
    CHECK(line_of(e) == "         pagesim-42      [001] .....     0.001500: mm_page_alloc: "
                        "page=0000000000000000 pfn=0x0 order=9 migratetype=1 "
                        "gfp_flags=GFP_TRANSHUGE_LIGHT|__GFP_NORETRY|__GFP_THISNODE\n");

    e = base_event(TraceEventType::PageAllocZoneLocked);
    e.order = 3;
    e.migratetype = MIGRATE_RECLAIMABLE;
    e.percpu_refill = true;
    e.irq = {'d', '.', '.', 2, 0};
    e.tgid = 40;
    CHECK(line_of(e) == "         pagesim-42      (     40) [001] d..2.     0.001500: "
                        "mm_page_alloc_zone_locked: page=(____ptrval____) pfn=0x1234 order=3 "
                        "migratetype=2 percpu_refill=1\n");

    e = base_event(TraceEventType::PagePcpuDrain);
    e.migratetype = MIGRATE_ISOLATE;
    e.tgid = kTgidUnknown;
    e.has_irq_info = false;
    CHECK(line_of(e) == "         pagesim-42      (-------) [001]      0.001500: "
                        "mm_page_pcpu_drain: page=(____ptrval____) pfn=0x1234 order=0 "
                        "migratetype=4\n");
    FtraceWriteOptions cma;
    cma.cma = true;
    CHECK(line_of(e, cma).find("migratetype=5\n") != std::string::npos);
    e.migratetype = MIGRATE_CMA;
    CHECK(line_of(e, cma).find("migratetype=4\n") != std::string::npos);
    CHECK_THROWS_AS(line_of(e), std::invalid_argument);

    e = base_event(TraceEventType::PageFreeBatched);
    e.irq = {'.', '.', 's', 0xf, 1};
    e.ts_ns = 123456789012345; // 123456.789012345 s: microseconds round to nearest
    CHECK(line_of(e) == "         pagesim-42      [001] ..sf1 123456.789012: "
                        "mm_page_free_batched: page=(____ptrval____) pfn=0x1234 order=0\n");
    FtraceWriteOptions ns;
    ns.ns_timestamps = true;
    CHECK(line_of(e, ns).find(" 123456.789012345: ") != std::string::npos);
    e.ts_ns = 999999500; // rounds up into the next second, like ns2usecs()
    CHECK(line_of(e).find("     1.000000: ") != std::string::npos);

    e = base_event(TraceEventType::PageAllocExtfrag);
    e.order = 0;
    e.fallback_order = 3;
    e.migratetype = MIGRATE_UNMOVABLE;
    e.fallback_migratetype = MIGRATE_MOVABLE;
    e.comm = TaskComm::from("a-very-long-task-name"); // cut to 15 bytes like TASK_COMM_LEN
    CHECK(line_of(e) == " a-very-long-tas-42      [001] .....     0.001500: "
                        "mm_page_alloc_extfrag: page=(____ptrval____) pfn=0x1234 alloc_order=0 "
                        "fallback_order=3 pageblock_order=9 alloc_migratetype=0 "
                        "fallback_migratetype=1 fragmenting=1 change_ownership=0\n");
    e.pageblock_order = kUnknownPageblockOrder; // the trace did not say: printed as read
    CHECK(line_of(e).find("fallback_order=3 alloc_migratetype=0 fallback_migratetype=1 "
                          "change_ownership=0\n") != std::string::npos);

    e.ts_ns = -1;
    CHECK_THROWS_AS(line_of(e), std::invalid_argument);
}

TEST_CASE("header block, with and without record-tgid", "[ftrace]") {
    std::string h;
    format_ftrace_header({7, 9, 4, false}, h);
    CHECK(h == "# tracer: nop\n"
               "#\n"
               "# entries-in-buffer/entries-written: 7/9   #P:4\n"
               "#\n"
               "#                                _-----=> irqs-off/BH-disabled\n"
               "#                               / _----=> need-resched\n"
               "#                              | / _---=> hardirq/softirq\n"
               "#                              || / _--=> preempt-depth\n"
               "#                              ||| / _-=> migrate-disable\n"
               "#                              |||| /     delay\n"
               "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
               "#              | |         |   |||||     |         |\n");
    h.clear();
    format_ftrace_header({1, 1, 1, true}, h);
    CHECK(h.find("#                                          _-----=> irqs-off/BH-disabled\n") !=
          std::string::npos);
    CHECK(h.find("#           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION\n") !=
          std::string::npos);
    CHECK(h.find("#              | |           |       |   |||||     |         |\n") !=
          std::string::npos);
    // The reader takes the entries and CPUs back.
    FtraceParseSummary s;
    parse_all(h, &s);
    CHECK(s.header.entries_in_buffer == 1u);
    CHECK(s.header.nr_cpus == 1u);
}

TEST_CASE("parse(write(events)) == events", "[ftrace]") {
    std::vector<TraceEvent> events;
    unsigned n = 0;
    for (std::size_t t = 0; t < kTraceEventTypes; ++t) {
        for (int variant = 0; variant < 4; ++variant) {
            TraceEvent e = base_event(static_cast<TraceEventType>(t));
            e.ts_ns =
                std::int64_t{1000} * 1000003 * ++n; // whole microseconds: the kernel's resolution
            e.pid = static_cast<std::int32_t>(n * 7);
            e.cpu = static_cast<std::uint16_t>(n % 3);
            e.pfn = 0x100000 + n * 0x200;
            e.tgid = variant == 1 ? kTgidUnknown : variant == 2 ? 4000 : kTgidAbsent;
            e.has_irq_info = variant != 3;
            if (e.has_irq_info)
                e.irq = {variant ? 'd' : '.', '.', variant == 2 ? 'h' : '.',
                         static_cast<std::uint8_t>(variant), 0};
            e.comm = TaskComm::from(variant == 1 ? "kworker/u4:1-mm" : "my task");
            switch (e.type) {
            case TraceEventType::PageAlloc:
                e.order = static_cast<std::uint8_t>(variant * 3);
                e.migratetype = static_cast<MigrateType>(variant % 3);
                e.gfp = variant == 0   ? GFP_KERNEL
                        : variant == 1 ? 0u
                        : variant == 2 ? (GFP_ATOMIC | 0x10000000u)
                                       : GFP_HIGHUSER | gfp::kAccount;
                if (variant == 3) e.pfn = kNoPfn;
                break;
            case TraceEventType::PageFree:
                e.order = static_cast<std::uint8_t>(variant);
                break;
            case TraceEventType::PageFreeBatched:
                break;
            case TraceEventType::PageAllocZoneLocked:
                e.order = static_cast<std::uint8_t>(variant);
                e.migratetype = static_cast<MigrateType>(variant);
                e.percpu_refill = variant % 2 == 0;
                break;
            case TraceEventType::PagePcpuDrain:
                e.migratetype = variant == 3 ? MIGRATE_ISOLATE : MIGRATE_MOVABLE;
                break;
            case TraceEventType::PageAllocExtfrag:
                e.order = static_cast<std::uint8_t>(variant);
                e.fallback_order = static_cast<std::uint8_t>(variant * 3 + 1);
                e.migratetype = MIGRATE_MOVABLE;
                e.fallback_migratetype = static_cast<MigrateType>(variant % 3);
                e.change_ownership = variant >= 2;
                break;
            }
            events.push_back(e);
        }
    }
    const std::string text = format_ftrace(events, 3);
    FtraceParseSummary s;
    const std::vector<TraceEvent> back = parse_all(text, &s);
    REQUIRE(back.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        INFO("event " << i << ": " << line_of(events[i]));
        CHECK(back[i] == events[i]);
    }
    CHECK(s.header.entries_in_buffer == events.size());
    CHECK(s.comments == 12);

    // With CMA numbering, and with nanosecond timestamps (lossless for any ts_ns).
    for (TraceEvent& e : events) {
        if (e.type == TraceEventType::PagePcpuDrain) e.migratetype = MIGRATE_CMA;
        e.ts_ns += 123;
    }
    FtraceWriteOptions opt;
    opt.cma = true;
    opt.ns_timestamps = true;
    CHECK(parse_all(format_ftrace(events, 3, opt), nullptr, true) == events);

    // FtraceWriter streams the same text.
    std::ostringstream out;
    {
        FtraceWriter w(out, opt);
        w.write_header({events.size(), events.size(), 3, true});
        for (const TraceEvent& e : events) w.write(e);
        CHECK(w.events_written() == events.size());
    }
    CHECK(out.str() == format_ftrace(events, 3, opt));
}
