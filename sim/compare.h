// SPDX-License-Identifier: GPL-2.0-only
// `compare`: the same scenario on several layouts, N seeds each (the same seeds for every
// layout), run in parallel threads; per metric the mean and 95 % confidence interval over
// seeds, and the ratio to the first (baseline) layout.
#pragma once

#include "sim/mean_ci.h"
#include "sim/metrics.h"
#include "workloads/workload.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pagesim {

struct CompareOptions {
    std::vector<std::string> layouts; ///< names to run, in this order; empty: all of them
    unsigned seeds = 1;
    unsigned jobs = 0; ///< threads; 0: the machine's hardware threads
    std::int64_t until_ns = -1;
    bool strict = false;                  ///< layout warnings are errors
    std::function<void(double)> progress; ///< fraction of runs done
};

/// A time series of one run, for the plots.
struct RunSeries {
    std::vector<std::int64_t> t;
    std::vector<double> kernel_free_mib, kernel_min_mib, kernel_low_mib, kernel_high_mib;
    std::vector<std::string> controllers;
    std::vector<double> interval_end_s;              ///< bandwidth intervals
    std::vector<std::vector<double>> delivered_gbps; ///< [controller][interval]
    std::vector<std::vector<double>> user_mib;       ///< [controller][sample]
};

struct RunResult {
    std::string layout;
    std::uint64_t seed = 0;
    RunMetrics metrics;
    RunSeries series;
};

struct MetricSummary {
    std::string name, unit;
    int better = 0;
    double mean = 0;
    double ci95 = 0; ///< half-width; 0 with a single seed
    std::size_t n = 0;
    double ratio = 1; ///< mean / baseline mean (1 for the baseline; NaN if the baseline is 0)
    bool significant = false; ///< the 95 % intervals of this layout and the baseline are apart
};

struct LayoutSummary {
    NamedLayout layout;
    std::vector<MetricSummary> metrics; ///< in the order of the baseline's metrics
};

struct CompareResult {
    std::string scenario;
    std::vector<NamedLayout> layouts;
    std::vector<std::uint64_t> seeds;
    std::vector<RunResult> runs; ///< layout-major: runs[l * seeds + s]
    std::vector<LayoutSummary> summary;
    std::vector<std::string> warnings;
};

/// Runs the comparison. Throws std::invalid_argument for an unknown layout name and
/// LayoutError / CmdlineError for a layout that does not boot.
CompareResult run_compare(const Scenario& sc, const CompareOptions& opts);

} // namespace pagesim
