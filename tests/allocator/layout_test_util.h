// SPDX-License-Identifier: GPL-2.0-only
// Helpers for the layout tests: bundled machines, reference files, zone lookups.
#pragma once

#include "allocator/cmdline.h"
#include "allocator/layout.h"
#include "workloads/machine_yaml.h"

#include <fstream>
#include <sstream>
#include <string>

namespace pagesim::test {

inline Machine bundled(const std::string& name) {
    std::string path = PAGESIM_SOURCE_DIR; // appended piecewise: GCC 12 -Warray-bounds noise
    path += "/workloads/machines/";
    path += name;
    path += ".yaml";
    return load_machine(path);
}

/// The bundled BCM7278 and BCM7445 machines, loaded once.
inline const Machine& m7278() {
    static const Machine m = bundled("bcm7278");
    return m;
}
inline const Machine& m7445() {
    static const Machine m = bundled("bcm7445");
    return m;
}

inline Layout boot(const Machine& m, const std::string& cmdline, bool strict = false) {
    LayoutOptions o;
    o.strict = strict;
    return compute_layout(m, parse_cmdline(cmdline), o);
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline const ZoneSpan& zone(const Layout& L, int nid, ZoneType t) {
    return L.node(nid).zones.at(static_cast<std::size_t>(L.zone_index(t)));
}

/// Present pages of zone `t` (any node) served by controller `name`.
inline Pfn pages_on(const Layout& L, ZoneType t, const std::string& name) {
    Pfn n = 0;
    for (const ControllerLayout& c : L.controllers) {
        if (c.name != name) continue;
        for (const ZoneMembership& m : L.membership) {
            if (L.zone_types[m.zone_idx] != t) continue;
            for (const PfnRange& r : c.ranges) {
                const Pfn s = std::max(r.start, m.range.start), e = std::min(r.end, m.range.end);
                if (s < e) n += e - s;
            }
        }
    }
    return n;
}

inline bool has_warning(const Layout& L, const std::string& needle) {
    for (const std::string& w : L.warnings)
        if (w.find(needle) != std::string::npos) return true;
    return false;
}

inline bool has_log(const Layout& L, const std::string& line) {
    for (const std::string& w : L.early_log)
        if (w == line) return true;
    return false;
}

constexpr Pfn MiB(Pfn n) {
    return n * 256;
} // 4K pages

} // namespace pagesim::test
