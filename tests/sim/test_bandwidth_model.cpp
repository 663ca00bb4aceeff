// SPDX-License-Identifier: GPL-2.0-only
// The fluid model on hand-computed cases: sharing, caps, copies, chunk-boundary and page-
// move events, flows ending while others run, empty flows, removal, errors. Bandwidths are
// chosen so that every event lands on a whole nanosecond.
#include "sim/bandwidth_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {

constexpr double kNoCap = 1e12; // a CPU cap that never binds here

FlowSpec read_of(BufferId b, double cap = kNoCap, TrafficClass t = TrafficClass::User) {
    return FlowSpec{FlowKind::Read, b, kNoBuffer, 1, cap, t};
}

std::vector<FlowCompletion> run_all(BandwidthModel& m) {
    for (int guard = 0; guard < 100000 && m.next_event_time() != kNever; ++guard)
        m.advance_to(m.next_event_time());
    return m.completions();
}

} // namespace

TEST_CASE("model: two flows on one controller get half each", "[bandwidth]") {
    BandwidthModel m(two_memcs(1e10, 1e10)); // 10 bytes/ns each
    const FlowId f0 = m.add_flow(read_of(m.add_buffer(pages_on(1, 0, 5))));
    const FlowId f1 = m.add_flow(read_of(m.add_buffer(pages_on(1, 5, 5))));
    CHECK(m.rate(f0) == 5e9);
    CHECK(m.rate(f1) == 5e9);
    CHECK(m.saturated(1));
    CHECK_FALSE(m.saturated(0));
    CHECK(m.next_event_time() == 4096); // 20480 bytes at 5 bytes/ns
    m.advance_to(4096);
    CHECK(m.completions() == std::vector<FlowCompletion>{{f0, 4096}, {f1, 4096}});
    CHECK(m.events() == 1);
    CHECK(m.next_event_time() == kNever);

    const ControllerStats& c0 = m.totals()[0];
    const ControllerStats& c1 = m.totals()[1];
    CHECK(c1.delivered_bytes.user == 40960);
    CHECK(c1.delivered_bytes.kernel == 0);
    CHECK(c0.delivered_bytes.total() == 0);
    CHECK(c1.saturated_ns == 4096);
    CHECK(c1.busy_ns == 4096);
    CHECK(c0.busy_ns == 0);
    CHECK(c0.idle_ns == 4096); // nothing to do while MEMC1 was saturated
    CHECK(c1.idle_ns == 0);
    CHECK(c1.demand_bytes.user == Approx(2 * 1e12 * 4096e-9));

    const std::vector<ControllerSummary> s = m.summary();
    CHECK(s[1].share.user == 1.0);
    CHECK(s[0].share.user == 0.0);
    CHECK(s[1].ideal_share == 0.5);
    CHECK(s[1].delivered_bw.user == Approx(1e10));
    CHECK(s[1].efficiency.user == Approx(1e10 / 2e12));
    CHECK(s[1].utilisation == Approx(1.0));
    CHECK(s[0].idle_fraction == 1.0);
    CHECK(s[0].efficiency_total == 1.0); // no demand, nothing refused
}

TEST_CASE("model: one flow on each controller gets the whole controller", "[bandwidth]") {
    BandwidthModel m(two_memcs(1e10, 1e10));
    const FlowId f0 = m.add_flow(read_of(m.add_buffer(pages_on(0, 0, 5))));
    const FlowId f1 = m.add_flow(read_of(m.add_buffer(pages_on(1, 0, 5))));
    CHECK(m.rate(f0) == 1e10);
    CHECK(m.rate(f1) == 1e10);
    CHECK(run_all(m) == std::vector<FlowCompletion>{{f0, 2048}, {f1, 2048}});
    const std::vector<ControllerSummary> s = m.summary();
    CHECK(s[0].share_total == 0.5);
    CHECK(s[1].share_total == 0.5);
    CHECK(m.totals()[0].idle_ns == 0);
    CHECK(m.totals()[1].idle_ns == 0);
}

TEST_CASE("model: the CPU cap binds before the controller", "[bandwidth]") {
    BandwidthModel m(two_memcs(1e10, 1e10));
    const FlowId f0 = m.add_flow(read_of(m.add_buffer(pages_on(1, 0, 5)), 4e9));
    const FlowId f1 = m.add_flow(read_of(m.add_buffer(pages_on(1, 5, 5)), 4e9));
    CHECK(m.rate(f0) == 4e9);
    CHECK(m.delivered_rate(1).user == 8e9);
    CHECK(m.demand_rate(1).user == 8e9);
    CHECK_FALSE(m.saturated(1));
    CHECK(run_all(m) == std::vector<FlowCompletion>{{f0, 5120}, {f1, 5120}});
    CHECK(m.totals()[1].saturated_ns == 0);
    CHECK(m.totals()[0].idle_ns == 0); // nobody saturated: MEMC0 is not "idle"
    CHECK(m.summary()[1].efficiency.user == Approx(1.0));
}

