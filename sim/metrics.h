// SPDX-License-Identifier: GPL-2.0-only
// The metrics a run yields (DESIGN.md, Metrics): named scalars for `compare`'s tables
// (bandwidth share, delivered, efficiency and idle time per controller; phase wall times;
// resident pages; unmovable pressure; fragmentation), and the end state its plots need
// (free-block order histograms per zone and per controller).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pagesim {

class Simulator;

struct Metric {
    std::string name; ///< stable, dotted: "bandwidth.MEMC0.share_user"
    std::string unit; ///< "s", "MiB", "GB/s", "%", "" ...
    double value = 0;
    /// -1: lower is better, +1: higher is better, 0: neither (shares, counts of work).
    int better = 0;
};

struct FreeHistogram {
    std::string label;                 ///< "Node 0 Normal" or a controller name
    std::vector<std::uint64_t> blocks; ///< free blocks per order
};

struct RunMetrics {
    std::vector<Metric> scalars;
    std::vector<FreeHistogram> zone_free;       ///< per populated zone, at the end
    std::vector<FreeHistogram> controller_free; ///< per controller, at the end
    const Metric* find(const std::string& name) const;
};

/// Computes every metric of a finished run.
RunMetrics compute_metrics(const Simulator& sim);

} // namespace pagesim
