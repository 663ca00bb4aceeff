// SPDX-License-Identifier: GPL-2.0-only
// Derived bandwidth metrics. Everything is computed from integrals, so a mean over a run is
// time-weighted by construction.
#include "sim/bandwidth_metrics.h"

namespace pagesim {

ControllerStats& ControllerStats::operator+=(const ControllerStats& o) {
    demand_bytes += o.demand_bytes;
    delivered_bytes += o.delivered_bytes;
    busy_ns += o.busy_ns;
    saturated_ns += o.saturated_ns;
    idle_ns += o.idle_ns;
    return *this;
}

std::vector<ControllerSummary> summarize(std::span<const ControllerStats> stats,
                                         std::span<const double> bandwidth,
                                         std::int64_t duration_ns) {
    std::vector<ControllerSummary> out(stats.size());
    ClassSplit all;
    double peak_sum = 0;
    for (std::size_t c = 0; c < stats.size(); ++c) {
        all += stats[c].delivered_bytes;
        peak_sum += bandwidth[c];
    }
    const double seconds = static_cast<double>(duration_ns) * 1e-9;
    auto ratio = [](double num, double den, double if_zero) {
        return den > 0 ? num / den : if_zero;
    };
    for (std::size_t c = 0; c < stats.size(); ++c) {
        const ControllerStats& s = stats[c];
        ControllerSummary& o = out[c];
        o.bytes = s.delivered_bytes;
        for (TrafficClass t : {TrafficClass::User, TrafficClass::Kernel}) {
            o.demand_bw[t] = ratio(s.demand_bytes[t], seconds, 0);
            o.delivered_bw[t] = ratio(s.delivered_bytes[t], seconds, 0);
            o.share[t] = ratio(s.delivered_bytes[t], all[t], 0);
            o.efficiency[t] = ratio(s.delivered_bytes[t], s.demand_bytes[t], 1);
        }
        o.share_total = ratio(s.delivered_bytes.total(), all.total(), 0);
        o.efficiency_total = ratio(s.delivered_bytes.total(), s.demand_bytes.total(), 1);
        o.ideal_share = ratio(bandwidth[c], peak_sum, 0);
        o.utilisation = ratio(s.delivered_bytes.total(), bandwidth[c] * seconds, 0);
        const double d = static_cast<double>(duration_ns);
        o.busy_fraction = ratio(static_cast<double>(s.busy_ns), d, 0);
        o.saturated_fraction = ratio(static_cast<double>(s.saturated_ns), d, 0);
        o.idle_fraction = ratio(static_cast<double>(s.idle_ns), d, 0);
    }
    return out;
}

} // namespace pagesim
