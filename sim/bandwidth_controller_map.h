// SPDX-License-Identifier: GPL-2.0-only
// pfn -> memory controller in O(1): a flat table over the controllers' pfn span at the
// coarsest power-of-two granule that every range boundary respects, plus the what-if
// hardware interleave (address stripes of granularity g dealt round-robin to controllers).
#pragma once

#include "allocator/layout.h"
#include "allocator/types.h"

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace pagesim {

/// Index of a memory controller: its position in Layout::controllers.
using ControllerId = std::uint16_t;
inline constexpr ControllerId kNoController = 0xffff;
/// Most controllers the bandwidth model takes (the table stores ids in one byte).
inline constexpr std::size_t kMaxControllers = 254;

/// A caller error in the bandwidth model (bad id, pfn on no controller, time running
/// backwards, inconsistent configuration). The message names the value at fault.
class BandwidthError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Which controller serves each byte of physical memory, and each controller's peak
/// bandwidth. Immutable after construction; lookups never allocate or hash.
class ControllerMap {
public:
    /// Largest table the map builds (entries); a sparser layout is rejected.
    static constexpr std::uint64_t kMaxTableEntries = std::uint64_t{1} << 26;

    /// Builds the table from `controllers` (their ranges must not overlap; every bandwidth
    /// must be finite and > 0). `page_size` is in bytes. If any controller has a nonzero
    /// interleave_granularity, all nonzero ones must agree and the map is interleaved:
    /// byte address A is served by controller (A / g) mod n, for every pfn that lies in
    /// some controller's range. Throws BandwidthError on an inconsistent layout.
    ControllerMap(std::span<const ControllerLayout> controllers, std::uint64_t page_size);

    std::size_t size() const { return bandwidth_.size(); }
    std::uint64_t page_size() const { return page_size_; }
    bool interleaved() const { return interleave_ != 0; }
    std::uint64_t interleave_granularity() const { return interleave_; }
    /// Peak bandwidth of controller `c`, bytes per second.
    double bandwidth(ControllerId c) const { return bandwidth_[c]; }
    std::span<const double> bandwidths() const { return bandwidth_; }
    /// log2 of the table granule, in pages (for tests and the curious).
    unsigned granule_shift() const { return shift_; }

    /// The controller whose range holds `pfn`, or kNoController. O(1). For an interleaved
    /// map this is the range owner, not the controller that serves the bytes.
    ControllerId range_owner(Pfn pfn) const {
        if (pfn < base_) return kNoController;
        const Pfn idx = (pfn - base_) >> shift_;
        if (idx >= table_.size()) return kNoController;
        const std::uint8_t v = table_[idx];
        return v == kNone ? kNoController : ControllerId{v};
    }

    /// Adds to `out[c]` the bytes of [pfn * page_size + offset, + len) that controller c
    /// serves (`out` has size() entries; offset + len <= page_size). O(1) without interleave,
    /// O(size()) with it. Throws BandwidthError if the pfn lies on no controller.
    void add_bytes(Pfn pfn, std::uint64_t offset, std::uint64_t len,
                   std::span<std::uint64_t> out) const;

private:
    static constexpr std::uint8_t kNone = 0xff;

    std::vector<std::uint8_t> table_;
    std::vector<double> bandwidth_;
    Pfn base_ = 0;
    unsigned shift_ = 0;
    std::uint64_t page_size_ = 0;
    std::uint64_t interleave_ = 0;
};

} // namespace pagesim
