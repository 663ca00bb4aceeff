// SPDX-License-Identifier: GPL-2.0-only
// Progressive filling (Bertsekas & Gallager, "Data Networks", 6.5.2), generalised to
// weighted multi-resource constraints: a copy draws on its source's and its destination's
// controllers at once, and a chunk split over controllers draws on each by its fraction.
#include "sim/bandwidth_maxmin.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <numeric>

namespace pagesim {

void sort_by_cap(std::span<const double> cap, std::vector<std::uint32_t>& order) {
    order.resize(cap.size());
    std::iota(order.begin(), order.end(), std::uint32_t{0});
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return cap[a] != cap[b] ? cap[a] < cap[b] : a < b;
    });
}

void MaxMinSolver::solve(const MaxMinProblem& p, std::span<double> rates) {
    const std::size_t nflows = p.cap.size();
    const std::size_t nctrl = p.capacity.size();
    assert(p.offsets.size() == nflows + 1 && p.cap_order.size() == nflows);
    assert(rates.size() == nflows);
    rounds_ = 0;
    if (nflows == 0) return;

    frozen_load_.assign(nctrl, 0.0);
    weight_.assign(nctrl, 0.0);
    users_.assign(nctrl, 0);
    frozen_.assign(nflows, kUnfrozen);
    // Transpose the incidence so a saturated controller finds its flows in O(users).
    col_offsets_.assign(nctrl + 1, 0);
    for (std::size_t k = 0; k < p.ctrl.size(); ++k) {
        ++col_offsets_[p.ctrl[k] + 1u];
        weight_[p.ctrl[k]] += p.coef[k];
        ++users_[p.ctrl[k]];
    }
    for (std::size_t c = 0; c < nctrl; ++c) col_offsets_[c + 1] += col_offsets_[c];
    col_flows_.resize(p.ctrl.size());
    {
        // users_ doubles as the fill cursor, then is restored.
        std::vector<std::uint32_t>& fill = users_;
        for (std::size_t c = 0; c < nctrl; ++c) fill[c] = col_offsets_[c];
        for (std::uint32_t f = 0; f < nflows; ++f) {
            for (std::uint32_t k = p.offsets[f]; k < p.offsets[f + 1]; ++k)
                col_flows_[fill[p.ctrl[k]]++] = f;
        }
        for (std::size_t c = 0; c < nctrl; ++c) fill[c] = col_offsets_[c + 1] - col_offsets_[c];
    }

    std::size_t remaining = nflows;
    std::size_t next_cap = 0; // into cap_order: lowest cap not yet frozen
    double level = 0;

    auto freeze = [&](std::uint32_t f, double rate) {
        frozen_[f] = kFrozen;
        rates[f] = rate;
        --remaining;
        for (std::uint32_t k = p.offsets[f]; k < p.offsets[f + 1]; ++k) {
            const ControllerId c = p.ctrl[k];
            frozen_load_[c] += p.coef[k] * rate;
            if (--users_[c] == 0) {
                weight_[c] = 0; // exact, whatever the subtractions left behind
            } else {
                weight_[c] -= p.coef[k];
            }
        }
    };
    auto saturation_level = [&](std::size_t c) {
        if (weight_[c] <= 0) {
            // Rounding ate the weight of the users left: recount it.
            double w = 0;
            for (std::uint32_t i = col_offsets_[c]; i < col_offsets_[c + 1]; ++i) {
                const std::uint32_t f = col_flows_[i];
                if (frozen_[f] == kFrozen) continue;
                for (std::uint32_t k = p.offsets[f]; k < p.offsets[f + 1]; ++k)
                    if (p.ctrl[k] == c) w += p.coef[k];
            }
            weight_[c] = w;
        }
        return (p.capacity[c] - frozen_load_[c]) / weight_[c];
    };

    while (remaining != 0) {
        ++rounds_;
        const std::size_t before = remaining;
        while (frozen_[p.cap_order[next_cap]] != kUnfrozen) ++next_cap;
        double lvl = p.cap[p.cap_order[next_cap]];
        for (std::size_t c = 0; c < nctrl; ++c)
            if (users_[c] != 0) lvl = std::min(lvl, saturation_level(c));
        lvl = std::max(lvl, level); // monotone despite rounding
        level = lvl;
        const double threshold = lvl * (1 + kTieTolerance);

        // Decide the saturated controllers before freezing anything, so every test in this
        // round sees one state (freezing at the level keeps a saturated controller
        // saturated in exact arithmetic, but rounding need not).
        batch_.clear();
        for (std::size_t c = 0; c < nctrl; ++c) {
            if (users_[c] == 0 || saturation_level(c) > threshold) continue;
            for (std::uint32_t i = col_offsets_[c]; i < col_offsets_[c + 1]; ++i) {
                const std::uint32_t f = col_flows_[i];
                if (frozen_[f] == kUnfrozen) {
                    frozen_[f] = kMarked;
                    batch_.push_back(f);
                }
            }
        }
        for (std::uint32_t f : batch_) freeze(f, lvl);
        while (next_cap < nflows) {
            const std::uint32_t f = p.cap_order[next_cap];
            if (frozen_[f] != kUnfrozen) {
                ++next_cap;
            } else if (p.cap[f] <= threshold) {
                freeze(f, lvl);
                ++next_cap;
            } else {
                break;
            }
        }
        if (remaining == before) {
            // Impossible by construction (the minimum always lies under the threshold);
            // never loop forever if a future change breaks that.
            assert(false && "max-min round froze no flow");
            for (std::uint32_t f = 0; f < nflows; ++f)
                if (frozen_[f] == kUnfrozen) freeze(f, lvl);
        }
    }
}

} // namespace pagesim
