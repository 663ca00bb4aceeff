// SPDX-License-Identifier: GPL-2.0-only
// `--set NAME=VALUE` (repeatable) of `run` and `compare`: scenario parameter overrides.
#pragma once

#include "workloads/scenario_yaml.h"

#include <string>
#include <vector>

namespace pagesim {

/// Splits each NAME=VALUE; std::invalid_argument naming the offending token otherwise.
ParamOverrides parse_set_options(const std::vector<std::string>& args);

} // namespace pagesim
