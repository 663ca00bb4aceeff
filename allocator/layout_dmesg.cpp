// SPDX-License-Identifier: GPL-2.0-only
// Boot-log lines of free_area_init(), free_area_init_node() and memmap_init().
#include "allocator/layout_dmesg.h"

#include <cstdio>

namespace pagesim {

std::string kernel_hex18(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
    return buf;
}

namespace {

std::string mem_range(std::uint64_t start, std::uint64_t end_inclusive) {
    return "[mem " + kernel_hex18(start) + "-" + kernel_hex18(end_inclusive) + "]";
}

} // namespace

// Models the pr_info()s of free_area_init() and free_area_init_node() and
// init_unavailable_range().
std::vector<std::string> layout_dmesg_lines(const Layout& L) {
    std::vector<std::string> out(L.early_log.begin(), L.early_log.end());
    const unsigned ps = L.kconfig.page_shift;
    if (L.arch == Arch::X86_64) out.insert(out.end(), L.cma_log.begin(), L.cma_log.end());

    out.emplace_back("Zone ranges:");
    for (ZoneType z : L.zone_types) {
        if (z == ZONE_MOVABLE) continue;
        char name[16];
        std::snprintf(name, sizeof name, "  %-8s ", std::string(zone_name(z)).c_str());
        const Pfn lo = L.arch_zone_lowest_possible_pfn[z];
        const Pfn hi = L.arch_zone_highest_possible_pfn[z];
        if (lo == hi)
            out.push_back(std::string(name) + "empty");
        else
            out.push_back(std::string(name) + mem_range(lo << ps, (hi << ps) - 1));
    }
    out.emplace_back("Movable zone start for each node");
    for (const NodeLayout& n : L.nodes)
        if (n.zone_movable_pfn)
            out.push_back("  Node " + std::to_string(n.nid) + ": " +
                          kernel_hex18(n.zone_movable_pfn << ps));
    out.emplace_back("Early memory node ranges");
    for (const MemblockRegion& r : L.memory) {
        char head[32];
        std::snprintf(head, sizeof head, "  node %3d: ", r.nid);
        out.push_back(head + mem_range(r.range.start << ps, (r.range.end << ps) - 1));
    }
    for (const NodeLayout& n : L.nodes) {
        const std::uint64_t end = n.node_end_pfn ? (n.node_end_pfn << ps) - 1 : 0;
        out.push_back("Initmem setup node " + std::to_string(n.nid) + " " +
                      mem_range(n.node_start_pfn << ps, end));
    }
    for (const UnavailableRange& u : L.unavailable)
        out.push_back("On node " + std::to_string(u.nid) + ", zone " +
                      std::string(zone_name(u.zone)) + ": " + std::to_string(u.pages) +
                      " pages in unavailable ranges");
    if (L.arch != Arch::X86_64) out.insert(out.end(), L.cma_log.begin(), L.cma_log.end());
    return out;
}

std::string layout_dmesg(const Layout& layout) {
    std::string s;
    for (const std::string& l : layout_dmesg_lines(layout)) s += l + "\n";
    return s;
}

} // namespace pagesim
