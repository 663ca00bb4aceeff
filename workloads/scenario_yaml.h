// SPDX-License-Identifier: GPL-2.0-only
// Scenario files (YAML) -> Scenario: the machine (inline or a file / bundled name), named
// layouts (kernel command lines), the workload (processes and phases, kernel consumers,
// explicit event lists, generators), duration, seed and engine costs. The reference for
// the format is workloads/README.md.
#pragma once

#include "workloads/config_node.h"
#include "workloads/workload.h"

#include <string>

namespace pagesim {

/// Loads and validates a scenario file. Every user error is a ConfigError
/// ("file:line:col: error: ..."): unknown keys, bad sizes or durations, orders > 10,
/// undefined buffers/processes/layouts, sizes that are not whole pages, frees of unknown
/// ids and double frees in explicit event lists.
Scenario load_scenario(const std::string& path);
/// The same from a parsed tree (tests).
Scenario scenario_from_config(const ConfigNode& root);
/// The fully defaulted scenario as a tree, for `pagesim run --verbose` (to_yaml() prints
/// it); loading that text gives an equal Scenario.
ConfigNode scenario_to_config(const Scenario& scenario);

} // namespace pagesim
