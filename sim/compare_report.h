// SPDX-License-Identifier: GPL-2.0-only
// compare's outputs: the side-by-side table (mmtests style: the baseline's values, then
// each layout's value and its difference to the baseline, '*' where the 95 % intervals are
// apart), JSON and CSV of every metric and run, the time series CSV and the plots.
#pragma once

#include "sim/compare.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace pagesim {

std::string compare_table(const CompareResult& r);
nlohmann::json compare_json(const CompareResult& r);
/// Long format: layout,cmdline,seed,metric,unit,value.
std::string compare_csv(const CompareResult& r);
/// The first seed's time series of every layout: time, kernel-usable free and watermarks,
/// resident user pages and delivered bandwidth per controller.
std::string compare_series_csv(const CompareResult& r);

/// Writes compare.json, compare.csv, series.csv and summary.txt into `dir` (atomically).
void write_compare_outputs(const std::filesystem::path& dir, const CompareResult& r);

/// Runs scripts/plot_compare.py on `dir` (PNGs next to the data). Returns the script's exit
/// status; `err` receives a one-line reason when it cannot run.
int plot_compare(const std::filesystem::path& dir, std::string& err);

} // namespace pagesim
