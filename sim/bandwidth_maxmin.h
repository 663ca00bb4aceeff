// SPDX-License-Identifier: GPL-2.0-only
// Max-min fair rates for flows that draw on several controllers with per-byte weights:
// progressive filling (water-filling) under  sum_f a_fc * r_f <= B_c  and  r_f <= cap_f.
// Pure computation on caller-owned arrays; the solver keeps its scratch between calls.
#pragma once

#include "sim/bandwidth_controller_map.h"

#include <cstdint>
#include <span>
#include <vector>

namespace pagesim {

/// One rate problem in compressed-row form. Flow f draws coef[k] bytes from controller
/// ctrl[k] per byte of progress for k in [offsets[f], offsets[f+1]); coefficients are > 0
/// and a controller appears at most once per flow.
struct MaxMinProblem {
    std::span<const double> capacity;       ///< B_c, bytes/s, > 0
    std::span<const double> cap;            ///< cap_f, bytes/s, > 0 (CPU copy throughput)
    std::span<const std::uint32_t> offsets; ///< cap.size() + 1 entries
    std::span<const ControllerId> ctrl;
    std::span<const double> coef;
    /// Flow indices sorted by (cap, index); see sort_by_cap(). Lets the solver skip a sort
    /// when the caller's flow set has not changed.
    std::span<const std::uint32_t> cap_order;
};

/// Fills `order` with 0..cap.size()-1 sorted by (cap, index).
void sort_by_cap(std::span<const double> cap, std::vector<std::uint32_t>& order);

/// Progressive filling, exactly:
///  1. Every flow starts unfrozen at rate 0. All unfrozen flows share one level L.
///  2. Each round, L rises to the smallest of: the cap of the lowest-capped unfrozen flow,
///     and, for each controller c with unfrozen users, its saturation level
///     (B_c - sum of frozen draws on c) / (sum of unfrozen a_fc on c).
///  3. Every unfrozen flow whose cap is <= L * (1 + kTieTolerance) freezes at rate L; every
///     controller whose saturation level is <= L * (1 + kTieTolerance) is saturated and all
///     its unfrozen users freeze at rate L. Ties are therefore resolved by freezing together,
///     all at the same L, so the result does not depend on flow or controller order.
///  4. Repeat until every flow is frozen. L never decreases (clamped against rounding).
/// Each round freezes at least one flow: at most F rounds of O(C), plus O(nnz) freezing
/// work; no allocation once the scratch has grown to the problem size.
class MaxMinSolver {
public:
    /// Relative tolerance under which two levels count as equal (tie rule, step 3).
    static constexpr double kTieTolerance = 1e-12;

    /// Writes r_f into `rates` (size cap.size()).
    void solve(const MaxMinProblem& p, std::span<double> rates);
    /// Rounds (level raises) taken by the last solve().
    std::size_t rounds() const { return rounds_; }

private:
    static constexpr std::uint8_t kUnfrozen = 0;
    static constexpr std::uint8_t kFrozen = 1;
    static constexpr std::uint8_t kMarked = 2;

    std::vector<double> frozen_load_;  ///< per controller
    std::vector<double> weight_;       ///< per controller: sum of unfrozen a_fc
    std::vector<std::uint32_t> users_; ///< per controller: unfrozen users left
    std::vector<std::uint32_t> col_offsets_;
    std::vector<std::uint32_t> col_flows_; ///< transpose: flows of each controller
    std::vector<std::uint32_t> batch_;     ///< flows freezing this round
    std::vector<std::uint8_t> frozen_;     ///< kUnfrozen, kMarked (this round) or kFrozen
    std::size_t rounds_ = 0;
};

} // namespace pagesim
