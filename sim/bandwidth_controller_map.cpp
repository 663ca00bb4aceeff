// SPDX-License-Identifier: GPL-2.0-only
// The pfn -> controller table. Broadcom MEMCs own large aligned ranges (BCM7278: 1 GiB
// each), so the granule usually comes out at a gigabyte and the table has a few entries.
#include "sim/bandwidth_controller_map.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

namespace pagesim {

ControllerMap::ControllerMap(std::span<const ControllerLayout> controllers, std::uint64_t page_size)
    : page_size_(page_size) {
    if (page_size == 0) throw BandwidthError("bandwidth model: page size must be > 0");
    if (controllers.empty()) throw BandwidthError("bandwidth model: no memory controllers");
    if (controllers.size() > kMaxControllers) {
        throw BandwidthError("bandwidth model: " + std::to_string(controllers.size()) +
                             " controllers, at most " + std::to_string(kMaxControllers));
    }

    Pfn lo = kNoPfn;
    Pfn hi = 0;
    unsigned shift = 62;
    for (const ControllerLayout& c : controllers) {
        if (!std::isfinite(c.bandwidth) || c.bandwidth <= 0) {
            throw BandwidthError("controller '" + c.name +
                                 "': bandwidth must be finite and > 0, got " +
                                 std::to_string(c.bandwidth));
        }
        bandwidth_.push_back(c.bandwidth);
        if (c.interleave_granularity != 0) {
            if (interleave_ != 0 && interleave_ != c.interleave_granularity) {
                throw BandwidthError("controller '" + c.name + "': interleave granularity " +
                                     std::to_string(c.interleave_granularity) +
                                     " differs from another controller's " +
                                     std::to_string(interleave_));
            }
            interleave_ = c.interleave_granularity;
        }
        for (const PfnRange& r : c.ranges) {
            if (r.end < r.start)
                throw BandwidthError("controller '" + c.name + "': range end before start");
            if (r.size() == 0) continue;
            lo = std::min(lo, r.start);
            hi = std::max(hi, r.end);
            // The granule must divide every boundary so that one entry never straddles two
            // controllers (or a controller and a hole).
            for (Pfn b : {r.start, r.end})
                if (b != 0) shift = std::min(shift, static_cast<unsigned>(std::countr_zero(b)));
        }
    }
    if (lo == kNoPfn) return; // no memory at all: every lookup fails
    shift_ = shift;
    base_ = lo;
    const std::uint64_t entries = (hi - lo) >> shift_;
    if (entries > kMaxTableEntries) {
        throw BandwidthError("bandwidth model: controller ranges too sparse for a pfn table (" +
                             std::to_string(entries) + " entries at 2^" + std::to_string(shift_) +
                             "-page granules)");
    }
    table_.assign(entries, kNone);
    for (std::size_t id = 0; id < controllers.size(); ++id) {
        for (const PfnRange& r : controllers[id].ranges) {
            for (Pfn i = (r.start - base_) >> shift_; i < (r.end - base_) >> shift_; ++i) {
                if (table_[i] != kNone) {
                    throw BandwidthError("controllers '" + controllers[table_[i]].name + "' and '" +
                                         controllers[id].name + "' overlap at pfn " +
                                         std::to_string(base_ + (i << shift_)));
                }
                table_[i] = static_cast<std::uint8_t>(id);
            }
        }
    }
}

void ControllerMap::add_bytes(Pfn pfn, std::uint64_t offset, std::uint64_t len,
                              std::span<std::uint64_t> out) const {
    const ControllerId owner = range_owner(pfn);
    if (owner == kNoController) {
        throw BandwidthError("bandwidth model: pfn " + std::to_string(pfn) +
                             " lies on no memory controller");
    }
    if (interleave_ == 0) {
        out[owner] += len;
        return;
    }
    // Stripes of interleave_ bytes are dealt round-robin: whole cycles give every
    // controller the same share, the remainder walks at most size() + 1 stripes.
    const std::uint64_t n = size();
    const std::uint64_t cycle = interleave_ * n;
    const std::uint64_t full = len / cycle;
    if (full != 0)
        for (std::uint64_t& o : out) o += full * interleave_;
    std::uint64_t addr = pfn * page_size_ + offset + full * cycle;
    std::uint64_t rem = len - full * cycle;
    while (rem != 0) {
        const std::uint64_t take = std::min(rem, interleave_ - addr % interleave_);
        out[(addr / interleave_) % n] += take;
        addr += take;
        rem -= take;
    }
}

} // namespace pagesim
