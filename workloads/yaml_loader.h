// SPDX-License-Identifier: GPL-2.0-only
// YAML text -> ConfigNode. The only place in pagesim that includes yaml-cpp: parse errors
// and every node carry file:line:col, converted to 1-based (yaml-cpp marks are 0-based).
#pragma once

#include "workloads/config_node.h"

#include <string>
#include <string_view>

namespace pagesim {

/// Parses YAML text; `name` is the file name used in marks. Throws ConfigError for syntax
/// errors and duplicate keys. Empty input gives a null node.
ConfigNode parse_yaml(std::string_view text, const std::string& name);

/// Reads and parses a file; ConfigError (mark = the path) if it cannot be read.
ConfigNode load_yaml_file(const std::string& path);

} // namespace pagesim
