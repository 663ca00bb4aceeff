// SPDX-License-Identifier: GPL-2.0-only
// make_simple_layout(): one node, one populated zone, no holes or reservations — the
// set-up of the W1–W3 workloads and of most unit tests.
#include "allocator/layout.h"

#include <algorithm>

namespace pagesim {

Layout make_simple_layout(Pfn nr_pages, unsigned ncpus, Pfn start_pfn, unsigned max_order,
                          ZoneType type) {
    Layout l;
    l.arch = Arch::X86_64;
    l.kconfig.max_order = max_order;
    l.kconfig.pageblock_order = std::min(9u, max_order - 1);
    // Sections must hold a MAX_ORDER block (the W1 order-18 variant needs large ones).
    l.kconfig.section_size_bits = std::max(27u, l.kconfig.page_shift + max_order - 1);
    l.kconfig.deferred_struct_page_init = false; // every pageblock starts MOVABLE
    l.zone_types = {ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE};
    l.ncpus = ncpus;
    l.cpu_node.assign(ncpus, 0);
    const PfnRange range{start_pfn, start_pfn + nr_pages};
    l.memory.push_back({range, 0, false, false, false});

    NodeLayout node;
    node.nid = 0;
    node.node_start_pfn = range.start;
    node.node_end_pfn = range.end;
    for (unsigned c = 0; c < ncpus; ++c) node.cpus.push_back(c);
    for (ZoneType t : l.zone_types) {
        ZoneSpan z;
        z.type = t;
        if (t == type) {
            z.zone_start_pfn = range.start;
            z.spanned = nr_pages;
            z.present = nr_pages;
        }
        node.zones.push_back(z);
    }
    l.nodes.push_back(node);
    l.membership.push_back({range, 0, static_cast<unsigned>(l.zone_index(type))});
    l.controllers.push_back({"MEMC0", {range}, 0, 0});
    return l;
}

} // namespace pagesim
