// SPDX-License-Identifier: GPL-2.0-only
// The BCM7278 thread_test shape (dmb.md 2.1): 4 threads, each copies a 64 MiB buffer into
// another 30 times. Berger's model: one MEMC gives bandwidth X, spreading over both up to
// 2X. Pure arithmetic: with B per controller and copies drawing 2 bytes per byte, all on
// one controller each copy gets B / 8; spread evenly over two, B / 4: wall time ratio 2.
#include "sim/bandwidth_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {

constexpr double kB = 1.6e10;                     // per MEMC, bytes/s
constexpr std::size_t kBufPages = 16384;          // 64 MiB
constexpr std::uint64_t kPassBytes = 64ull << 20; // per pass
constexpr std::uint64_t kFlowBytes = 30 * kPassBytes;

enum class Spread { OneMemc, SrcOnMemc0DstOnMemc1, ShuffledPages, TwoThreadsPerMemc };

struct Run {
    std::int64_t wall = 0;
    std::vector<ControllerSummary> summary;
    std::uint64_t events = 0;
};

Run thread_test(Spread spread, double cpu_cap, std::uint64_t interleave = 0) {
    BandwidthModel m(two_memcs(kB, kB, interleave));
    for (Pfn t = 0; t < 4; ++t) {
        std::vector<Pfn> src, dst;
        const Pfn off = t * 2 * kBufPages; // each thread its own pages
        switch (spread) {
        case Spread::OneMemc:
            src = pages_on(0, off, kBufPages);
            dst = pages_on(0, off + kBufPages, kBufPages);
            break;
        case Spread::SrcOnMemc0DstOnMemc1:
            src = pages_on(0, off, kBufPages);
            dst = pages_on(1, off, kBufPages);
            break;
        case Spread::ShuffledPages:
            src = alternating(off, kBufPages);
            dst = alternating(off + kBufPages / 2, kBufPages);
            break;
        case Spread::TwoThreadsPerMemc:
            src = pages_on(int(t % 2), off, kBufPages);
            dst = pages_on(int(t % 2), off + kBufPages, kBufPages);
            break;
        }
        m.add_flow(FlowSpec{FlowKind::Copy, m.add_buffer(src), m.add_buffer(dst), 30, cpu_cap});
    }
    while (m.next_event_time() != kNever) m.advance_to(m.next_event_time());
    REQUIRE(m.completions().size() == 4);
    Run r;
    for (const FlowCompletion& c : m.completions()) r.wall = std::max(r.wall, c.time_ns);
    r.summary = m.summary();
    r.events = m.events();
    return r;
}

} // namespace

TEST_CASE("thread_test: spreading over two MEMCs halves the wall time", "[bandwidth][e2e]") {
    const Run one = thread_test(Spread::OneMemc, 1e12);
    // 4 copies * 2 bytes per byte of progress on one controller: each at B / 8.
    const double one_expect = double(kFlowBytes) / (kB / 8) * 1e9;
    CHECK(double(one.wall) == Approx(one_expect).margin(2));
    CHECK(one.wall == 1006632960);
    CHECK(one.events == 1); // merged: 30 passes of 1024 chunks, one event
    CHECK(one.summary[0].share_total == 1.0);
    CHECK(one.summary[1].idle_fraction == 1.0); // Berger: the idle MEMC is the waste
    CHECK(one.summary[0].utilisation == Approx(1.0));

    for (Spread s :
         {Spread::SrcOnMemc0DstOnMemc1, Spread::ShuffledPages, Spread::TwoThreadsPerMemc}) {
        INFO("spread " << int(s));
        const Run two = thread_test(s, 1e12);
        CHECK(double(one.wall) / double(two.wall) == Approx(2.0).epsilon(1e-9));
        CHECK(two.summary[0].share_total == Approx(0.5));
        CHECK(two.summary[1].share_total == Approx(0.5));
        CHECK(two.summary[0].idle_fraction == 0.0);
        CHECK(two.summary[1].utilisation == Approx(1.0));
    }
}

TEST_CASE("thread_test: hardware interleave spreads a one-MEMC layout", "[bandwidth][e2e]") {
    const Run one = thread_test(Spread::OneMemc, 1e12);
    const Run interleaved = thread_test(Spread::OneMemc, 1e12, 4096);
    CHECK(double(one.wall) / double(interleaved.wall) == Approx(2.0).epsilon(1e-9));
    CHECK(interleaved.summary[1].share_total == Approx(0.5));
}

TEST_CASE("thread_test: when CPU caps bind, spreading buys nothing", "[bandwidth][e2e]") {
    // Cap 1 byte/ns per thread: below both B / 8 = 2 and B / 4 = 4 bytes/ns.
    const Run one = thread_test(Spread::OneMemc, 1e9);
    const Run two = thread_test(Spread::SrcOnMemc0DstOnMemc1, 1e9);
    CHECK(one.wall == two.wall);
    CHECK(double(one.wall) == Approx(double(kFlowBytes)).margin(2));
    CHECK(one.summary[0].efficiency_total == Approx(1.0));
    CHECK(one.summary[1].idle_fraction == 0.0); // MEMC0 is not saturated
}
