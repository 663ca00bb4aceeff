// SPDX-License-Identifier: GPL-2.0-only
// `--set PATH=VALUE` on any scalar of a configuration tree: PATH is map keys joined by '.',
// with sequence indices in brackets ("machine.controllers[1].bandwidth"). ConfigNode has no
// mutable access, so the tree is rebuilt along the path; every other node keeps its mark.
#pragma once

#include "workloads/config_node.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pagesim {

struct PathStep {
    std::string key; ///< a map key (when !is_index)
    bool is_index = false;
    std::size_t index = 0; ///< a sequence index (when is_index)
};

/// True if `name` is a path (holds '.' or '['); a plain name is a scenario parameter.
bool is_config_path(std::string_view name);

/// "a.b[2].c" -> steps. Keys are letters, digits, '_', '-'; indices are decimal.
/// Throws std::invalid_argument naming the path on bad syntax.
std::vector<PathStep> parse_config_path(std::string_view path);

/// Descends into a scalar the walk meets (a machine given by name): returns the tree to
/// use in its place, or a null node if the scalar cannot be expanded. `where` is the path
/// walked so far ("machine").
using ScalarExpander =
    std::function<ConfigNode(const ConfigNode& scalar, const std::string& where)>;

/// `root` with the node at `path` replaced by `value`. The last key may be one the map does
/// not have yet (it is added; a strict reader then rejects it if it is unknown). A missing
/// intermediate key, an index out of range, a step into a scalar that `expand` cannot
/// expand, or a target that is a map or a sequence: ConfigError at the deepest node
/// reached, "--set PATH: ...".
ConfigNode set_config_path(const ConfigNode& root, std::string_view path, const ConfigNode& value,
                           const ScalarExpander& expand = {});

} // namespace pagesim
