// SPDX-License-Identifier: GPL-2.0-only
// LogHistogram: counts of non-negative 64-bit values in log-linear buckets (8 per power of
// two, so a bucket is at most 12.5% wide), fixed size, for percentiles of durations.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace pagesim {

class LogHistogram {
public:
    static constexpr unsigned kSubBits = 3; ///< 2^3 = 8 buckets per power of two
    static constexpr unsigned kBuckets = (64 - kSubBits) * (1u << kSubBits) + (1u << kSubBits);

    /// Counts `v` (negative values count as 0).
    void add(std::int64_t v);
    void merge(const LogHistogram& other);

    std::uint64_t count() const { return count_; }
    std::int64_t min() const { return count_ ? min_ : 0; }
    std::int64_t max() const { return count_ ? max_ : 0; }
    /// Mean of the exact values (0 when empty).
    double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
    /// The value below which a fraction `q` (0..1) of the values lie, to within one bucket
    /// (the bucket's midpoint, clamped to [min, max]); 0 when empty.
    std::int64_t percentile(double q) const;

    /// One power-of-two range [lo, 2 lo) (and [0, 1) for the first) with its count.
    struct Octave {
        std::int64_t lo = 0;
        std::uint64_t count = 0;
    };
    /// The non-empty powers of two, ascending: what plots and tables show.
    std::vector<Octave> octaves() const;

    /// Bucket index of a value, and the first value of a bucket (exposed for tests).
    static unsigned bucket_of(std::uint64_t v);
    static std::uint64_t bucket_lo(unsigned b);

private:
    std::array<std::uint64_t, kBuckets> buckets_{};
    std::uint64_t count_ = 0;
    std::int64_t min_ = 0;
    std::int64_t max_ = 0;
    double sum_ = 0;
};

} // namespace pagesim
