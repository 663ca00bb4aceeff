// SPDX-License-Identifier: GPL-2.0-only
// Test helpers for the bandwidth model: a two-controller BCM7278-like map (1 GiB per MEMC,
// MEMC1 high at 0x3_0000_0000), page lists on a chosen controller, and an independent
// checker of max-min fairness (feasibility plus the bottleneck property).
#pragma once

#include "sim/bandwidth.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace pagesim::test {

inline constexpr std::uint64_t kPage = 4096;
inline constexpr Pfn kMemcPages = Pfn{1} << 18; // 1 GiB of 4 KiB pages
inline constexpr Pfn kMemc0Base = 0;
inline constexpr Pfn kMemc1Base = 0x300000; // 0x3_0000_0000 >> 12

/// Two controllers of `b0` and `b1` bytes/s; `interleave` bytes (0 = none).
inline ControllerMap two_memcs(double b0, double b1, std::uint64_t interleave = 0) {
    std::vector<ControllerLayout> c(2);
    c[0] =
        ControllerLayout{"MEMC0", {PfnRange{kMemc0Base, kMemc0Base + kMemcPages}}, b0, interleave};
    c[1] =
        ControllerLayout{"MEMC1", {PfnRange{kMemc1Base, kMemc1Base + kMemcPages}}, b1, interleave};
    return ControllerMap(c, kPage);
}

/// `n` consecutive pages on MEMC `memc` starting at page `first` of that controller.
inline std::vector<Pfn> pages_on(int memc, Pfn first, std::size_t n) {
    std::vector<Pfn> out(n);
    const Pfn base = (memc == 0 ? kMemc0Base : kMemc1Base) + first;
    for (std::size_t i = 0; i < n; ++i) out[i] = base + i;
    return out;
}

/// `n` pages alternating MEMC0, MEMC1, MEMC0, ... from page `first` of each controller.
inline std::vector<Pfn> alternating(Pfn first, std::size_t n) {
    std::vector<Pfn> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = (i % 2 == 0 ? kMemc0Base : kMemc1Base) + first + i / 2;
    return out;
}

inline std::vector<Pfn> concat(std::vector<Pfn> a, const std::vector<Pfn>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// Max-min check written without the solver's code: every rate feasible, and every flow
/// either at its cap or bottlenecked by a saturated controller on which no user has a
/// higher rate. Returns "" when the rates pass, else what failed.
struct RateCase {
    std::vector<double> capacity;
    std::vector<double> cap;
    std::vector<std::vector<Draw>> draws;
};

inline std::string check_max_min(const RateCase& p, const std::vector<double>& rates,
                                 double tol = 1e-9) {
    const std::size_t nc = p.capacity.size();
    std::vector<double> load(nc, 0.0);
    std::vector<double> top(nc, 0.0); // highest rate among the users of c
    for (std::size_t f = 0; f < rates.size(); ++f) {
        if (!(rates[f] > 0)) return "flow " + std::to_string(f) + " has no rate";
        if (rates[f] > p.cap[f] * (1 + tol)) return "flow " + std::to_string(f) + " above cap";
        for (const Draw& d : p.draws[f]) {
            load[d.ctrl] += d.share * rates[f];
            top[d.ctrl] = std::max(top[d.ctrl], rates[f]);
        }
    }
    for (std::size_t c = 0; c < nc; ++c)
        if (load[c] > p.capacity[c] * (1 + tol))
            return "controller " + std::to_string(c) + " above capacity";
    for (std::size_t f = 0; f < rates.size(); ++f) {
        if (rates[f] >= p.cap[f] * (1 - tol)) continue;
        bool bottleneck = false;
        for (const Draw& d : p.draws[f])
            if (load[d.ctrl] >= p.capacity[d.ctrl] * (1 - tol) &&
                rates[f] >= top[d.ctrl] * (1 - tol))
                bottleneck = true;
        if (!bottleneck) return "flow " + std::to_string(f) + " has no bottleneck";
    }
    return "";
}

/// The model's current rate problem, for check_max_min.
inline RateCase rate_case(BandwidthModel& m, std::vector<double>& rates) {
    RateCase p;
    for (std::size_t c = 0; c < m.controllers().size(); ++c)
        p.capacity.push_back(m.controllers().bandwidth(static_cast<ControllerId>(c)));
    rates.clear();
    const std::vector<FlowId> active(m.active_flows().begin(), m.active_flows().end());
    for (FlowId f : active) {
        rates.push_back(m.rate(f));
        p.cap.push_back(m.spec(f).cpu_cap);
        const std::span<const Draw> d = m.draws(f);
        p.draws.emplace_back(d.begin(), d.end());
    }
    return p;
}

} // namespace pagesim::test
