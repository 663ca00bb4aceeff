// SPDX-License-Identifier: GPL-2.0-only
// Sweep files (YAML): a base scenario and axes (scenarios, layouts, seeds, any single value
// by its --set path), with exclude/include rules, expanded into the list of points (one
// `pagesim run` each). The format is documented in workloads/README.md ("Sweep files").
#pragma once

#include "workloads/config_node.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pagesim {

struct SweepValue {
    std::string text; ///< as the run gets it (seeds in decimal)
    Mark mark;        ///< where the sweep file gives it
};

struct SweepAxis {
    /// "scenario", "layout", "seed", or a --set path ("machine.controllers[1].bandwidth").
    std::string name;
    /// False for the scenario given by the top-level `scenario:` key: it names each point
    /// but takes no part in its id. Layouts are always an axis (by default every layout of
    /// every scenario).
    bool declared = true;
    std::vector<SweepValue> values; ///< the axis's own values (include rules may add others)
};

/// A scenario of the sweep, loaded once without overrides.
struct SweepScenario {
    std::string path;                 ///< absolute path of its file
    std::string name;                 ///< its `name:`
    std::vector<std::string> layouts; ///< empty: it defines none (the layout is "default")
};

struct SweepPoint {
    std::vector<std::string> values; ///< one per axis of Sweep::axes
    std::string id;                  ///< [A-Za-z0-9._-]+, from the declared axes' values only
};

struct Sweep {
    std::string name;
    std::string description;
    std::string file; ///< the sweep file
    /// axes[0] is "scenario", axes[1] "layout", then "seed" if the sweep has seeds, then the
    /// --set paths in the order of the file.
    std::vector<SweepAxis> axes;
    bool has_seed = false;
    std::size_t first_set = 2;                      ///< index of the first --set axis
    std::map<std::string, SweepScenario> scenarios; ///< by scenario axis value
    std::vector<SweepPoint> points;                 ///< matrix order, then include order

    /// Index of the axis `name`, or axes.size().
    std::size_t axis(const std::string& name) const;
    /// The --set overrides of a point, in axis order.
    std::vector<std::pair<std::string, std::string>> overrides(const SweepPoint& p) const;
};

/// Reads, expands and validates a sweep file: every scenario is loaded, every --set value
/// is applied to every scenario it meets (alone, then in each combination a point uses),
/// so a bad path or value is a ConfigError at the sweep file's line:col. Throws
/// ConfigError (file:line:col: error: ...) for every user error.
Sweep load_sweep(const std::string& path);
/// The same from a parsed tree (tests); relative scenario paths start at the folder of the
/// file in the root's mark.
Sweep sweep_from_config(const ConfigNode& root);

/// 32-bit FNV-1a of `s` (stable across platforms and releases: ids depend on it).
std::uint32_t fnv1a32(std::string_view s);
/// The id of a point: [<scenario>-]<layout>[-s<seed>][-<8 hex digits of FNV-1a over the
/// sorted "path=value" lines>], each part only if its axis is declared; characters outside
/// [A-Za-z0-9._-] become '_'.
std::string point_id(const Sweep& sweep, const SweepPoint& p);

} // namespace pagesim
