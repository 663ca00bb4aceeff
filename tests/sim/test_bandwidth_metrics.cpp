// SPDX-License-Identifier: GPL-2.0-only
// Metric arithmetic: per-interval series against hand-computed values, intervals adding up
// to the run totals, and summarize() on hand-made integrals.
#include "sim/bandwidth_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

TEST_CASE("metrics: per-interval series of two flows on MEMC1", "[bandwidth][metrics]") {
    BandwidthConfig cfg;
    cfg.sample_period_ns = 1000;
    BandwidthModel m(two_memcs(1e10, 1e10), cfg);
    m.add_flow(FlowSpec{FlowKind::Read, m.add_buffer(pages_on(1, 0, 5)), kNoBuffer, 1, 1e12});
    m.add_flow(FlowSpec{FlowKind::Read, m.add_buffer(pages_on(1, 5, 5)), kNoBuffer, 1, 1e12,
                        TrafficClass::Kernel});
    m.advance_to(4500); // the flows end at 4096
    const BandwidthSeries& s = m.series();
    REQUIRE(s.intervals() == 4);
    CHECK(s.period_ns == 1000);
    for (std::size_t i = 0; i < 4; ++i) {
        const ControllerStats& c1 = s.interval(i)[1];
        const ControllerStats& c0 = s.interval(i)[0];
        INFO("interval " << i);
        CHECK(c1.delivered_bytes.user == Approx(5000));
        CHECK(c1.delivered_bytes.kernel == Approx(5000));
        CHECK(c1.saturated_ns == 1000);
        CHECK(c0.idle_ns == 1000);
        CHECK(c1.demand_bytes.user == Approx(1e12 * 1000e-9));
    }
    const ControllerStats& open1 = m.open_interval()[1];
    CHECK(open1.delivered_bytes.total() == Approx(960)); // [4000, 4096) at 10 bytes/ns
    CHECK(open1.saturated_ns == 96);
    CHECK(m.open_interval()[0].idle_ns == 96);

    // Intervals plus the open one add up to the run totals.
    for (std::size_t c = 0; c < 2; ++c) {
        ControllerStats sum = m.open_interval()[c];
        for (std::size_t i = 0; i < s.intervals(); ++i) sum += s.interval(i)[c];
        CHECK(sum.delivered_bytes.user == Approx(m.totals()[c].delivered_bytes.user));
        CHECK(sum.delivered_bytes.kernel == Approx(m.totals()[c].delivered_bytes.kernel));
        CHECK(sum.busy_ns == m.totals()[c].busy_ns);
        CHECK(sum.idle_ns == m.totals()[c].idle_ns);
        CHECK(sum.saturated_ns == m.totals()[c].saturated_ns);
    }
    CHECK(m.totals()[1].delivered_bytes.total() == 40960);
    // Over [0, 4500): MEMC1 delivered 40960 bytes, the mean bandwidth is 9.10 bytes/ns.
    const std::vector<ControllerSummary> sum = m.summary();
    CHECK(sum[1].delivered_bw.total() == Approx(40960 / 4500e-9));
    CHECK(sum[1].busy_fraction == Approx(4096.0 / 4500));
    CHECK(sum[0].idle_fraction == Approx(4096.0 / 4500));
}

TEST_CASE("metrics: summarize() on hand-made integrals", "[bandwidth][metrics]") {
    // Over 2 s: MEMC0 (peak 3) moved 4 user + 2 kernel bytes of a demand of 8 + 2; MEMC1
    // (peak 1) moved 2 user bytes of a demand of 2, and sat idle 0.5 s.
    std::vector<ControllerStats> st(2);
    st[0].delivered_bytes = {4, 2};
    st[0].demand_bytes = {8, 2};
    st[0].busy_ns = 2'000'000'000;
    st[0].saturated_ns = 500'000'000;
    st[1].delivered_bytes = {2, 0};
    st[1].demand_bytes = {2, 0};
    st[1].busy_ns = 1'500'000'000;
    st[1].idle_ns = 500'000'000;
    const std::vector<double> peak{3, 1};
    const std::vector<ControllerSummary> s = summarize(st, peak, 2'000'000'000);
    CHECK(s[0].delivered_bw == ClassSplit{2, 1});
    CHECK(s[0].demand_bw == ClassSplit{4, 1});
    CHECK(s[0].share.user == Approx(4.0 / 6));
    CHECK(s[0].share.kernel == 1.0);
    CHECK(s[0].share_total == 0.75);
    CHECK(s[1].share_total == 0.25);
    CHECK(s[1].share.user == Approx(2.0 / 6));
    CHECK(s[1].share.kernel == 0.0);
    CHECK(s[0].ideal_share == 0.75);
    CHECK(s[1].ideal_share == 0.25);
    CHECK(s[0].efficiency.user == 0.5);
    CHECK(s[0].efficiency.kernel == 1.0);
    CHECK(s[0].efficiency_total == 0.6);
    CHECK(s[1].efficiency.kernel == 1.0); // no kernel demand: nothing refused
    CHECK(s[0].utilisation == 1.0);       // 6 bytes / (3 bytes/s * 2 s)
    CHECK(s[1].utilisation == 1.0);
    CHECK(s[0].saturated_fraction == 0.25);
    CHECK(s[1].busy_fraction == 0.75);
    CHECK(s[1].idle_fraction == 0.25);
    CHECK(s[1].bytes == ClassSplit{2, 0});
    // Zero duration gives zeros, not NaNs.
    const std::vector<ControllerSummary> z = summarize(st, peak, 0);
    CHECK(z[0].delivered_bw.user == 0);
    CHECK(z[0].idle_fraction == 0);
}
