// SPDX-License-Identifier: GPL-2.0-only
// Helpers shared by the sim tests: a scratch directory, reading a file whole, and the
// pages a run holds (neither free nor on a per-CPU list).
#pragma once

#include "sim/simulator.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

namespace pagesim::test {

/// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        static std::atomic<int> n{0};
        path = std::filesystem::temp_directory_path() /
               ("pagesim-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    /// Writes `text` to `name` below the directory (creating folders); returns its path.
    std::filesystem::path write(const std::string& name, const std::string& text) const {
        const std::filesystem::path p = path / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }
    /// The names in the directory, sorted.
    std::vector<std::string> files() const {
        std::vector<std::string> f;
        for (const auto& e : std::filesystem::directory_iterator(path))
            f.push_back(e.path().filename().string());
        std::sort(f.begin(), f.end());
        return f;
    }
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Pages of the run's zones that are neither free nor on a per-CPU list.
inline std::uint64_t used_pages(const Simulator& sim) {
    std::uint64_t used = 0;
    for (const Zone* z : sim.allocator().zones()) {
        std::uint64_t pcp = 0;
        for (const PerCpuPages& p : z->pcp) pcp += static_cast<std::uint64_t>(p.count);
        used += z->managed_pages - static_cast<std::uint64_t>(z->free_pages()) - pcp;
    }
    return used;
}

} // namespace pagesim::test
