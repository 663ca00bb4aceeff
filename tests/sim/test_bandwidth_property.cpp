// SPDX-License-Identifier: GPL-2.0-only
// Random controllers, buffers, flows and page moves: after every recomputation the rates are
// feasible and max-min fair (check_max_min, independent of the solver); every flow
// finishes; bytes are conserved; time always advances; the same inputs give the same run.
#include "sim/bandwidth_test_util.h"

#include <catch2/catch.hpp>

#include <random>
#include <tuple>

using namespace pagesim;
using namespace pagesim::test;

namespace {

constexpr Pfn kCtrlPages = Pfn{1} << 16;

struct Trace {
    std::vector<std::tuple<std::int64_t, FlowId, double>> rates; // (time, flow, rate)
    std::vector<FlowCompletion> completions;
    bool operator==(const Trace&) const = default;
};

/// One random scenario; checks invariants as it goes and returns its trace.
Trace random_run(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint64_t n) { return rng() % n; };
    std::uniform_real_distribution<double> u(0.0, 1.0);

    const std::size_t nc = 2 + pick(7);
    std::vector<ControllerLayout> ctrls;
    for (std::size_t c = 0; c < nc; ++c)
        ctrls.push_back({"MEMC" + std::to_string(c),
                         {PfnRange{c * kCtrlPages, (c + 1) * kCtrlPages}},
                         1e9 * (1 + 9 * u(rng)),
                         0});
    BandwidthConfig cfg;
    const std::uint64_t chunks[] = {4096, 16384, 65536, 6000};
    cfg.chunk_bytes = chunks[pick(4)];
    cfg.sample_period_ns = 10000;
    BandwidthModel m(ControllerMap(ctrls, kPage), cfg);

    auto random_pages = [&](std::size_t n) {
        std::vector<Pfn> p(n);
        const int style = int(pick(3)); // one controller, runs, shuffled
        Pfn ctrl = pick(nc);
        for (std::size_t i = 0; i < n; ++i) {
            if (style == 2 || (style == 1 && i % 8 == 0)) ctrl = pick(nc);
            p[i] = ctrl * kCtrlPages + pick(kCtrlPages);
        }
        return p;
    };
    std::vector<BufferId> bufs;
    for (int i = 0; i < 10; ++i) bufs.push_back(m.add_buffer(random_pages(pick(48))));

    Trace trace;
    double expected_bytes = 0;
    std::size_t added = 0;
    auto add_random_flow = [&] {
        FlowSpec s;
        s.kind = FlowKind(pick(3));
        if (s.kind != FlowKind::Write) s.src = bufs[pick(bufs.size())];
        if (s.kind != FlowKind::Read) s.dst = bufs[pick(bufs.size())];
        s.passes = pick(4);
        s.cpu_cap = 1e8 + 4e9 * u(rng);
        s.traffic = pick(2) ? TrafficClass::User : TrafficClass::Kernel;
        const FlowId f = m.add_flow(s);
        expected_bytes += double(m.status(f).total_bytes) * (s.kind == FlowKind::Copy ? 2.0 : 1.0);
        ++added;
    };
    for (int i = 0; i < 6; ++i) add_random_flow();

    for (int step = 0; step < 5000; ++step) {
        std::vector<double> rates;
        const RateCase rc = rate_case(m, rates);
        const std::string err = check_max_min(rc, rates);
        INFO("seed " << seed << " step " << step << " t=" << m.now());
        REQUIRE(err == "");
        for (std::size_t i = 0; i < rates.size(); ++i)
            trace.rates.emplace_back(m.now(), m.active_flows()[i], rates[i]);

        const std::int64_t next = m.next_event_time();
        if (next == kNever && added >= 20) break;
        REQUIRE(next > m.now());
        switch (pick(6)) {
        case 0: // a new flow part-way
            if (added < 20) {
                m.advance_to(std::min(next, m.now() + std::int64_t(pick(5000))));
                add_random_flow();
                break;
            }
            [[fallthrough]];
        case 1: { // move a few pages of a buffer somewhere else
            const BufferId b = bufs[pick(bufs.size())];
            const std::size_t n = m.buffer_pages(b).size();
            if (n != 0) {
                m.advance_to(std::min(next, m.now() + std::int64_t(pick(5000))));
                const std::size_t first = pick(n);
                m.set_pages(b, first, random_pages(1 + pick(n - first)));
            } else if (next != kNever) {
                m.advance_to(next);
            }
            break;
        }
        default:
            if (next != kNever) m.advance_to(next);
            break;
        }
    }
    REQUIRE(m.next_event_time() == kNever);
    REQUIRE(m.completions().size() == added);
    double moved = 0;
    for (const ControllerStats& s : m.totals()) moved += s.delivered_bytes.total();
    CHECK(moved == Approx(expected_bytes).epsilon(1e-9));
    for (FlowId f = 0; f < added; ++f) {
        const FlowStatus st = m.status(f);
        CHECK(st.done_bytes == double(st.total_bytes));
        // No flow beats its CPU cap.
        const double min_ns = double(st.total_bytes) / m.spec(f).cpu_cap * 1e9;
        CHECK(double(st.end_ns - st.start_ns) >= min_ns - 1);
    }
    trace.completions = m.completions();
    return trace;
}

} // namespace

TEST_CASE("property: random runs stay feasible, fair and finish", "[bandwidth][property]") {
    for (std::uint64_t seed = 1; seed <= 60; ++seed) random_run(seed);
}

TEST_CASE("determinism: same inputs, identical event sequence", "[bandwidth]") {
    for (std::uint64_t seed : {7u, 11u, 42u}) {
        const Trace a = random_run(seed);
        const Trace b = random_run(seed);
        CHECK(a.rates.size() > 10);
        CHECK(a == b);
    }
}
