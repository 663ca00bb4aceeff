// SPDX-License-Identifier: GPL-2.0-only
// The standard allocator workloads W1–W3 (spec/bench-workloads.md), with per-CPU lists on
// and off, on one 1 GiB zone of 4 KiB pages. Checksums are asserted before anything is
// timed; initialisation is not timed. Counters: ns_per_op (per pair, op or step), and for
// W3 at S=131072 fails_o0..fails_o10. Also: bytes of metadata per simulated page.
//
// Set-up note: the workloads are allocator-independent sequences, so the zone's watermarks
// are zeroed (every page usable) and a failed allocation drains the pcp lists and retries
// once, as the kernel's slow path does after reclaim (drain_all_pages).
#include "allocator/page_allocator.h"
#include "allocator/splitmix64.h"
#include "bench/bench_util.h"

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace pagesim;
using namespace pagesim::bench;

namespace {

constexpr Pfn kZonePages = 262144; // 1 GiB

std::unique_ptr<PageAllocator> make_zone(bool pcp, unsigned max_order = 11) {
    AllocatorOptions o;
    o.pcp_enabled = pcp;
    o.debug_checks = false;
    auto pa = std::make_unique<PageAllocator>(make_simple_layout(kZonePages, 1, 0, max_order), o);
    pa->zero_watermarks();
    return pa;
}

// One allocation as the workloads define it (movable, CPU 0), with the drain-and-retry.
Pfn alloc(PageAllocator& pa, unsigned order) {
    AllocRequest r;
    r.gfp = GFP_HIGHUSER_MOVABLE;
    r.order = order;
    AllocResult res = pa.alloc_pages(r);
    if (!res) {
        pa.drain_all_pages();
        res = pa.alloc_pages(r);
    }
    return res.pfn;
}

void require(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("checksum mismatch: " + what);
}

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// Free pages of the (single populated) zone.
std::int64_t only_free(const PageAllocator& pa) {
    for (const Zone* z : pa.zones())
        if (z->populated()) return z->free_pages();
    return 0;
}

// ---- W1: order-0 hot pair ---------------------------------------------------------------

void W1(benchmark::State& state, bool pcp, unsigned max_order) {
    const std::uint64_t pairs = smoke() ? 10000 : 10'000'000;
    for (auto _ : state) {
        auto pa = make_zone(pcp, max_order);
        const auto t0 = Clock::now();
        for (std::uint64_t i = 0; i < pairs; ++i) {
            const Pfn p = alloc(*pa, 0);
            pa->free_pages(p, 0, 0);
        }
        const auto t1 = Clock::now();
        state.SetIterationTime(seconds(t0, t1));
        state.counters["ns_per_op"] = seconds(t0, t1) * 1e9 / static_cast<double>(pairs);
        pa->drain_all_pages();
        require(only_free(*pa) == kZonePages, "W1 zone not whole after the run");
    }
}

// ---- W2: fill, then shuffled drain ------------------------------------------------------

SplitMix64 w2_rng{1}; // state = 1 once, before all repetitions

void W2(benchmark::State& state, bool pcp) {
    for (auto _ : state) {
        auto pa = make_zone(pcp);
        std::vector<Pfn> pages;
        pages.reserve(kZonePages);
        const auto t0 = Clock::now();
        for (Pfn p = alloc(*pa, 0); p != kNoPfn; p = alloc(*pa, 0)) pages.push_back(p);
        const auto t1 = Clock::now();
        require(pages.size() == kZonePages, "W2 allocations " + std::to_string(pages.size()));
        for (std::size_t i = pages.size() - 1; i >= 1; --i)
            std::swap(pages[i], pages[w2_rng.next() % (i + 1)]);
        const auto t2 = Clock::now();
        for (Pfn p : pages) pa->free_pages(p, 0, 0);
        const auto t3 = Clock::now();
        state.SetIterationTime(seconds(t0, t1) + seconds(t2, t3));
        const double n = static_cast<double>(pages.size());
        state.counters["alloc_ns_per_op"] = seconds(t0, t1) * 1e9 / n;
        state.counters["free_ns_per_op"] = seconds(t2, t3) * 1e9 / n;
        state.counters["ns_per_op"] = (seconds(t0, t1) + seconds(t2, t3)) * 1e9 / (2 * n);
        pa->drain_all_pages();
        require(only_free(*pa) == kZonePages, "W2 zone not whole after the drain");
    }
}

// ---- W3: mixed-order churn --------------------------------------------------------------

struct W3Result {
    std::uint64_t allocs = 0, frees = 0, peak_live_pages = 0;
    std::array<std::uint64_t, 11> fails{};
};

constexpr std::uint8_t kEmpty = 0xff;

W3Result run_w3(PageAllocator& pa, std::uint64_t slots, std::uint64_t steps) {
    // 8 bytes a slot (the zone's pfns fit 32 bits): the slot array is the harness's own
    // random access, and at 16 bytes a slot it alone missed L2 at S=32768.
    struct Slot {
        std::uint32_t pfn;
        std::uint8_t order;
    };
    static_assert(sizeof(Slot) == 8);
    constexpr std::uint32_t kFailed = ~std::uint32_t{0};
    static_assert(kZonePages < kFailed);
    std::vector<Slot> slot(slots, Slot{kFailed, kEmpty});
    SplitMix64 rng{42};
    W3Result r;
    std::uint64_t live_pages = 0;
    for (std::uint64_t step = 0; step < steps; ++step) {
        Slot& s = slot[rng.next() % slots];
        if (s.order != kEmpty) {
            if (s.pfn != kFailed) pa.free_pages(s.pfn, s.order, 0);
            live_pages -= std::uint64_t{1} << s.order;
            s.order = kEmpty;
            ++r.frees;
        } else {
            const std::uint64_t x = rng.next() | (std::uint64_t{1} << 10);
            const auto order = static_cast<unsigned>(std::min(__builtin_ctzll(x), 10));
            const Pfn pfn = alloc(pa, order);
            s.pfn = pfn == kNoPfn ? kFailed : static_cast<std::uint32_t>(pfn);
            s.order = static_cast<std::uint8_t>(order);
            live_pages += std::uint64_t{1} << order;
            r.peak_live_pages = std::max(r.peak_live_pages, live_pages);
            ++r.allocs;
            if (pfn == kNoPfn) ++r.fails[order];
        }
    }
    for (Slot& s : slot)
        if (s.order != kEmpty && s.pfn != kFailed) pa.free_pages(s.pfn, s.order, 0);
    return r;
}

void W3(benchmark::State& state, bool pcp) {
    const auto slots = static_cast<std::uint64_t>(state.range(0));
    const std::uint64_t steps = smoke() ? 20000 : 10'000'000;
    for (auto _ : state) {
        auto pa = make_zone(pcp);
        const auto t0 = Clock::now();
        const W3Result r = run_w3(*pa, slots, steps);
        const auto t1 = Clock::now();
        state.SetIterationTime(seconds(t0, t1));
        state.counters["ns_per_op"] = seconds(t0, t1) * 1e9 / static_cast<double>(steps);
        pa->drain_all_pages();
        require(only_free(*pa) == kZonePages, "W3 zone not whole after freeing the rest");
        if (!smoke()) {
            if (slots == 32768)
                require(r.allocs == 5'008'330 && r.frees == 4'991'670 &&
                            r.peak_live_pages == 115'998,
                        "W3 S=32768");
            if (slots == 65536)
                require(r.allocs == 5'016'407 && r.frees == 4'983'593 &&
                            r.peak_live_pages == 224'039,
                        "W3 S=65536");
            if (slots == 131072)
                require(r.allocs == 5'032'624 && r.frees == 4'967'376, "W3 S=131072");
        }
        if (slots == 131072)
            for (unsigned o = 0; o <= 10; ++o)
                state.counters["fails_o" + std::to_string(o)] = static_cast<double>(r.fails[o]);
    }
}

// ---- Memory per simulated page ----------------------------------------------------------

void BytesPerPage(benchmark::State& state) {
    for (auto _ : state) {
        auto pa = make_zone(true);
        state.counters["bytes_per_page"] = pa->page_map().bytes_per_page();
    }
}

void register_all() {
    const int reps = smoke() ? 1 : 3;
    auto common = [&](benchmark::internal::Benchmark* b) {
        b->UseManualTime()->Iterations(1)->Repetitions(reps)->ReportAggregatesOnly(reps > 1)->Unit(
            benchmark::kMillisecond);
    };
    for (bool pcp : {true, false}) {
        const std::string tag = pcp ? "pcp" : "nopcp";
        common(benchmark::RegisterBenchmark(("W1/" + tag).c_str(), W1, pcp, 11u));
        common(benchmark::RegisterBenchmark(("W2/" + tag).c_str(), W2, pcp));
        common(benchmark::RegisterBenchmark(("W3/" + tag).c_str(), W3, pcp)
                   ->Arg(32768)
                   ->Arg(65536)
                   ->Arg(131072)
                   ->ArgName("S"));
    }
    common(benchmark::RegisterBenchmark("W1/pcp/order18", W1, true, 19u));
    common(benchmark::RegisterBenchmark("W1/nopcp/order18", W1, false, 19u));
    benchmark::RegisterBenchmark("BytesPerPage", BytesPerPage)->Iterations(1);
}

} // namespace

int main(int argc, char** argv) {
    register_all();
    return run_benchmarks(argc, argv);
}
