// SPDX-License-Identifier: GPL-2.0-only
// Generators: the name -> factory table, parameter validation, time order, id reuse, and
// the churn stream's equivalence to the W3 sequence.
#include "allocator/splitmix64.h"
#include "workloads/generators.h"

#include <catch2/catch.hpp>

#include <set>

using namespace pagesim;

namespace {
GeneratorSpec spec(std::string kind, std::map<std::string, std::string> params) {
    GeneratorSpec s;
    s.kind = std::move(kind);
    s.params = std::move(params);
    return s;
}
} // namespace

TEST_CASE("churn reproduces the W3 step sequence", "[generators]") {
    // W3 at S = 32768 for 10M steps makes 5,008,330 allocations; the first 100k steps of
    // the same PRNG stream (seed 42) must agree with a direct re-implementation.
    auto g = make_generator(
        spec("churn", {{"slots", "32768"}, {"steps", "100000"}, {"rate", "1000000"}}), 42, 2);
    std::uint64_t state = 42;
    auto next = [&] { return splitmix64_next(state); };
    std::vector<int> live(32768, -1);
    GenEvent ev;
    std::uint64_t n = 0;
    while (g->next(ev)) {
        const std::uint64_t slot = next() % 32768;
        if (live[slot] >= 0) {
            REQUIRE(ev.op == ExplicitEvent::Free);
            REQUIRE(ev.id == slot);
            live[slot] = -1;
        } else {
            const auto order = static_cast<unsigned>(std::min(__builtin_ctzll(next() | 1024), 10));
            REQUIRE(ev.op == ExplicitEvent::Alloc);
            REQUIRE(ev.order == order);
            live[slot] = static_cast<int>(order);
        }
        REQUIRE(ev.time_ns == static_cast<std::int64_t>(n * 1000));
        ++n;
    }
    CHECK(n == 100000);
}

TEST_CASE("poisson events come in time order and every free follows its alloc", "[generators]") {
    auto g = make_generator(spec("poisson", {{"rate", "1000"},
                                             {"lifetime", "20ms"},
                                             {"count", "5000"},
                                             {"gfp", "GFP_KERNEL:1,GFP_HIGHUSER_MOVABLE:3"}}),
                            7, 4);
    GenEvent ev;
    std::int64_t last = 0;
    std::set<std::uint64_t> live;
    std::size_t allocs = 0, movable = 0, max_live = 0;
    while (g->next(ev)) {
        REQUIRE(ev.time_ns >= last);
        last = ev.time_ns;
        if (ev.op == ExplicitEvent::Alloc) {
            REQUIRE(live.insert(ev.id).second);
            ++allocs;
            if (ev.gfp == GFP_HIGHUSER_MOVABLE) ++movable;
        } else {
            REQUIRE(live.erase(ev.id) == 1);
        }
        max_live = std::max(max_live, live.size());
    }
    CHECK(allocs == 5000);
    CHECK(live.empty());
    // About rate x lifetime = 20 live at a time; ids are reused, so they stay small.
    CHECK(max_live < 60);
    CHECK(movable > 3400);
    CHECK(movable < 4100);
    // 5000 arrivals at 1000/s take about 5 s.
    CHECK(last > 4'500'000'000);
    CHECK(last < 5'600'000'000);
}

TEST_CASE("generator errors name the parameter", "[generators]") {
    try {
        make_generator(spec("churn", {{"slot", "4"}}), 1, 1);
        FAIL("no error");
    } catch (const GeneratorError& e) {
        CHECK(e.param() == "slot");
        CHECK(std::string(e.what()).find("unknown parameter 'slot'") != std::string::npos);
    }
    CHECK_THROWS_WITH(make_generator(spec("poisson", {{"rate", "10"}}), 1, 1),
                      Catch::Contains("needs 'lifetime'"));
    CHECK_THROWS_WITH(make_generator(spec("poisson", {{"rate", "-1"}, {"lifetime", "1s"}}), 1, 1),
                      Catch::Contains("'rate' must be a number"));
    CHECK_THROWS_WITH(make_generator(spec("churn", {{"gfp", "GFP_KERNAL"}}), 1, 1),
                      Catch::Contains("unknown gfp flag 'GFP_KERNAL'"));
    CHECK_THROWS_WITH(make_generator(spec("fractal", {}), 1, 1),
                      Catch::Contains("known: churn, poisson"));
}
