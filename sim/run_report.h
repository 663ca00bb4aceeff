// SPDX-License-Identifier: GPL-2.0-only
// What `pagesim run` reports: a readable summary table (allocations by zone and by memory
// controller, per migratetype and order; failures; fallbacks and steals; final buddyinfo),
// the same as JSON, the sampler's time series as CSV, and the output directory with the
// /proc files in kernel format, each written atomically.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace pagesim {

class Simulator;

std::string run_summary_table(const Simulator& sim);
nlohmann::json run_summary_json(const Simulator& sim);
std::string run_timeseries_csv(const Simulator& sim);

/// Writes summary.json, timeseries.csv, buddyinfo, pagetypeinfo, zoneinfo and vmstat into
/// `dir` (created if missing), each through a temporary file and a rename.
void write_run_outputs(const std::filesystem::path& dir, const Simulator& sim);

} // namespace pagesim
