// SPDX-License-Identifier: GPL-2.0-only
// The max-min solver on hand-computed cases, ties, and random problems checked against the
// feasibility + bottleneck characterisation of max-min fairness.
#include "sim/bandwidth_maxmin.h"
#include "sim/bandwidth_test_util.h"

#include <catch2/catch.hpp>

#include <random>

using namespace pagesim;
using namespace pagesim::test;

namespace {

/// Solves a RateCase; `rounds` receives the solver's round count.
std::vector<double> solve(const RateCase& p, std::size_t* rounds = nullptr) {
    std::vector<std::uint32_t> offsets{0};
    std::vector<ControllerId> ctrl;
    std::vector<double> coef;
    for (const auto& row : p.draws) {
        for (const Draw& d : row) {
            ctrl.push_back(d.ctrl);
            coef.push_back(d.share);
        }
        offsets.push_back(static_cast<std::uint32_t>(ctrl.size()));
    }
    std::vector<std::uint32_t> order;
    sort_by_cap(p.cap, order);
    std::vector<double> rates(p.cap.size(), -1.0);
    MaxMinSolver s;
    s.solve(MaxMinProblem{p.capacity, p.cap, offsets, ctrl, coef, order}, rates);
    if (rounds) *rounds = s.rounds();
    return rates;
}

constexpr double kBig = 1e30;

} // namespace

TEST_CASE("max-min: the classic water-filling example", "[bandwidth][maxmin]") {
    // One resource of 10, demands 2, 3.5 and 8: the small demands are met in full, the
    // third takes what is left (10 - 2 - 3.5 = 4.5).
    RateCase p{{10}, {2, 3.5, 8}, {{{0, 1}}, {{0, 1}}, {{0, 1}}}};
    std::size_t rounds = 0;
    const std::vector<double> r = solve(p, &rounds);
    CHECK(r[0] == Approx(2));
    CHECK(r[1] == Approx(3.5));
    CHECK(r[2] == Approx(4.5));
    CHECK(rounds == 3);
    CHECK(check_max_min(p, r).empty());
    // Not max-min: equal split 10/3 each violates flow 0's cap; 2, 4, 4 leaves flow 1
    // above flow 2 on a shared saturated resource while flow 1 is under its cap.
    CHECK_FALSE(check_max_min(p, {10.0 / 3, 10.0 / 3, 10.0 / 3}).empty());
    CHECK_FALSE(check_max_min(p, {2, 3.5, 4}).empty()); // not saturated: no bottleneck
    CHECK_FALSE(check_max_min(p, {2, 3, 5}).empty());   // flow 1 starved below flow 2
}

TEST_CASE("max-min: two resources, the Bertsekas-Gallager line", "[bandwidth][maxmin]") {
    // Flow 0 crosses both controllers, flow 1 uses only A, flow 2 only B.
    SECTION("equal capacities: everyone 5") {
        RateCase p{{10, 10}, {kBig, kBig, kBig}, {{{0, 1}, {1, 1}}, {{0, 1}}, {{1, 1}}}};
        const std::vector<double> r = solve(p);
        CHECK(r == std::vector<double>{5, 5, 5});
    }
    SECTION("B twice as fast: A saturates at 5, flow 2 takes the rest of B") {
        RateCase p{{10, 20}, {kBig, kBig, kBig}, {{{0, 1}, {1, 1}}, {{0, 1}}, {{1, 1}}}};
        const std::vector<double> r = solve(p);
        CHECK(r == std::vector<double>{5, 5, 15});
        CHECK(check_max_min(p, r).empty());
    }
}

TEST_CASE("max-min: weighted draws (copies, split chunks)", "[bandwidth][maxmin]") {
    SECTION("a copy within one controller draws twice per byte") {
        // 2r + r = 12: both at 4; the copy moves 8 bytes/s, the read 4.
        RateCase p{{12}, {kBig, kBig}, {{{0, 2}}, {{0, 1}}}};
        CHECK(solve(p) == std::vector<double>{4, 4});
    }
    SECTION("a 50/50 chunk beside a single-controller flow") {
        // Controller 0: 0.5 r + r <= 10 saturates at 20/3 long before controller 1 (0.5 r
        // <= 10 would allow 20).
        RateCase p{{10, 10}, {kBig, kBig}, {{{0, 0.5}, {1, 0.5}}, {{0, 1}}}};
        const std::vector<double> r = solve(p);
        CHECK(r[0] == Approx(20.0 / 3));
        CHECK(r[1] == Approx(20.0 / 3));
        CHECK(check_max_min(p, r).empty());
    }
    SECTION("CPU caps bind before the controller") {
        RateCase p{{10}, {4, 4}, {{{0, 1}}, {{0, 1}}}};
        CHECK(solve(p) == std::vector<double>{4, 4});
    }
}

TEST_CASE("max-min: ties freeze together, in one round", "[bandwidth][maxmin]") {
    SECTION("two controllers saturating at the same level") {
        RateCase p{{8, 8}, {kBig, kBig, kBig, kBig}, {{{0, 1}}, {{0, 1}}, {{1, 1}}, {{1, 1}}}};
        std::size_t rounds = 0;
        CHECK(solve(p, &rounds) == std::vector<double>{4, 4, 4, 4});
        CHECK(rounds == 1);
    }
    SECTION("a cap equal to the saturation level") {
        RateCase p{{8}, {4, kBig}, {{{0, 1}}, {{0, 1}}}};
        std::size_t rounds = 0;
        CHECK(solve(p, &rounds) == std::vector<double>{4, 4});
        CHECK(rounds == 1);
    }
    SECTION("a thousand equal flows") {
        RateCase p;
        p.capacity = {1000};
        for (int i = 0; i < 1000; ++i) {
            p.cap.push_back(kBig);
            p.draws.push_back({{0, 1}});
        }
        std::size_t rounds = 0;
        const std::vector<double> r = solve(p, &rounds);
        CHECK(rounds == 1);
        CHECK(std::all_of(r.begin(), r.end(), [](double x) { return x == 1.0; }));
    }
    SECTION("no flows") {
        CHECK(solve(RateCase{{1, 2}, {}, {}}).empty());
    }
}

TEST_CASE("max-min property: random problems are feasible and Pareto", "[bandwidth][maxmin]") {
    std::mt19937_64 rng(20240607);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int iter = 0; iter < 500; ++iter) {
        const std::size_t nc = 1 + rng() % 8;
        const std::size_t nf = 1 + rng() % 40;
        RateCase p;
        for (std::size_t c = 0; c < nc; ++c) p.capacity.push_back(1 + 99 * u(rng));
        for (std::size_t f = 0; f < nf; ++f) {
            // Some caps drawn from a tiny set so ties between caps happen.
            p.cap.push_back(rng() % 3 == 0 ? double(1 + rng() % 3) : 0.5 + 50 * u(rng));
            std::vector<Draw> row;
            for (std::size_t c = 0; c < nc; ++c)
                if (rng() % 3 == 0) row.push_back({static_cast<ControllerId>(c), 0.1 + u(rng)});
            if (row.empty()) row.push_back({static_cast<ControllerId>(rng() % nc), 1.0});
            p.draws.push_back(row);
        }
        const std::vector<double> r = solve(p);
        INFO("iteration " << iter);
        CHECK(check_max_min(p, r) == "");
    }
}
