// SPDX-License-Identifier: GPL-2.0-only
// Per-controller bandwidth metrics (DESIGN.md, Metrics): time integrals that add up across
// intervals (ControllerStats), the per-interval series, and the rates and ratios derived
// from them (ControllerSummary: demand, delivered, share, ideal share, efficiency, idle).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace pagesim {

/// Who a flow's traffic belongs to: user = movable allocations, kernel = unmovable and
/// reclaimable ones.
enum class TrafficClass : std::uint8_t { User = 0, Kernel = 1 };

/// A quantity split by traffic class.
struct ClassSplit {
    double user = 0;
    double kernel = 0;

    double total() const { return user + kernel; }
    double& operator[](TrafficClass t) { return t == TrafficClass::User ? user : kernel; }
    double operator[](TrafficClass t) const { return t == TrafficClass::User ? user : kernel; }
    ClassSplit& operator+=(const ClassSplit& o) {
        user += o.user;
        kernel += o.kernel;
        return *this;
    }
    bool operator==(const ClassSplit&) const = default;
};

/// What one controller did over a stretch of time (an interval or the whole run). All
/// fields are integrals, so stretches add up with +=.
struct ControllerStats {
    /// Integral of demand: bytes the flows on this controller would have drawn had only
    /// their CPU caps limited them (sum over flows of a_fc * cap_f * time).
    ClassSplit demand_bytes;
    /// Bytes moved through this controller (reads plus writes): the integral of delivered
    /// bandwidth.
    ClassSplit delivered_bytes;
    std::int64_t busy_ns = 0;      ///< time with at least one flow drawing on it
    std::int64_t saturated_ns = 0; ///< time at peak bandwidth (within 1e-9 relative)
    /// Time with nothing to serve while some other controller was saturated.
    std::int64_t idle_ns = 0;

    ControllerStats& operator+=(const ControllerStats& o);
    bool operator==(const ControllerStats&) const = default;
};

/// Per-interval stats, row-major: interval i covers [start_ns + i * period_ns,
/// start_ns + (i + 1) * period_ns).
struct BandwidthSeries {
    std::int64_t start_ns = 0;
    std::int64_t period_ns = 0;
    std::size_t controllers = 0;
    std::vector<ControllerStats> stats; ///< [interval * controllers + controller]

    std::size_t intervals() const { return controllers == 0 ? 0 : stats.size() / controllers; }
    std::span<const ControllerStats> interval(std::size_t i) const {
        return std::span<const ControllerStats>(stats).subspan(i * controllers, controllers);
    }
};

/// Rates and ratios of one controller over a stretch of `duration_ns`.
struct ControllerSummary {
    ClassSplit demand_bw;    ///< mean demand, bytes/s
    ClassSplit delivered_bw; ///< mean delivered bandwidth, bytes/s
    ClassSplit bytes;        ///< bytes moved (= delivered_bytes)
    /// Per class: delivered_c of that class / that class's delivered summed over
    /// controllers (so share.total() means nothing; use share_total). 0 when nothing was
    /// delivered.
    ClassSplit share;
    double share_total = 0; ///< delivered_c / delivered summed over controllers
    double ideal_share = 0; ///< B_c / sum of B
    /// delivered / demand, per class and overall; 1 when there was no demand (nothing
    /// asked, nothing refused).
    ClassSplit efficiency;
    double efficiency_total = 1;
    double utilisation = 0; ///< delivered / (B_c * duration)
    double busy_fraction = 0;
    double saturated_fraction = 0;
    double idle_fraction = 0;
};

/// Summaries of `stats` (one per controller, with peak bandwidths `bandwidth`, bytes/s) over
/// a stretch of `duration_ns` (> 0; 0 gives zero rates and fractions).
std::vector<ControllerSummary> summarize(std::span<const ControllerStats> stats,
                                         std::span<const double> bandwidth,
                                         std::int64_t duration_ns);

} // namespace pagesim
