// SPDX-License-Identifier: GPL-2.0-only
// Cost of the bandwidth model: one max-min solve, one full rate recomputation (re-derive a
// flow's piece, rebuild the incidence, solve, event times) and one event (integrate,
// crossing, recompute), for 4 / 64 / 1024 copy flows over 2 / 4 / 8 controllers. Buffers
// are 1 MiB in 64 KiB runs on random controllers, so flows cross a boundary every chunk.
// With PAGESIM_BENCH_SMOKE set, only tiny "smoke" variants run, 1000 iterations each (the
// CTest smoke run, a few milliseconds).
#include "bench/bench_util.h"
#include "sim/bandwidth.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

using namespace pagesim;
using namespace pagesim::bench;

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr Pfn kCtrlPages = Pfn{1} << 22; // 16 GiB per controller: room for 1024 flows
constexpr std::size_t kBufPages = 256;   // 1 MiB
constexpr std::size_t kRun = 16;         // pages per run on one controller (64 KiB)

std::unique_ptr<BandwidthModel> make_model(std::size_t flows, std::size_t ctrls,
                                           std::uint64_t seed = 1) {
    std::vector<ControllerLayout> c;
    for (std::size_t i = 0; i < ctrls; ++i) {
        c.push_back({"MEMC" + std::to_string(i),
                     {PfnRange{i * kCtrlPages, (i + 1) * kCtrlPages}},
                     1e10 * double(1 + i % 3),
                     0});
    }
    auto m = std::make_unique<BandwidthModel>(ControllerMap(c, kPage));
    std::mt19937_64 rng(seed);
    std::vector<Pfn> next(ctrls, 0); // next free page on each controller
    auto buffer = [&] {
        std::vector<Pfn> p(kBufPages);
        for (std::size_t i = 0; i < kBufPages; i += kRun) {
            const std::size_t ctrl = rng() % ctrls;
            for (std::size_t j = 0; j < kRun; ++j) p[i + j] = ctrl * kCtrlPages + next[ctrl]++;
        }
        return m->add_buffer(std::move(p));
    };
    for (std::size_t f = 0; f < flows; ++f) {
        const BufferId src = buffer();
        const BufferId dst = buffer();
        // Caps from a small set, so some flows are CPU-bound and some are not.
        m->add_flow(FlowSpec{FlowKind::Copy, src, dst, 1000, 1e9 * double(1 + rng() % 8),
                             f % 4 == 0 ? TrafficClass::Kernel : TrafficClass::User});
    }
    m->next_event_time(); // first recomputation outside the timing
    return m;
}

void recompute(benchmark::State& state) {
    const auto flows = static_cast<std::size_t>(state.range(0));
    const auto ctrls = static_cast<std::size_t>(state.range(1));
    auto m = make_model(flows, ctrls);
    const FlowId f = m->active_flows()[0];
    for (auto _ : state) {
        m->invalidate_flow(f);
        benchmark::DoNotOptimize(m->next_event_time());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["recomputations"] = double(m->recomputations());
}

void event(benchmark::State& state) {
    const auto flows = static_cast<std::size_t>(state.range(0));
    const auto ctrls = static_cast<std::size_t>(state.range(1));
    auto m = make_model(flows, ctrls);
    std::uint64_t seed = 1;
    for (auto _ : state) {
        const std::int64_t t = m->next_event_time();
        if (t == kNever) {
            state.PauseTiming();
            m = make_model(flows, ctrls, ++seed);
            state.ResumeTiming();
            continue;
        }
        m->advance_to(t);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

/// The solver alone on the model's problem of the moment.
void solve(benchmark::State& state) {
    const auto flows = static_cast<std::size_t>(state.range(0));
    const auto ctrls = static_cast<std::size_t>(state.range(1));
    auto m = make_model(flows, ctrls);
    std::vector<double> cap;
    std::vector<std::uint32_t> offsets{0};
    std::vector<ControllerId> ctrl;
    std::vector<double> coef;
    for (FlowId f : m->active_flows()) {
        cap.push_back(m->spec(f).cpu_cap);
        for (const Draw& d : m->draws(f)) {
            ctrl.push_back(d.ctrl);
            coef.push_back(d.share);
        }
        offsets.push_back(static_cast<std::uint32_t>(ctrl.size()));
    }
    std::vector<std::uint32_t> order;
    sort_by_cap(cap, order);
    std::vector<double> rates(cap.size());
    MaxMinSolver solver;
    const MaxMinProblem p{m->controllers().bandwidths(), cap, offsets, ctrl, coef, order};
    for (auto _ : state) {
        solver.solve(p, rates);
        benchmark::DoNotOptimize(rates.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["rounds"] = double(solver.rounds());
}

void register_all(bool smoke) {
    const std::string suffix = smoke ? "_smoke" : "";
    for (auto [name, fn] : {std::pair{"BM_Solve", &solve}, std::pair{"BM_Recompute", &recompute},
                            std::pair{"BM_Event", &event}}) {
        auto* b = benchmark::RegisterBenchmark((name + suffix).c_str(), fn);
        if (smoke) {
            // Fixed iterations: the smoke run must not depend on --benchmark_min_time
            // (CTest may run the program with no flags at all).
            b->Args({4, 2})->Iterations(1000);
            continue;
        }
        for (std::int64_t flows : {4, 64, 1024})
            for (std::int64_t ctrls : {2, 4, 8}) b->Args({flows, ctrls});
    }
}

} // namespace

int main(int argc, char** argv) {
    register_all(std::getenv("PAGESIM_BENCH_SMOKE") != nullptr);
    return run_benchmarks(argc, argv);
}
