// SPDX-License-Identifier: GPL-2.0-only
// TraceReplay without the engine: the requests it issues for each kind of captured line,
// agreement with TraceStatsBuilder on the real capture, ids and memory bounded by the live
// allocations, and ftrace_time_span() from both ends of a file.
#include "workloads/ftrace_format.h"
#include "workloads/trace_replay.h"
#include "workloads/trace_stats.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <streambuf>
#include <unistd.h>

using namespace pagesim;
namespace fs = std::filesystem;

namespace {

const std::string kRef = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";
using T = TraceEventType;

TraceEvent ev(T type, std::int64_t ts, Pfn pfn, unsigned order, unsigned cpu = 0) {
    TraceEvent e;
    e.type = type;
    e.ts_ns = ts;
    e.pfn = pfn;
    e.order = static_cast<std::uint8_t>(order);
    e.cpu = static_cast<std::uint16_t>(cpu);
    e.comm = TaskComm::from("test");
    e.pid = 7;
    if (type == T::PageAlloc) {
        e.gfp = GFP_KERNEL;
        e.migratetype = gfp_migratetype(e.gfp);
    }
    return e;
}

std::vector<GenEvent> drain(TraceReplay& r) {
    std::vector<GenEvent> out;
    GenEvent g;
    while (r.next(g)) out.push_back(g);
    return out;
}

std::string op(const GenEvent& g) {
    return (g.op == ExplicitEvent::Alloc ? "A" : "F") + std::to_string(g.id) + "@" +
           std::to_string(g.time_ns) + "/o" + std::to_string(g.order) + "/c" +
           std::to_string(g.cpu);
}

struct TempFile {
    fs::path path;
    explicit TempFile(const std::string& contents) {
        path = fs::temp_directory_path() /
               ("pagesim-replay-" + std::to_string(::getpid()) + "-" +
                std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".txt");
        std::ofstream(path, std::ios::binary) << contents;
    }
    ~TempFile() {
        std::error_code ec;
        fs::remove(path, ec);
    }
};

} // namespace

