// SPDX-License-Identifier: GPL-2.0-only
// `pagesim sweep collect`: which jobs are done, missing or invalid, judged from the result
// files alone; the retry list; every result merged into one table (sweep.csv, sweep.json:
// one row per job, its axis values, then the metrics of its result); per axis, each value's
// mean and 95 % interval over the points that share it (compare's arithmetic).
#pragma once

#include "sim/mean_ci.h"
#include "sim/sweep_jobs.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pagesim {

struct CollectedJob {
    JobLine line;
    ResultState state = ResultState::Missing;
    std::string why;                       ///< for an invalid result
    std::vector<std::string> values;       ///< per CollectResult::axes ("" unknown)
    std::map<std::string, double> metrics; ///< from the result's "metrics"
};

struct MetricInfo {
    std::string name, unit;
    int better = 0;
};

struct AxisValueSummary {
    std::string value;
    std::size_t points = 0;      ///< done jobs with this value
    std::vector<MeanCi> metrics; ///< per CollectResult::metrics
};

struct AxisSummary {
    std::string axis;
    std::vector<AxisValueSummary> values; ///< the axis's order; the first is the baseline
};

struct CollectResult {
    std::string name;                 ///< the sweep's (from the manifest; else the folder's)
    std::vector<std::string> axes;    ///< from the manifest; empty without one
    std::vector<CollectedJob> jobs;   ///< job-list order
    std::vector<MetricInfo> metrics;  ///< every metric of any result, in first-seen order
    std::vector<AxisSummary> summary; ///< axes with at least two values among done jobs
    std::size_t done = 0, missing = 0, invalid = 0;
};

/// Reads DIR/jobs.txt (or `jobs_file`), DIR/manifest.json if present, and every result.
/// Throws std::invalid_argument for a malformed job list or manifest.
CollectResult collect_sweep(const std::filesystem::path& dir,
                            const std::filesystem::path& jobs_file = {});

/// The lines not done, in list order (a job list of its own; empty if all are done).
std::string retry_list(const CollectResult& r);
/// id,state,<axes>,<metrics>: one row per job, metrics empty where there is no result.
std::string collect_csv(const CollectResult& r);
/// name, axes, metrics (name, unit, better), jobs (id, state, why, values, metrics),
/// summary (per axis, per value: points and per metric mean, ci95, n).
nlohmann::json collect_json(const CollectResult& r);
/// The status line, the jobs not done, and per axis a compare-style table (key metrics,
/// or all of them).
std::string collect_table(const CollectResult& r, bool all_metrics);

/// Writes sweep.csv, sweep.json, summary.txt into `dir` and the retry list to
/// `retry_file`, each atomically.
void write_collect_outputs(const std::filesystem::path& dir, const CollectResult& r,
                           const std::filesystem::path& retry_file);

/// Runs scripts/plot_sweep.py on `dir` (PNGs in dir/plots). Returns 0 when plots were
/// drawn; otherwise `note` says why not (matplotlib missing, the script failed).
int plot_sweep(const std::filesystem::path& dir, std::string& note);

} // namespace pagesim
