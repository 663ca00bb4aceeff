// SPDX-License-Identifier: GPL-2.0-only
// Renderers of TraceStats (workloads/trace_stats.h): aligned plain-text tables in the
// style of mmtests reports, and JSON for scripts/plot_trace_stats.py and other tools.
#pragma once

#include "workloads/trace_stats.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace pagesim {

/// The statistics as JSON. Top-level keys: source, parse, span, events, events_by_cpu,
/// allocations, frees, placement, lifetimes, extfrag, rate (columns of equal length, one
/// entry per bin). Durations are integer nanoseconds (`*_ns`).
nlohmann::ordered_json trace_stats_to_json(const TraceStats& stats, std::string_view source);

/// Human-readable tables: input summary, malformed lines, events, allocations by order /
/// migratetype / gfp, placement by zone and controller, lifetimes, extfrag, rate.
std::string render_trace_stats_table(const TraceStats& stats, std::string_view source);

} // namespace pagesim
