// SPDX-License-Identifier: GPL-2.0-only
// SplitMix64 (Steele, Lea and Flood 2014): the one seeded generator pagesim uses, for the
// shuffle's random bits, processes' jitter, generators, and the spec's benchmark workloads
// (../shared/spec/bench-workloads.md defines W2/W3 with it). Small, fast, and the same
// stream on every platform, which byte-identical outputs need.
#pragma once

#include <cstdint>

namespace pagesim {

/// Advances `state` and returns the next 64 random bits.
inline std::uint64_t splitmix64_next(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct SplitMix64 {
    std::uint64_t state;
    std::uint64_t next() { return splitmix64_next(state); }
    /// Uniform in (0, 1): the top 53 bits, centred.
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1p-53; }
};

} // namespace pagesim