TEST_CASE("replay: each captured line becomes the right requests", "[replay]") {
    TraceEvent failed = ev(T::PageAlloc, 1'000'600'000, kNoPfn, 9, 1);
    failed.gfp = GFP_TRANSHUGE;
    failed.migratetype = MIGRATE_MOVABLE;
    const std::vector<TraceEvent> events = {
        ev(T::PageAlloc, 1'000'000'000, 0x1000, 0),           // A0
        ev(T::PageAlloc, 1'000'100'000, 0x2000, 2, 1),        // A1
        ev(T::PageFree, 1'000'200'000, 0x7000, 0),            // allocated before the capture
        ev(T::PageFree, 1'000'300'000, 0x1000, 0, 1),         // frees A0 on CPU 1
        ev(T::PageFreeBatched, 1'000'300'000, 0x1000, 0),     // duplicate of that free
        ev(T::PageAllocZoneLocked, 1'000'400'000, 0x3000, 0), // not a request
        ev(T::PageAlloc, 1'000'500'000, 0x4000, 1, 5),        // CPU 5 -> 5 % 2 = 1; id 0 reused
        failed,                                               // re-issued, then given back
        ev(T::PageAlloc, 1'000'700'000, 0x2000, 2),           // 0x2000 still live: implied free
        ev(T::PageFree, 1'000'800'000, 0x4000, 0),            // half of the order-1 block...
        ev(T::PageFree, 1'000'900'000, 0x4001, 0),            // ... and the other half
        ev(T::PageFree, 1'001'000'000, 0x2000, 3),            // order mismatch: ends the block
    };
    std::istringstream in(format_ftrace(events, 2));
    TraceReplayOptions o;
    o.ncpus = 2;
    o.start_ns = 50;
    TraceReplay r(in, "synthetic", o);
    const std::vector<GenEvent> got = drain(r);
    std::vector<std::string> ops;
    for (const GenEvent& g : got) ops.push_back(op(g));
    // Times: 50 + (ts - first). The implied free (F1) is queued before the new allocation,
    // which cannot take id 1 yet (the engine has not seen that free): it gets id 2.
    CHECK(ops == std::vector<std::string>{"A0@50/o0/c0", "A1@100050/o2/c1", "F0@300050/o0/c1",
                                          "A0@500050/o1/c1", "A2@600050/o9/c1", "F2@600050/o9/c1",
                                          "F1@700050/o2/c0", "A2@700050/o2/c0", "F0@900050/o1/c0",
                                          "F2@1000050/o2/c0"});
    CHECK(got[0].gfp == GFP_KERNEL);
    CHECK(got[4].gfp == GFP_TRANSHUGE);
    const TraceReplayCounts& c = r.counts();
    CHECK(r.ended());
    CHECK(c.kmem_events == events.size());
    CHECK(c.allocs == 5);
    CHECK(c.failed_allocs == 1);
    CHECK(c.frees == 5);
    CHECK(c.matched_frees == 1);
    CHECK(c.pre_capture_frees == 1);
    CHECK(c.pre_capture_pages == 1);
    CHECK(c.partial_frees == 2);
    CHECK(c.split_completed == 1);
    CHECK(c.order_mismatch == 1);
    CHECK(c.implied_frees == 1);
    CHECK(c.free_batched_ignored == 1);
    CHECK(c.not_requests == 1);
    CHECK(c.cpus_folded == 1);
    CHECK(c.live_at_end == 0);
    CHECK(c.first_ts_ns == 1'000'000'000);
    CHECK(c.last_ts_ns == 1'001'000'000);
}

TEST_CASE("replay: the engine's answers are counted", "[replay]") {
    TraceEvent failed = ev(T::PageAlloc, 20, kNoPfn, 3);
    const std::vector<TraceEvent> events = {
        ev(T::PageAlloc, 0, 0x1000, 0), failed, ev(T::PageFree, 30, 0x1000, 0),
        ev(T::PageAlloc, 40, 0x1000, 0), ev(T::PageFree, 50, 0x1000, 0)};
    std::istringstream in(format_ftrace(events, 1));
    TraceReplay r(in, "synthetic", {});
    GenEvent g;
    int allocs = 0;
    while (r.next(g)) {
        // The simulator fails the first allocation and succeeds the captured failure.
        if (g.op == ExplicitEvent::Alloc) r.allocation_result(g, allocs++ != 0);
    }
    CHECK(r.counts().replay_failed == 1);
    CHECK(r.counts().replay_recovered == 1);
    CHECK(r.counts().frees_skipped == 1); // the free of the allocation that failed
}

TEST_CASE("replay: the reference capture, counted like trace-stats counts it", "[replay]") {
    TraceReplay r(fs::path(kRef), {});
    const std::vector<GenEvent> got = drain(r);
    const TraceStats s = trace_stats_from_file(kRef, {}, {});
    const TraceReplayCounts& c = r.counts();
    CHECK(c.kmem_events == 38045);
    CHECK(c.allocs == 19026);
    CHECK(c.allocs == s.allocs + s.failed_allocs);
    CHECK(c.failed_allocs == s.failed_allocs);
    CHECK(c.frees == 19007);
    CHECK(c.frees == s.frees);
    CHECK(c.matched_frees == s.lifetimes.matched);
    CHECK(c.pre_capture_frees == s.lifetimes.pre_capture_frees);
    CHECK(c.partial_frees == s.lifetimes.partial_frees);
    CHECK(c.order_mismatch == s.lifetimes.order_mismatch);
    CHECK(c.implied_frees == s.lifetimes.realloc_without_free);
    CHECK(c.live_at_end == s.lifetimes.live_at_end);
    CHECK(c.live_at_end == 19);
    CHECK(c.extfrag == 12);
    // One request per captured allocation and per matched free.
    CHECK(got.size() == 19026 + 19007);
    // Ids stay small: below the most allocations live at once (48 MiB of anon and 48 MiB
    // of pipes are held together: about 19,000 blocks).
    std::uint64_t max_id = 0, live = 0, peak = 0;
    std::int64_t last = 0;
    bool ordered = true;
    for (const GenEvent& g : got) {
        max_id = std::max(max_id, g.id);
        live = g.op == ExplicitEvent::Alloc ? live + 1 : live - 1;
        peak = std::max(peak, live);
        ordered = ordered && g.time_ns >= last;
        last = g.time_ns;
    }
    CHECK(ordered);
    CHECK(peak > 18900);
    CHECK(max_id < peak);
    CHECK(got.front().time_ns == 0);
    CHECK(got.back().time_ns == 3'312'246'000 - 2'757'871'000);
}

namespace {

/// `n` lines of alloc/free pairs over a window of `window` live blocks, never stored.
class GeneratedTrace : public std::streambuf {
public:
    GeneratedTrace(std::uint64_t n, std::uint64_t window) : n_(n), window_(window) {}

protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        buf_.clear();
        for (int k = 0; k < 256 && i_ < n_; ++k, ++i_) {
            // Even lines allocate block i/2; odd lines free block i/2 - window (a block
            // allocated before the capture while there is none): `window` blocks live.
            const std::uint64_t block = i_ / 2;
            const bool alloc = i_ % 2 == 0;
            const Pfn pfn = alloc              ? 0x100000 + block % 0x40000
                            : block >= window_ ? 0x100000 + (block - window_) % 0x40000
                                               : 0x10;
            const TraceEvent e = ev(alloc ? T::PageAlloc : T::PageFree,
                                    static_cast<std::int64_t>(i_) * 1000, pfn, 0);
            format_ftrace_event(e, {}, buf_);
        }
        if (buf_.empty()) return traits_type::eof();
        setg(buf_.data(), buf_.data(), buf_.data() + buf_.size());
        return traits_type::to_int_type(*gptr());
    }

private:
    std::uint64_t n_, window_, i_ = 0;
    std::string buf_;
};

} // namespace

TEST_CASE("replay: memory is bounded by the live allocations, not the trace", "[replay]") {
    GeneratedTrace gen(300000, 64);
    std::istream in(&gen);
    TraceReplay r(in, "generated", {});
    GenEvent g;
    std::size_t max_live = 0;
    std::uint64_t max_id = 0, n = 0;
    while (r.next(g)) {
        max_live = std::max(max_live, r.live());
        max_id = std::max(max_id, g.id);
        ++n;
    }
    CHECK(r.parse_summary().lines == 300000);
    CHECK(n > 290000);
    CHECK(max_live <= 64 + 1);
    CHECK(max_id <= 64 + 1);
}

TEST_CASE("replay: a malformed line is counted, or an error with --strict", "[replay]") {
    const std::string bad = PAGESIM_TEST_DATA "/bad/ftrace_malformed.txt";
    TraceReplay lax(fs::path(bad), {});
    drain(lax);
    CHECK(lax.parse_summary().malformed == 10);
    TraceReplayOptions o;
    o.parse.strict = true;
    TraceReplay strict(fs::path(bad), o);
    GenEvent g;
    CHECK_THROWS_WITH(
        [&] {
            while (strict.next(g)) {}
        }(),
        Catch::StartsWith(bad + ":4: error: "));
    CHECK_THROWS_AS(TraceReplay(fs::path("/nonexistent/trace.txt"), {}), FtraceError);
}

TEST_CASE("ftrace_time_span reads the first and the last event", "[replay]") {
    SECTION("the reference capture") {
        const auto span = ftrace_time_span(kRef);
        REQUIRE(span);
        CHECK(span->first == 2'757'871'000);
        CHECK(span->second == 3'312'246'000);
    }
    const std::string a = "# tracer: nop\n#\n" +
                          format_ftrace({std::vector<TraceEvent>{ev(T::PageAlloc, 5'000, 0x10, 0),
                                                                 ev(T::PageFree, 9'000, 0x10, 0)}},
                                        1);
    SECTION("an unterminated last line is not trusted") {
        TempFile f(a + "        test-7       [000] .....     0.000010: mm_page_free: "
                       "page=(____ptrval____) pfn=0x10 order=0");
        const auto span = ftrace_time_span(f.path);
        REQUIRE(span);
        CHECK(span->first == 5'000);
        CHECK(span->second == 9'000);
    }
    SECTION("CRLF lines and a long tail of other events") {
        std::string text = a;
        std::string crlf;
        for (char c : text) {
            if (c == '\n') crlf += '\r';
            crlf += c;
        }
        for (int i = 0; i < 5000; ++i)
            crlf +=
                "          <idle>-0       [001] d.h1.     0.000020: sched_wakeup: comm=x pid=1\r\n";
        crlf.append(200000, 'x'); // a malformed line longer than max_line
        crlf += '\n';
        TempFile f(crlf);
        const auto span = ftrace_time_span(f.path);
        REQUIRE(span);
        CHECK(span->second == 9'000);
    }
    SECTION("no kmem event") {
        TempFile f("# tracer: nop\n");
        CHECK(!ftrace_time_span(f.path));
    }
}
