// SPDX-License-Identifier: GPL-2.0-only
// Slow-path benchmarks on one 1 GiB zone of 4 KiB pages: a kswapd reclaim pass and direct
// reclaim over page cache, and a manual compaction pass over a checkerboard of movable
// pages (contiguous zone, and the same zone marked non-contiguous as a DMB overlap makes
// it). Counters: host ns per page scanned (and per page migrated), and the simulated cost
// the model charges per page scanned. Set-up (filling the zone) is not timed.
#include "allocator/slowpath.h"
#include "bench/bench_util.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

using namespace pagesim;
using namespace pagesim::bench;

namespace {

Pfn zone_pages() {
    return smoke() ? 16384 : 262144;
}

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// Every block is clean page cache; every migration succeeds.
class BenchOwners : public OwnerHooks {
public:
    ReclaimResult reclaim(Pfn, unsigned, std::uint32_t, const ReclaimContext&) override {
        return ReclaimResult::Freed;
    }
    void migrated(Pfn, Pfn, unsigned, std::uint32_t) override { ++moves; }
    std::vector<OomCandidate> oom_candidates(const OomRequest&) override { return {}; }
    std::uint64_t oom_kill(std::uint32_t, const OomRequest&) override { return 0; }
    std::uint64_t moves = 0;
};

struct Setup {
    std::unique_ptr<PageAllocator> pa;
    BenchOwners own;
    std::unique_ptr<SlowPathModel> sp;
    explicit Setup(bool pcp = true) {
        AllocatorOptions o;
        o.debug_checks = false;
        o.pcp_enabled = pcp;
        pa = std::make_unique<PageAllocator>(make_simple_layout(zone_pages()), o);
        sp = std::make_unique<SlowPathModel>(*pa, own);
    }
    Zone& zone() {
        for (Zone* z : pa->zones())
            if (z->populated()) return *z;
        throw std::runtime_error("no zone");
    }
    // Page cache down to the min watermark, every fourth page referenced.
    void fill_cache() {
        AllocRequest r;
        r.gfp = GFP_NOWAIT | gfp::kMovable | gfp::kHighmem;
        for (std::uint64_t i = 0;; ++i) {
            const AllocResult a = pa->alloc_pages(r);
            if (!a) break;
            pa->lru_add(a.pfn, LruKind::File);
            if (i % 4 == 0) pa->mark_accessed(a.pfn);
        }
    }
    // Movable pages everywhere, then every even pfn freed: no free block above order 0.
    void checkerboard() {
        pa->zero_watermarks();
        AllocRequest r;
        r.gfp = GFP_NOWAIT | gfp::kMovable | gfp::kHighmem;
        std::vector<Pfn> all;
        for (AllocResult a = pa->alloc_pages(r); a; a = pa->alloc_pages(r)) all.push_back(a.pfn);
        for (Pfn p : all)
            if (p % 2 == 0) pa->free_pages(p, 0, 0);
        pa->drain_all_pages();
        pa->setup_per_zone_wmarks();
        pa->setup_per_zone_lowmem_reserve();
    }
};

void KswapdPass(benchmark::State& state) {
    for (auto _ : state) {
        Setup s;
        s.fill_cache();
        if (!s.sp->kswapd_runnable(0)) throw std::runtime_error("kswapd not woken");
        const std::uint64_t cost0 = s.pa->events()[PGSCAN_KSWAPD];
        std::uint64_t sim_ns = 0;
        const auto t0 = Clock::now();
        for (int i = 0; i < 100000; ++i) {
            const AgentStep st = s.sp->kswapd_step(0);
            if (!st.napping) sim_ns += st.cost_ns;
            if (!st.again) break;
        }
        const auto t1 = Clock::now();
        const double scanned = static_cast<double>(s.pa->events()[PGSCAN_KSWAPD] - cost0);
        state.SetIterationTime(seconds(t0, t1));
        state.counters["pages_scanned"] = scanned;
        state.counters["pages_reclaimed"] = static_cast<double>(s.pa->events()[PGSTEAL_KSWAPD]);
        state.counters["ns_per_page_scanned"] = seconds(t0, t1) * 1e9 / scanned;
        state.counters["sim_ns_per_page_scanned"] = static_cast<double>(sim_ns) / scanned;
    }
}

void DirectReclaim(benchmark::State& state) {
    for (auto _ : state) {
        Setup s;
        s.fill_cache();
        AllocRequest r;
        r.gfp = GFP_HIGHUSER_MOVABLE;
        const int n = smoke() ? 100 : 2000;
        std::uint64_t sim_ns = 0;
        const auto t0 = Clock::now();
        for (int i = 0; i < n; ++i) {
            const std::uint64_t calls = s.sp->slowpath_calls();
            const AllocResult a = s.pa->alloc_pages(r);
            if (!a) throw std::runtime_error("direct reclaim did not free memory");
            if (s.sp->slowpath_calls() != calls) sim_ns += s.sp->last_report().cost_ns;
            s.pa->lru_add(a.pfn, LruKind::File);
        }
        const auto t1 = Clock::now();
        const double scanned = static_cast<double>(s.pa->events()[PGSCAN_DIRECT]);
        state.SetIterationTime(seconds(t0, t1));
        state.counters["pages_scanned"] = scanned;
        state.counters["allocstalls"] =
            static_cast<double>(s.pa->events()[ALLOCSTALL_DMA + 0u + ZONE_MOVABLE]);
        state.counters["ns_per_page_scanned"] = seconds(t0, t1) * 1e9 / scanned;
        state.counters["sim_ns_per_page_scanned"] = static_cast<double>(sim_ns) / scanned;
    }
}

void CompactionPass(benchmark::State& state, bool contiguous) {
    for (auto _ : state) {
        Setup s(false);
        s.checkerboard();
        Zone& z = s.zone();
        z.contiguous = contiguous;
        const auto t0 = Clock::now();
        const std::uint64_t sim_ns = s.sp->compact_zone_manual(z);
        const auto t1 = Clock::now();
        const VmEvents& ev = s.pa->events();
        const double scanned =
            static_cast<double>(ev[COMPACTMIGRATE_SCANNED] + ev[COMPACTFREE_SCANNED]);
        const double migrated = static_cast<double>(ev[PGMIGRATE_SUCCESS]);
        if (migrated == 0 || s.own.moves != ev[PGMIGRATE_SUCCESS])
            throw std::runtime_error("compaction migrated nothing");
        state.SetIterationTime(seconds(t0, t1));
        state.counters["pages_scanned"] = scanned;
        state.counters["pages_migrated"] = migrated;
        state.counters["ns_per_page_scanned"] = seconds(t0, t1) * 1e9 / scanned;
        state.counters["ns_per_page_migrated"] = seconds(t0, t1) * 1e9 / migrated;
        state.counters["sim_ns_per_page_scanned"] = static_cast<double>(sim_ns) / scanned;
        state.counters["sim_ms"] = static_cast<double>(sim_ns) / 1e6;
    }
}

void register_all() {
    const int reps = smoke() ? 1 : 3;
    auto common = [&](benchmark::internal::Benchmark* b) {
        b->UseManualTime()->Iterations(1)->Repetitions(reps)->ReportAggregatesOnly(reps > 1)->Unit(
            benchmark::kMillisecond);
    };
    common(benchmark::RegisterBenchmark("Reclaim/kswapd_pass", KswapdPass));
    common(benchmark::RegisterBenchmark("Reclaim/direct", DirectReclaim));
    common(benchmark::RegisterBenchmark("Compaction/contiguous", CompactionPass, true));
    common(benchmark::RegisterBenchmark("Compaction/noncontiguous", CompactionPass, false));
}

} // namespace

int main(int argc, char** argv) {
    register_all();
    return run_benchmarks(argc, argv);
}