TEST_CASE("model: rounding keeps an exact completion time exact", "[bandwidth]") {
    // 61 pages at exactly 1 byte/ns take 249856 ns, but 249856 / 1e9 * 1e9 computes to
    // 249856.00000000003: a plain ceil() would report 249857.
    BandwidthModel m(two_memcs(1e10, 1e10));
    const FlowId f = m.add_flow(read_of(m.add_buffer(pages_on(0, 0, 61)), 1e9));
    CHECK(m.next_event_time() == 249856);
    CHECK(run_all(m) == std::vector<FlowCompletion>{{f, 249856}});
    CHECK(m.status(f).done_bytes == 249856);
}

TEST_CASE("model: a copy from MEMC0 into a 50/50 destination", "[bandwidth]") {
    // Source wholly on MEMC0, destination pages alternating, 8 KiB chunks: each byte of
    // progress reads 1 byte and writes 0.5 on MEMC0, writes 0.5 on MEMC1. MEMC0 (12.288
    // bytes/ns) binds: r = 12.288 / 1.5 = 8.192 bytes/ns; 64 KiB take 8000 ns.
    BandwidthConfig cfg;
    cfg.chunk_bytes = 8192;
    BandwidthModel m(two_memcs(12.288e9, 1e10), cfg);
    const BufferId src = m.add_buffer(pages_on(0, 0, 16));
    const BufferId dst = m.add_buffer(alternating(100, 16));
    const FlowId f = m.add_flow(FlowSpec{FlowKind::Copy, src, dst, 1, kNoCap, TrafficClass::User});
    const std::span<const Draw> d = m.draws(f);
    REQUIRE(d.size() == 2);
    CHECK(d[0] == Draw{0, 1.5});
    CHECK(d[1] == Draw{1, 0.5});
    CHECK(m.rate(f) == Approx(8.192e9));
    CHECK(run_all(m) == std::vector<FlowCompletion>{{f, 8000}});
    CHECK(m.totals()[0].delivered_bytes.user == Approx(98304));
    CHECK(m.totals()[1].delivered_bytes.user == Approx(32768));
    CHECK(m.summary()[0].share.user == Approx(0.75));
    CHECK(m.totals()[0].saturated_ns == 8000);
    CHECK(m.totals()[1].saturated_ns == 0);
}

TEST_CASE("model: water-filling with unequal caps, then a flow leaves", "[bandwidth]") {
    BandwidthModel m(two_memcs(1e10, 1e10));
    const FlowId a = m.add_flow(read_of(m.add_buffer(pages_on(0, 0, 10)), 2e9));
    const FlowId b = m.add_flow(read_of(m.add_buffer(pages_on(0, 10, 10)), 3.5e9));
    const FlowId c = m.add_flow(read_of(m.add_buffer(pages_on(0, 20, 20)), 8e9));
    CHECK(m.rate(a) == 2e9);
    CHECK(m.rate(b) == 3.5e9);
    CHECK(m.rate(c) == Approx(4.5e9));
    // b finishes first (40960 bytes at 3.5 bytes/ns = 11702.86 ns; c needs 81920 / 4.5 =
    // 18204.4 ns); c then takes 10 - 2 = 8, its cap.
    CHECK(m.next_event_time() == 11703);
    m.advance_to(11703);
    CHECK(m.completions() == std::vector<FlowCompletion>{{b, 11703}});
    CHECK(m.rate(a) == 2e9);
    CHECK(m.rate(c) == 8e9);
    CHECK(m.rate(b) == 0);
}

TEST_CASE("model: rates change exactly at a chunk boundary", "[bandwidth]") {
    // A: 64 KiB on MEMC0 then 64 KiB on MEMC1. B: 256 KiB on MEMC0. 8.192 bytes/ns each.
    BandwidthModel m(two_memcs(8.192e9, 8.192e9));
    const FlowId a =
        m.add_flow(read_of(m.add_buffer(concat(pages_on(0, 0, 16), pages_on(1, 0, 16)))));
    const FlowId b = m.add_flow(read_of(m.add_buffer(pages_on(0, 100, 64))));
    CHECK(m.rate(a) == 4.096e9);
    CHECK(m.next_event_time() == 16000);
    m.advance_to(15999);
    CHECK(m.rate(a) == 4.096e9);
    CHECK(m.draws(a)[0].ctrl == 0);
    m.advance_to(16000);
    CHECK(m.status(a).done_bytes == 65536);
    CHECK(m.draws(a)[0].ctrl == 1);
    CHECK(m.rate(a) == 8.192e9);
    CHECK(m.rate(b) == 8.192e9);
    // A's second half: 8000 ns. B: 65536 done at 16000, +65536 by 24000, rest alone.
    CHECK(run_all(m) == std::vector<FlowCompletion>{{a, 24000}, {b, 40000}});
    CHECK(m.events() == 3);
    CHECK(m.totals()[0].delivered_bytes.user == Approx(65536 + 262144));
    CHECK(m.totals()[1].delivered_bytes.user == Approx(65536));
}

