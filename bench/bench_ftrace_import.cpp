// SPDX-License-Identifier: GPL-2.0-only
// Import speed of kernel trace text (issue 7 asks for >= 1 M lines/s, streaming): the line
// parser alone, FtraceReader from memory and from a file, and reader + TraceStatsBuilder.
// The trace is synthetic but shaped like the t_4G_trace capture (same comm, gfp strings,
// orders, extfrag lines). PAGESIM_BENCH_SMOKE=1 shrinks it so the CTest run is instant.
#include "bench/bench_util.h"
#include "workloads/ftrace_format.h"
#include "workloads/ftrace_parse.h"
#include "workloads/trace_stats.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <random>
#include <streambuf>
#include <string>
#include <unistd.h>

using namespace pagesim;
using namespace pagesim::bench;

namespace {

std::string make_trace(std::size_t lines) {
    static constexpr GfpFlags kGfp[] = {
        GFP_HIGHUSER | gfp::kAccount,
        GFP_HIGHUSER_MOVABLE | gfp::kComp | gfp::kZero,
        GFP_KERNEL_ACCOUNT | gfp::kZero,
        GFP_NOWAIT | gfp::kNowarn,
        GFP_KERNEL_ACCOUNT | gfp::kNowarn | gfp::kComp | gfp::kZero,
        GFP_TRANSHUGE_LIGHT | gfp::kNoretry | gfp::kThisnode,
    };
    std::mt19937_64 rng(1);
    std::vector<TraceEvent> events;
    events.reserve(lines);
    std::vector<Pfn> live;
    std::int64_t ts = 2757871000;
    for (std::size_t i = 0; i < lines; ++i) {
        TraceEvent e;
        e.comm = TaskComm::from("pressure");
        e.pid = 100;
        e.cpu = static_cast<std::uint16_t>(rng() % 2);
        ts += 1000 * static_cast<std::int64_t>(1 + rng() % 20);
        e.ts_ns = ts;
        const unsigned r = static_cast<unsigned>(rng() % 1000);
        if (r == 0) {
            e.type = TraceEventType::PageAllocExtfrag;
            e.irq = {'d', '.', '.', 3, 0};
            e.pfn = 0x106400 + (rng() % 64) * 0x400;
            e.fallback_order = 10;
            e.fallback_migratetype = MIGRATE_MOVABLE;
            e.change_ownership = true;
        } else if (r < 500 || live.empty()) {
            e.type = TraceEventType::PageAlloc;
            const GfpFlags g = kGfp[rng() % 6];
            e.gfp = g;
            e.order = g == kGfp[5] ? 9 : g == kGfp[4] ? 4 : 0;
            e.migratetype = gfp_migratetype(g);
            e.pfn = 0x100000 + (rng() % 0x40000);
            live.push_back(e.pfn);
        } else {
            e.type = TraceEventType::PageFree;
            const std::size_t k = rng() % live.size();
            e.pfn = live[k];
            live[k] = live.back();
            live.pop_back();
        }
        events.push_back(e);
    }
    return format_ftrace(events, 2);
}

const std::string& trace_text() {
    static const std::string text = make_trace(smoke() ? 2000 : 500000);
    return text;
}

void report(benchmark::State& st, std::uint64_t lines, std::size_t bytes) {
    st.counters["lines/s"] =
        benchmark::Counter(static_cast<double>(lines) * static_cast<double>(st.iterations()),
                           benchmark::Counter::kIsRate);
    st.SetBytesProcessed(static_cast<std::int64_t>(bytes) * st.iterations());
}

void bm_line_parser(benchmark::State& st) {
    const std::string& text = trace_text();
    FtraceLineParser parser;
    LineParse lp;
    for (auto _ : st) {
        std::uint64_t events = 0;
        std::size_t pos = 0;
        while (pos < text.size()) {
            std::size_t nl = text.find('\n', pos);
            if (nl == std::string::npos) nl = text.size();
            if (parser.parse(std::string_view(text).substr(pos, nl - pos), lp) == LineKind::Event)
                ++events;
            pos = nl + 1;
        }
        benchmark::DoNotOptimize(events);
    }
    report(st, count_lines(text), text.size());
}

void bm_reader_memory(benchmark::State& st) {
    const std::string& text = trace_text();
    for (auto _ : st) {
        MemoryBuf buf(text.data(), text.size());
        std::istream in(&buf);
        FtraceReader reader(in, "memory");
        TraceEvent ev;
        std::uint64_t n = 0;
        while (reader.next(ev)) n += ev.order;
        benchmark::DoNotOptimize(n);
    }
    report(st, count_lines(text), text.size());
}

void bm_reader_file(benchmark::State& st) {
    const std::string& text = trace_text();
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("pagesim-bench-ftrace-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(path, std::ios::binary) << text;
    for (auto _ : st) {
        FtraceReader reader(path);
        TraceEvent ev;
        std::uint64_t n = 0;
        while (reader.next(ev)) n += ev.order;
        benchmark::DoNotOptimize(n);
    }
    std::filesystem::remove(path);
    report(st, count_lines(text), text.size());
}

void bm_reader_stats(benchmark::State& st) {
    const std::string& text = trace_text();
    for (auto _ : st) {
        MemoryBuf buf(text.data(), text.size());
        std::istream in(&buf);
        FtraceReader reader(in, "memory");
        TraceStatsBuilder builder;
        TraceEvent ev;
        while (reader.next(ev)) builder.add(ev);
        TraceStats s = builder.finish();
        benchmark::DoNotOptimize(s.allocs);
    }
    report(st, count_lines(text), text.size());
}

} // namespace

int main(int argc, char** argv) {
    // In smoke mode (CTest: --benchmark_filter=smoke) every benchmark carries "smoke" in its
    // name so that it runs, on a tiny trace.
    const std::string suffix = smoke() ? "/smoke" : "";
    benchmark::RegisterBenchmark(("ftrace_line_parser" + suffix).c_str(), bm_line_parser)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("ftrace_reader_memory" + suffix).c_str(), bm_reader_memory)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("ftrace_reader_file" + suffix).c_str(), bm_reader_file)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("ftrace_reader_stats" + suffix).c_str(), bm_reader_stats)
        ->Unit(benchmark::kMillisecond);
    return run_benchmarks(argc, argv);
}
