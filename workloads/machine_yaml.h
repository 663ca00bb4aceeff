// SPDX-License-Identifier: GPL-2.0-only
// Machine description files (YAML) <-> pagesim::Machine. The format is documented in
// workloads/README.md ("Machine files"); bundled machines live in workloads/machines/.
#pragma once

#include "allocator/machine.h"
#include "workloads/config_node.h"

#include <string>
#include <vector>

namespace pagesim {

/// Builds a Machine from a parsed machine file. Throws ConfigError (file:line:col) for
/// unknown keys, wrong types, bad sizes, missing fields and inconsistent values
/// (overlapping memory ranges, a CPU on a node without an entry in `distance`, ...).
Machine machine_from_config(const ConfigNode& root);

/// Reads a machine file. `name_or_path` is a path, or the name of a bundled machine
/// ("bcm7278" -> workloads/machines/bcm7278.yaml).
Machine load_machine(const std::string& name_or_path);

/// The names of the bundled machines, sorted.
std::vector<std::string> bundled_machines();

/// The fully defaulted machine as a config tree (what `--verbose` echoes; loading the
/// emitted YAML gives back an equal Machine).
ConfigNode machine_to_config(const Machine& machine);

} // namespace pagesim