TEST_CASE("model: a flow ends while another continues", "[bandwidth]") {
    BandwidthModel m(two_memcs(8.192e9, 8.192e9));
    const FlowId a = m.add_flow(read_of(m.add_buffer(pages_on(0, 0, 16))));
    const FlowId b = m.add_flow(read_of(m.add_buffer(pages_on(0, 100, 64))));
    m.advance_to(m.next_event_time());
    CHECK(m.now() == 16000);
    CHECK(m.status(a).state == FlowState::Done);
    CHECK(m.status(a).end_ns == 16000);
    CHECK(m.rate(b) == 8.192e9);
    CHECK(m.active_flows().size() == 1);
    CHECK(run_all(m).back() == FlowCompletion{b, 40000});
    CHECK(m.status(b).done_bytes == 262144);
}

TEST_CASE("model: page moves invalidate the draws", "[bandwidth]") {
    BandwidthModel m(two_memcs(8.192e9, 8.192e9));
    const BufferId ab = m.add_buffer(pages_on(0, 0, 16));
    const FlowId a = m.add_flow(read_of(ab));
    const FlowId b = m.add_flow(read_of(m.add_buffer(pages_on(0, 100, 64))));
    m.advance_to(8000); // both at 4.096: A half done
    CHECK(m.status(a).done_bytes == Approx(32768));
    SECTION("set_pages moves the whole buffer to MEMC1") {
        m.set_pages(ab, 0, pages_on(1, 0, 16));
        CHECK(m.buffer_pages(ab)[15] == kMemc1Base + 15);
    }
    SECTION("remap_pfns moves the pfn range") {
        CHECK(m.remap_pfns(kMemc1Base + 500, kMemc1Base + 600, 16) == 0); // not ours
        CHECK(m.remap_pfns(0, kMemc1Base, 16) == 16);
        CHECK(m.buffer_pages(ab)[3] == kMemc1Base + 3);
    }
    CHECK(m.draws(a)[0] == Draw{1, 1.0});
    CHECK(m.rate(a) == 8.192e9);
    CHECK(m.rate(b) == 8.192e9);
    CHECK(run_all(m) == std::vector<FlowCompletion>{{a, 12000}, {b, 36000}});
}

TEST_CASE("model: moving pages already read changes only later passes", "[bandwidth]") {
    BandwidthConfig cfg;
    cfg.chunk_bytes = 16384; // 4 chunks: the moved half is two whole chunks
    BandwidthModel m(two_memcs(8.192e9, 8.192e9), cfg);
    const BufferId ab = m.add_buffer(pages_on(0, 0, 16));
    const FlowId a = m.add_flow(FlowSpec{FlowKind::Read, ab, kNoBuffer, 2, kNoCap});
    const FlowId b = m.add_flow(read_of(m.add_buffer(pages_on(0, 100, 64))));
    m.advance_to(8000);
    m.set_pages(ab, 0, pages_on(1, 0, 8)); // first half, behind the cursor
    CHECK(m.rate(a) == 4.096e9);
    CHECK(m.draws(a)[0].ctrl == 0);
    CHECK(m.next_event_time() == 16000); // end of pass 1
    // Pass 2: first half alone on MEMC1 (4000 ns), second half shared on MEMC0 (8000 ns).
    CHECK(run_all(m) == std::vector<FlowCompletion>{{a, 28000}, {b, 44000}});
}

TEST_CASE("model: many equal flows tie and finish together", "[bandwidth]") {
    BandwidthModel m(two_memcs(8.192e9, 8.192e9));
    std::vector<FlowCompletion> want;
    for (int i = 0; i < 16; ++i) {
        const int memc = i % 2;
        const FlowId f = m.add_flow(read_of(m.add_buffer(pages_on(memc, Pfn(i) * 4, 4))));
        want.push_back({f, 16000});
    }
    for (FlowId f : m.active_flows()) CHECK(m.rate(f) == 1.024e9);
    CHECK(run_all(m) == want);
    CHECK(m.events() == 1);
}

