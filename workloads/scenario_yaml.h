// SPDX-License-Identifier: GPL-2.0-only
// Scenario files (YAML) <-> Scenario: the machine (inline or a file / bundled name), named
// layouts (kernel command lines), parameters, the workload (processes and phases, kernel
// consumers, explicit event lists, generators), duration, seed and engine costs. The
// reference for the format is workloads/SCENARIOS.md; bundled scenarios are in scenarios/.
#pragma once

#include "workloads/config_node.h"
#include "workloads/workload.h"

#include <string>
#include <utility>
#include <vector>

namespace pagesim {

/// `pagesim run --set NAME=VALUE`: values for the scenario's declared parameters (NAME or
/// params.NAME), or for any single value of the scenario by its path
/// (`machine.controllers[1].bandwidth`, `layouts.split`, `duration`; config_path.h), a
/// machine given by name or file included. Applied in order; a later one wins.
using ParamOverrides = std::vector<std::pair<std::string, std::string>>;

/// Loads and validates a scenario file; `name_or_path` is a path or the name of a bundled
/// scenario ("thread_test" -> workloads/scenarios/thread_test.yaml). Every user error is a
/// ConfigError ("file:line:col: error: ..."): unknown keys, bad sizes or durations, orders
/// at or above MAX_ORDER, undefined buffers/processes/layouts, sizes that are not whole
/// pages, bad gfp masks, inconsistent phases, frees of unknown ids and double frees in
/// explicit event lists, a --set of an undeclared parameter.
Scenario load_scenario(const std::string& name_or_path, const ParamOverrides& set = {});
/// The same from a parsed tree (tests); relative paths start at the folder of the file in
/// the root's mark.
Scenario scenario_from_config(const ConfigNode& root, const ParamOverrides& set = {});
/// The fully defaulted scenario as a tree, for `pagesim run --verbose` (to_yaml() prints
/// it): the machine inline, every default spelled out, short forms expanded, parameters
/// substituted (and listed with the values used). Loading that text gives an equal
/// Scenario.
ConfigNode scenario_to_config(const Scenario& scenario);

/// The names of the bundled scenarios, sorted.
std::vector<std::string> bundled_scenarios();

} // namespace pagesim
