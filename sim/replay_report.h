// SPDX-License-Identifier: GPL-2.0-only
// What `pagesim run --trace` adds to the run's report: the capture's own placement (on the
// layout the run booted) beside the replay's — pages per zone and controller by
// migratetype, blocks by order, failures, fallbacks, pressure — and the replay's counts.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pagesim {

class Simulator;

/// The comparison as text (a run without a trace replay gives "").
std::string replay_comparison_table(const Simulator& sim);

/// {"source", "counts": {...}, "parse": {...}, "capture": <capture_baseline_json shape>},
/// or null without a trace replay. The run's own numbers are run_summary_json(sim).
nlohmann::json replay_comparison_json(const Simulator& sim);

/// "file:line: warning: ..." lines: malformed lines (first few), lost-event markers, a
/// capture that continues past the run's end.
std::vector<std::string> replay_warnings(const Simulator& sim);

} // namespace pagesim