TEST_CASE("model: a 30-pass copy on one controller is one event", "[bandwidth]") {
    BandwidthModel m(two_memcs(1.6e10, 1.6e10));
    const BufferId s = m.add_buffer(pages_on(0, 0, 16384));
    const BufferId d = m.add_buffer(pages_on(0, 16384, 16384));
    const FlowId f = m.add_flow(FlowSpec{FlowKind::Copy, s, d, 30, kNoCap});
    CHECK(m.rate(f) == 8e9);
    CHECK(m.draws(f)[0] == Draw{0, 2.0});
    CHECK(run_all(m) == std::vector<FlowCompletion>{{f, 251658240}}); // 30*64MiB / 8
    CHECK(m.events() == 1);
    CHECK(m.totals()[0].delivered_bytes.user == 2.0 * 30 * (64 << 20));
}

TEST_CASE("model: zero-length flows complete at once", "[bandwidth]") {
    BandwidthModel m(two_memcs(1e10, 1e10));
    m.advance_to(500);
    const BufferId empty = m.add_buffer({});
    const BufferId full = m.add_buffer(pages_on(0, 0, 5));
    const FlowId a = m.add_flow(read_of(empty));
    const FlowId b = m.add_flow(FlowSpec{FlowKind::Copy, full, full, 0, kNoCap});
    const FlowId c = m.add_flow(FlowSpec{FlowKind::Copy, full, empty, 3, kNoCap});
    CHECK(m.completions() == std::vector<FlowCompletion>{{a, 500}, {b, 500}, {c, 500}});
    CHECK(m.next_event_time() == kNever);
    CHECK(m.status(b).state == FlowState::Done);
    CHECK(m.active_flows().empty());
    m.advance_to(1000);
    CHECK(m.totals()[0].busy_ns == 0);
}

TEST_CASE("model: removal, cap changes and traffic classes", "[bandwidth]") {
    BandwidthModel m(two_memcs(1e10, 1e10));
    const FlowId u = m.add_flow(read_of(m.add_buffer(pages_on(1, 0, 5))));
    const FlowId k =
        m.add_flow(read_of(m.add_buffer(pages_on(1, 5, 5)), kNoCap, TrafficClass::Kernel));
    CHECK(m.delivered_rate(1) == ClassSplit{5e9, 5e9});
    m.advance_to(2048);
    m.remove_flow(k);
    m.remove_flow(k); // no-op
    CHECK(m.status(k).state == FlowState::Removed);
    CHECK(m.status(k).end_ns == 2048);
    CHECK(m.rate(u) == 1e10);
    m.set_cap(u, 2e9); // 10240 bytes left at 2 bytes/ns
    CHECK(run_all(m) == std::vector<FlowCompletion>{{u, 2048 + 5120}});
    CHECK(m.totals()[1].delivered_bytes.user == Approx(20480));
    CHECK(m.totals()[1].delivered_bytes.kernel == Approx(10240));
    CHECK(m.summary()[1].share.kernel == 1.0);
}

TEST_CASE("model: caller errors are exceptions", "[bandwidth]") {
    BandwidthModel m(two_memcs(1e10, 1e10));
    const BufferId b = m.add_buffer(pages_on(0, 0, 4));
    CHECK_THROWS_AS(m.add_buffer({kMemcPages}), BandwidthError); // in the hole
    CHECK_THROWS_AS(m.add_flow(FlowSpec{FlowKind::Read, b, b, 1, 1e9}), BandwidthError);
    CHECK_THROWS_AS(m.add_flow(FlowSpec{FlowKind::Copy, b, kNoBuffer, 1, 1e9}), BandwidthError);
    CHECK_THROWS_AS(m.add_flow(FlowSpec{FlowKind::Read, 7, kNoBuffer, 1, 1e9}), BandwidthError);
    CHECK_THROWS_AS(m.add_flow(read_of(b, 0)), BandwidthError);
    const FlowId f = m.add_flow(read_of(b));
    CHECK_THROWS_AS(m.remove_buffer(b), BandwidthError);
    CHECK_THROWS_AS(m.set_pages(b, 2, pages_on(1, 0, 3)), BandwidthError);
    CHECK_THROWS_AS(m.remap_pfns(0, kMemcPages, 1), BandwidthError);
    CHECK(m.buffer_pages(b)[0] == 0); // failed moves changed nothing
    CHECK_THROWS_AS(m.rate(99), BandwidthError);
    m.advance_to(100);
    CHECK_THROWS_AS(m.advance_to(99), BandwidthError);
    run_all(m);
    CHECK(m.status(f).state == FlowState::Done);
    m.remove_buffer(b);
    CHECK_THROWS_AS(m.buffer_pages(b), BandwidthError);
}
