// SPDX-License-Identifier: GPL-2.0-only
// LogHistogram: bucket b < 8 holds the value b; above, the top 4 significant bits of a value
// (leading 1 + kSubBits) select the bucket within its power of two.
#include "workloads/log_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace pagesim {

namespace {
constexpr unsigned kSub = 1u << LogHistogram::kSubBits;
} // namespace

unsigned LogHistogram::bucket_of(std::uint64_t v) {
    if (v < kSub) return static_cast<unsigned>(v);
    const auto e = static_cast<unsigned>(std::bit_width(v) - 1); // floor(log2 v) >= kSubBits
    const auto m = static_cast<unsigned>((v >> (e - kSubBits)) & (kSub - 1));
    return kSub + (e - kSubBits) * kSub + m;
}

std::uint64_t LogHistogram::bucket_lo(unsigned b) {
    if (b < kSub) return b;
    const unsigned e = (b - kSub) / kSub + kSubBits;
    const unsigned m = (b - kSub) % kSub;
    return (std::uint64_t{kSub} + m) << (e - kSubBits);
}

void LogHistogram::add(std::int64_t v) {
    if (v < 0) v = 0;
    ++buckets_[bucket_of(static_cast<std::uint64_t>(v))];
    if (count_ == 0 || v < min_) min_ = v;
    if (count_ == 0 || v > max_) max_ = v;
    ++count_;
    sum_ += static_cast<double>(v);
}

void LogHistogram::merge(const LogHistogram& o) {
    if (o.count_ == 0) return;
    for (unsigned b = 0; b < kBuckets; ++b) buckets_[b] += o.buckets_[b];
    min_ = count_ ? std::min(min_, o.min_) : o.min_;
    max_ = count_ ? std::max(max_, o.max_) : o.max_;
    count_ += o.count_;
    sum_ += o.sum_;
}

std::int64_t LogHistogram::percentile(double q) const {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    // Rank of the wanted value, 1-based: the smallest value with at least q*count below it.
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (unsigned b = 0; b < kBuckets; ++b) {
        seen += buckets_[b];
        if (seen < rank) continue;
        const std::uint64_t lo = bucket_lo(b);
        const std::uint64_t hi = b + 1 < kBuckets ? bucket_lo(b + 1) : lo;
        const auto mid = static_cast<std::int64_t>(lo + (hi - lo) / 2);
        return std::clamp(mid, min_, max_);
    }
    return max_;
}

std::vector<LogHistogram::Octave> LogHistogram::octaves() const {
    std::vector<Octave> out;
    for (unsigned b = 0; b < kBuckets; ++b) {
        if (!buckets_[b]) continue;
        const std::uint64_t lo = bucket_lo(b);
        const std::int64_t octave_lo =
            lo == 0 ? 0 : static_cast<std::int64_t>(std::uint64_t{1} << (std::bit_width(lo) - 1));
        if (out.empty() || out.back().lo != octave_lo) out.push_back({octave_lo, 0});
        out.back().count += buckets_[b];
    }
    return out;
}

} // namespace pagesim
