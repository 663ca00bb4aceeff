// SPDX-License-Identifier: GPL-2.0-only
// Chunk profiles of buffers. Counting is by byte overlap, so chunks smaller or larger than a
// page, a last short chunk and sub-page interleave stripes all come out exact.
#include "sim/bandwidth_buffer.h"

#include <algorithm>
#include <string>

namespace pagesim {

BufferProfile::BufferProfile(const ControllerMap& map, std::uint64_t chunk_bytes,
                             std::vector<Pfn> pages)
    : pages_(std::move(pages)), chunk_(chunk_bytes), page_size_(map.page_size()),
      nctrl_(map.size()) {
    if (chunk_bytes == 0 || chunk_bytes > (std::uint64_t{1} << 31)) {
        throw BandwidthError("bandwidth model: chunk size must be in (0, 2GiB], got " +
                             std::to_string(chunk_bytes));
    }
    bytes_ = pages_.size() * page_size_;
    nchunks_ = static_cast<std::size_t>((bytes_ + chunk_ - 1) / chunk_);
    counts_.assign(nchunks_ * nctrl_, 0);
    scratch_.assign(nctrl_, 0);
    for (Pfn p : pages_) {
        if (map.range_owner(p) == kNoController) {
            throw BandwidthError("bandwidth model: buffer page at pfn " + std::to_string(p) +
                                 " lies on no memory controller");
        }
    }
    for (std::size_t k = 0; k < nchunks_; ++k) count_chunk(map, k);
}

void BufferProfile::count_chunk(const ControllerMap& map, std::size_t k) {
    std::fill(scratch_.begin(), scratch_.end(), 0);
    const std::uint64_t begin = k * chunk_;
    const std::uint64_t end = std::min(begin + chunk_, bytes_);
    for (std::uint64_t pos = begin; pos < end;) {
        const std::uint64_t page = pos / page_size_;
        const std::uint64_t off = pos - page * page_size_;
        const std::uint64_t len = std::min(page_size_ - off, end - pos);
        map.add_bytes(pages_[page], off, len, scratch_);
        pos += len;
    }
    for (std::size_t c = 0; c < nctrl_; ++c)
        counts_[k * nctrl_ + c] = static_cast<std::uint32_t>(scratch_[c]);
}

void BufferProfile::set_pages(const ControllerMap& map, std::size_t first,
                              std::span<const Pfn> pfns) {
    if (first > pages_.size() || pfns.size() > pages_.size() - first) {
        throw BandwidthError("bandwidth model: pages [" + std::to_string(first) + ", " +
                             std::to_string(first + pfns.size()) + ") outside a buffer of " +
                             std::to_string(pages_.size()) + " pages");
    }
    for (Pfn p : pfns) {
        if (map.range_owner(p) == kNoController) {
            throw BandwidthError("bandwidth model: moved page at pfn " + std::to_string(p) +
                                 " lies on no memory controller");
        }
    }
    if (pfns.empty()) return;
    std::copy(pfns.begin(), pfns.end(), pages_.begin() + static_cast<std::ptrdiff_t>(first));
    const std::uint64_t lo = first * page_size_;
    const std::uint64_t hi = (first + pfns.size()) * page_size_; // exclusive
    for (std::size_t k = static_cast<std::size_t>(lo / chunk_);
         k <= static_cast<std::size_t>((hi - 1) / chunk_); ++k)
        count_chunk(map, k);
    stale_ = true;
}

const std::vector<Segment>& BufferProfile::segments() {
    if (stale_) rebuild_segments();
    return segments_;
}

void BufferProfile::rebuild_segments() {
    segments_.clear();
    draws_.clear();
    std::size_t rep = 0; // representative chunk of the open segment
    auto chunk_len = [&](std::size_t k) { return std::min((k + 1) * chunk_, bytes_) - k * chunk_; };
    auto proportional = [&](std::size_t a, std::size_t b) {
        // Exact: counts < 2^32 and lengths <= 2^31, so the products fit in 64 bits.
        const std::uint64_t la = chunk_len(a);
        const std::uint64_t lb = chunk_len(b);
        for (std::size_t c = 0; c < nctrl_; ++c) {
            if (std::uint64_t{counts_[a * nctrl_ + c]} * lb !=
                std::uint64_t{counts_[b * nctrl_ + c]} * la)
                return false;
        }
        return true;
    };
    auto open = [&](std::size_t k) {
        rep = k;
        Segment s;
        s.first = static_cast<std::uint32_t>(draws_.size());
        const double len = static_cast<double>(chunk_len(k));
        for (std::size_t c = 0; c < nctrl_; ++c) {
            if (const std::uint32_t n = counts_[k * nctrl_ + c]; n != 0)
                draws_.push_back(Draw{static_cast<ControllerId>(c), static_cast<double>(n) / len});
        }
        s.last = static_cast<std::uint32_t>(draws_.size());
        segments_.push_back(s);
    };
    for (std::size_t k = 0; k < nchunks_; ++k) {
        if (k == 0 || !proportional(rep, k)) open(k);
        segments_.back().end = std::min((k + 1) * chunk_, bytes_);
    }
    stale_ = false;
}

std::size_t BufferProfile::find_segment(std::uint64_t pos) const {
    auto it = std::upper_bound(segments_.begin(), segments_.end(), pos,
                               [](std::uint64_t p, const Segment& s) { return p < s.end; });
    return static_cast<std::size_t>(it - segments_.begin());
}

} // namespace pagesim
