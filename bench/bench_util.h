// SPDX-License-Identifier: GPL-2.0-only
// What every benchmark program shares: the smoke switch CTest sets, an istream over memory,
// and the Google Benchmark main loop.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <streambuf>
#include <string>

namespace pagesim::bench {

/// PAGESIM_BENCH_SMOKE is set: CTest runs each program briefly on tiny inputs.
inline bool smoke() {
    return std::getenv("PAGESIM_BENCH_SMOKE") != nullptr;
}

/// A read-only istream buffer over memory, so that iterations do not copy their input.
struct MemoryBuf : std::streambuf {
    MemoryBuf(const char* data, std::size_t size) {
        char* p = const_cast<char*>(data);
        setg(p, p, p + size);
    }
};

inline std::uint64_t count_lines(const std::string& text) {
    return static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

/// Google Benchmark's main after the program registered its benchmarks.
inline int run_benchmarks(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

} // namespace pagesim::bench
