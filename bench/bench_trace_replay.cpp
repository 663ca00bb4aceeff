// SPDX-License-Identifier: GPL-2.0-only
// Trace replay speed (issue 7: >= 1 M lines/s, streaming): TraceReplay alone (parse and
// match frees), the import into the compact event list, and the whole replay through the
// engine on a 4 GiB two-CPU machine. The trace is synthetic, shaped like t_4G_trace (same
// task and gfp strings, mostly order 0, a few THP blocks, up to 20,000 blocks live).
// PAGESIM_BENCH_SMOKE=1 shrinks it so the CTest run is instant.
#include "bench/bench_util.h"
#include "sim/simulator.h"
#include "workloads/event_list.h"
#include "workloads/ftrace_format.h"
#include "workloads/trace_replay.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>
#include <unistd.h>

using namespace pagesim;
using namespace pagesim::bench;

namespace {

/// Allocations of fresh pfns (a bump pointer over 4 GiB of order-aligned blocks) and frees
/// of random live ones, at most `window` live.
std::string make_trace(std::size_t lines, std::size_t window) {
    static constexpr GfpFlags kGfp[] = {
        GFP_HIGHUSER | gfp::kAccount,
        GFP_HIGHUSER_MOVABLE | gfp::kComp | gfp::kZero,
        GFP_KERNEL_ACCOUNT | gfp::kZero,
        GFP_TRANSHUGE_LIGHT | gfp::kNoretry | gfp::kThisnode,
    };
    std::mt19937_64 rng(1);
    std::vector<TraceEvent> events;
    events.reserve(lines);
    std::vector<std::pair<Pfn, unsigned>> live;
    Pfn next = 0x100000;
    std::int64_t ts = 2757871000;
    for (std::size_t i = 0; i < lines; ++i) {
        TraceEvent e;
        e.comm = TaskComm::from("pressure");
        e.pid = 100;
        e.cpu = static_cast<std::uint16_t>(rng() % 2);
        ts += 1000 * static_cast<std::int64_t>(1 + rng() % 4);
        e.ts_ns = ts;
        const bool alloc = live.empty() || (live.size() < window && rng() % 2 == 0);
        if (alloc) {
            const GfpFlags g = kGfp[rng() % 1000 == 0 ? 3 : rng() % 3];
            e.type = TraceEventType::PageAlloc;
            e.gfp = g;
            e.order = g == kGfp[3] ? 9 : 0;
            e.migratetype = gfp_migratetype(g);
            const Pfn size = Pfn{1} << e.order;
            next = (next + size - 1) & ~(size - 1);
            if (next + size > 0x140000) next = 0x100000;
            e.pfn = next;
            next += size;
            live.emplace_back(e.pfn, e.order);
        } else {
            e.type = TraceEventType::PageFree;
            const std::size_t k = rng() % live.size();
            e.pfn = live[k].first;
            e.order = static_cast<std::uint8_t>(live[k].second);
            live[k] = live.back();
            live.pop_back();
        }
        events.push_back(e);
    }
    return format_ftrace(events, 2);
}

const std::string& trace_text() {
    static const std::string text = make_trace(smoke() ? 2000 : 500000, 20000);
    return text;
}

void report(benchmark::State& st, std::uint64_t lines) {
    st.counters["lines/s"] =
        benchmark::Counter(static_cast<double>(lines) * static_cast<double>(st.iterations()),
                           benchmark::Counter::kIsRate);
}

void bm_replay_stream(benchmark::State& st) {
    const std::string& text = trace_text();
    for (auto _ : st) {
        MemoryBuf buf(text.data(), text.size());
        std::istream in(&buf);
        TraceReplay replay(in, "memory", {});
        GenEvent ev;
        std::uint64_t n = 0;
        while (replay.next(ev)) n += ev.id;
        benchmark::DoNotOptimize(n);
    }
    report(st, count_lines(text));
}

void bm_import(benchmark::State& st) {
    const std::string& text = trace_text();
    for (auto _ : st) {
        MemoryBuf buf(text.data(), text.size());
        std::istream in(&buf);
        TraceReplay replay(in, "memory", {});
        std::ostringstream out;
        EventListWriter w(out);
        GenEvent ev;
        while (replay.next(ev)) w.write(ev);
        w.flush();
        benchmark::DoNotOptimize(out.str().size());
    }
    report(st, count_lines(text));
}

/// The whole replay: the engine boots a 4 GiB layout (not timed), then runs the trace
/// from a file: parsing, matching, the event queue, owners and the allocator.
void bm_replay_engine(benchmark::State& st) {
    const std::string& text = trace_text();
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("pagesim-bench-replay-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(path, std::ios::binary) << text;
    Scenario sc;
    sc.name = "bench";
    sc.machine.ncpus = 2;
    const auto span = ftrace_time_span(path);
    sc.duration_ns = (span ? span->second - span->first : 0) + 1'000'000;
    sc.sample_period_ns = 10'000'000;
    sc.workload.trace_file = path.string();
    const Layout layout = make_simple_layout(Pfn{1} << 20, 2, 0);
    std::uint64_t allocs = 0;
    for (auto _ : st) {
        st.PauseTiming();
        auto sim = std::make_unique<Simulator>(sc, layout);
        st.ResumeTiming();
        sim->run();
        allocs = sim->stats().allocs;
        st.PauseTiming();
        sim.reset();
        st.ResumeTiming();
    }
    std::filesystem::remove(path);
    st.counters["allocs"] = static_cast<double>(allocs);
    report(st, count_lines(text));
}

} // namespace

int main(int argc, char** argv) {
    const std::string suffix = smoke() ? "/smoke" : "";
    benchmark::RegisterBenchmark(("trace_replay_stream" + suffix).c_str(), bm_replay_stream)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("trace_import" + suffix).c_str(), bm_import)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("trace_replay_engine" + suffix).c_str(), bm_replay_engine)
        ->Unit(benchmark::kMillisecond);
    return run_benchmarks(argc, argv);
}
