// SPDX-License-Identifier: GPL-2.0-only
// A buffer as the bandwidth model sees it: its pages in virtual-address order, how many
// bytes of each fixed-size chunk every controller holds, and the chunks merged into
// segments of identical per-controller fractions (the unit of a bandwidth event).
#pragma once

#include "sim/bandwidth_controller_map.h"

#include <cstdint>
#include <span>
#include <vector>

namespace pagesim {

/// A byte of access to a segment draws `share` bytes from controller `ctrl` (the a_fc
/// coefficient of a read or a write; shares of one segment sum to 1).
struct Draw {
    ControllerId ctrl = 0;
    double share = 0;
    bool operator==(const Draw&) const = default;
};

/// Bytes [previous segment's end, end) of a buffer, drawing draws [first, last).
struct Segment {
    std::uint64_t end = 0;
    std::uint32_t first = 0;
    std::uint32_t last = 0;
};

/// Pages plus chunk profile of one buffer. Consecutive chunks whose per-controller byte
/// counts are proportional merge into one Segment, so a buffer that lies on one controller
/// is one segment however long it is. Shares are count / chunk length, rounded once, so
/// equal fractions give bit-identical doubles (and compare equal across buffers).
class BufferProfile {
public:
    /// `chunk_bytes` in (0, 2^31]. Every pfn must lie on a controller of `map`
    /// (BandwidthError otherwise). Length = pages.size() * map.page_size().
    BufferProfile(const ControllerMap& map, std::uint64_t chunk_bytes, std::vector<Pfn> pages);

    std::uint64_t bytes() const { return bytes_; }
    std::span<const Pfn> pages() const { return pages_; }
    std::uint64_t chunk_bytes() const { return chunk_; }
    std::size_t chunks() const { return nchunks_; }
    /// Bytes of chunk `k` held by controller `c`.
    std::uint32_t chunk_count(std::size_t k, ControllerId c) const {
        return counts_[k * nctrl_ + c];
    }

    /// Pages [first, first + pfns.size()) now live at `pfns` (migration, compaction).
    /// Recounts only the chunks they touch; segments are re-merged on next use. Throws
    /// BandwidthError, leaving the buffer unchanged, on a bad range or an unmapped pfn.
    void set_pages(const ControllerMap& map, std::size_t first, std::span<const Pfn> pfns);

    /// The merged segments, rebuilt here if pages moved since the last call. O(chunks *
    /// controllers) for a rebuild, O(1) otherwise.
    const std::vector<Segment>& segments();
    /// Draws of one segment, sorted by controller, zero shares left out.
    std::span<const Draw> draws(const Segment& s) const {
        return std::span<const Draw>(draws_).subspan(s.first, s.last - s.first);
    }
    /// Index of the segment holding byte `pos` (< bytes()); segments must be fresh.
    std::size_t find_segment(std::uint64_t pos) const;

private:
    void count_chunk(const ControllerMap& map, std::size_t k);
    void rebuild_segments();

    std::vector<Pfn> pages_;
    std::vector<std::uint32_t> counts_; ///< [chunk][controller] bytes
    std::vector<std::uint64_t> scratch_;
    std::vector<Segment> segments_;
    std::vector<Draw> draws_;
    std::uint64_t bytes_ = 0;
    std::uint64_t chunk_ = 0;
    std::uint64_t page_size_ = 0;
    std::size_t nchunks_ = 0;
    std::size_t nctrl_ = 0;
    bool stale_ = true;
};

} // namespace pagesim
