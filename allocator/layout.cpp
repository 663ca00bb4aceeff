// SPDX-License-Identifier: GPL-2.0-only
// compute_layout(): the order of events of a boot up to mm_init, and Layout's queries.
#include "allocator/layout.h"

#include "allocator/boot_state.h"
#include "allocator/cmdline.h"
#include "allocator/pfn_set.h"
#include "allocator/zone_calc.h"

#include <algorithm>

namespace pagesim {

int Layout::zone_index(ZoneType t) const {
    for (std::size_t i = 0; i < zone_types.size(); ++i)
        if (zone_types[i] == t) return static_cast<int>(i);
    return -1;
}

const NodeLayout& Layout::node(int nid) const {
    for (const NodeLayout& n : nodes)
        if (n.nid == nid) return n;
    throw std::out_of_range("no node " + std::to_string(nid));
}

const ZoneMembership* Layout::zone_of(Pfn pfn) const {
    auto it = std::upper_bound(membership.begin(), membership.end(), pfn,
                               [](Pfn p, const ZoneMembership& m) { return p < m.range.start; });
    if (it == membership.begin()) return nullptr;
    --it;
    return it->range.contains(pfn) ? &*it : nullptr;
}

int Layout::controller_of(Pfn pfn) const {
    for (std::size_t i = 0; i < controllers.size(); ++i)
        for (const PfnRange& r : controllers[i].ranges)
            if (r.contains(pfn)) return static_cast<int>(i);
    return -1;
}

Pfn Layout::reserved_pages_in(const PfnRange& range, bool with_late) const {
    Pfn n = pfn_count_in(reserved, range);
    if (with_late) n += pfn_count_in(late_free, range);
    return n;
}

Pfn Layout::managed_pages(int nid, unsigned zone_idx) const {
    Pfn present = 0, reserved_pages = 0;
    for (const ZoneMembership& m : membership) {
        if (m.nid != nid || m.zone_idx != zone_idx) continue;
        present += m.range.size();
        reserved_pages += reserved_pages_in(m.range);
    }
    return present - reserved_pages;
}

namespace {

std::vector<ZoneType> configured_zones(const KernelConfig& k) {
    std::vector<ZoneType> z;
    if (k.zone_dma) z.push_back(ZONE_DMA);
    if (k.zone_dma32) z.push_back(ZONE_DMA32);
    z.push_back(ZONE_NORMAL);
    if (k.highmem) z.push_back(ZONE_HIGHMEM);
    z.push_back(ZONE_MOVABLE);
    if (k.zone_device) z.push_back(ZONE_DEVICE);
    return z;
}

// Models arm64's max_zone_phys().
std::uint64_t max_zone_phys(const Memblock& mb, unsigned bits) {
    std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    const std::uint64_t start = mb.start_of_dram();
    if (start > 0xffffffffull)
        mask = ~std::uint64_t{0};
    else if (start > mask)
        mask = 0xffffffffull;
    return std::min(mask, mb.end_of_dram() - 1) + 1;
}

// The arch's zone_sizes_init(): max_zone_pfn[] for free_area_init().
std::array<Pfn, kZoneTypes> arch_max_zone_pfn(const Machine& m, const Memblock& mb) {
    const KernelConfig& k = m.kconfig;
    const unsigned ps = k.page_shift;
    std::array<Pfn, kZoneTypes> z{};
    const Pfn max_pfn = mb.end_of_dram() >> ps;
    switch (m.arch) {
    case Arch::X86_64: {
        const Pfn max_low_pfn = max_pfn; // 64-bit: no highmem
        z[ZONE_DMA] = std::min(Pfn{1} << (k.zone_dma_bits - ps), max_low_pfn);
        z[ZONE_DMA32] = std::min(Pfn{1} << (32 - ps), max_low_pfn);
        z[ZONE_NORMAL] = max_low_pfn;
        break;
    }
    case Arch::Arm64:
        z[ZONE_DMA] = max_zone_phys(mb, k.zone_dma_bits) >> ps;
        z[ZONE_DMA32] = max_zone_phys(mb, 32) >> ps;
        z[ZONE_NORMAL] = max_pfn;
        break;
    case Arch::Arm: {
        // find_limits()/adjust_lowmem_bounds(): lowmem ends at the vmalloc limit or at the
        // end of the memory below it.
        std::uint64_t lowmem_end = 0;
        for (const MbRegion& r : mb.memory())
            if (r.base < k.lowmem_limit)
                lowmem_end = std::max(lowmem_end, std::min(r.end(), k.lowmem_limit));
        const Pfn max_low = std::min(lowmem_end >> ps, max_pfn);
        z[ZONE_DMA] =
            std::min((mb.start_of_dram() + (std::uint64_t{1} << k.zone_dma_bits)) >> ps, max_low);
        z[ZONE_NORMAL] = max_low;
        z[ZONE_HIGHMEM] = max_pfn;
        break;
    }
    }
    return z;
}

DmbRule dmb_rule_of(const CmdLine& cl) {
    if (!cl.dmb_rule || *cl.dmb_rule == "v3") return DmbRule::V3;
    if (*cl.dmb_rule == "v2") return DmbRule::V2;
    return DmbRule::Off;
}

// pagesim.rmem=: device-tree reserved-memory nodes added to the machine's for one layout
// (S14: a shared-dma-pool or a carve-out per controller). The firmware's reservations are
// made after parse_early_param() on arm and arm64 (arm64_memblock_init()), and these are too.
Machine with_rmem(const Machine& given, const CmdLine& cl) {
    Machine m = given;
    for (const RmemSpec& r : cl.rmem) {
        for (const Reservation& o : m.reservations)
            if (o.name == r.name)
                throw LayoutError("pagesim.rmem '" + r.text + "': the machine already has a " +
                                  "reservation named '" + r.name + "'");
        Reservation res;
        res.name = r.name;
        res.range = {r.base, r.size};
        res.kind = r.reusable ? ReservationKind::Reusable : ReservationKind::NoMap;
        res.before_early_params = false;
        res.align = m.kconfig.page_size();
        m.reservations.push_back(res);
    }
    return m;
}

} // namespace

Layout compute_layout(const Machine& given, const CmdLine& cmdline, const LayoutOptions& options) {
    const Machine rmem_machine = cmdline.rmem.empty() ? Machine{} : with_rmem(given, cmdline);
    const Machine& machine = cmdline.rmem.empty() ? given : rmem_machine;
    Layout L;
    L.arch = machine.arch;
    L.kconfig = machine.kconfig;
    L.zone_types = configured_zones(machine.kconfig);
    L.ncpus = machine.ncpus;
    L.dmb_rule = dmb_rule_of(cmdline);
    L.warnings = cmdline.warnings;
    if (machine.memory.empty()) throw LayoutError(machine.name + ": the machine has no memory");

    BootState bs(machine, cmdline, L);
    // setup_arch(): memory from e820 (x86, after the early parameters, but pagesim models
    // the DMB checks with memory known, as on arm64) or the device tree (arm, arm64).
    for (const MemoryRange& r : machine.memory) {
        unsigned flags = MEMBLOCK_NONE;
        if (r.hotpluggable) flags |= MEMBLOCK_HOTPLUG;
        if (r.mirror) flags |= MEMBLOCK_MIRROR;
        bs.mb.add(r.range.base, r.range.size, r.nid, flags);
    }
    for (const Reservation& r : machine.reservations)
        if (!r.top_down && r.before_early_params) apply_fixed_reservation(bs, r);
    apply_early_params(bs);
    for (const Reservation& r : machine.reservations)
        if (!r.top_down && !r.before_early_params) apply_fixed_reservation(bs, r);
    if (bs.mb.memory().empty()) throw LayoutError("no memory left after mem=");
    setup_nodes(bs);
    place_dynamic_reservations(bs, false); // sparse_init(), page tables, NODE_DATA...

    // free_area_init().
    ZoneCalc zc;
    zc.kconfig = machine.kconfig;
    zc.zone_types = L.zone_types;
    const unsigned ps = machine.kconfig.page_shift;
    for (const MbRegion& r : bs.mb.memory()) {
        const PfnRange pr{bs.pfn_up(r.base), bs.pfn_down(r.end())};
        if (pr.start >= pr.end) continue;
        MemblockRegion mr;
        mr.range = pr;
        mr.nid = r.nid;
        mr.hotpluggable = r.flags & MEMBLOCK_HOTPLUG;
        mr.mirror = r.flags & MEMBLOCK_MIRROR;
        mr.movable = r.flags & MEMBLOCK_MOVABLE;
        mr.nomap = r.flags & MEMBLOCK_NOMAP;
        zc.regions.push_back(mr);
        zc.has_mirror = zc.has_mirror || mr.mirror;
        zc.nr_nodes = std::max(zc.nr_nodes, r.nid + 1);
    }
    for (int n : L.cpu_node) zc.nr_nodes = std::max(zc.nr_nodes, n + 1);
    L.memory = zc.regions;
    zc.start_of_dram_pfn = bs.mb.start_of_dram() >> ps;
    zc.max_zone_pfn = arch_max_zone_pfn(machine, bs.mb);
    zc.rule = L.dmb_rule;
    zc.mirrored_kernelcore = L.mirrored_kernelcore;
    zc.movable_node = bs.movable_node;
    zc.required_kernelcore = bs.required_kernelcore;
    zc.required_kernelcore_percent = bs.required_kernelcore_percent;
    zc.required_movablecore = bs.required_movablecore;
    zc.required_movablecore_percent = bs.required_movablecore_percent;
    run_zone_calc(zc);
    L.arch_zone_lowest_possible_pfn = zc.low;
    L.arch_zone_highest_possible_pfn = zc.high;
    L.movable_zone = zc.movable_zone;
    L.nodes = zc.nodes;
    L.membership = zc.membership;
    L.unavailable = zc.unavailable;
    for (std::string& s : zc.kernel_log) L.early_log.push_back(s);
    for (std::string& s : zc.warnings) L.warnings.push_back(s);
    for (std::size_t c = 0; c < L.cpu_node.size(); ++c)
        if (static_cast<std::size_t>(L.cpu_node[c]) < L.nodes.size())
            L.nodes[static_cast<std::size_t>(L.cpu_node[c])].cpus.push_back(
                static_cast<unsigned>(c));
    if (L.distance.empty()) {
        const auto n = L.nodes.size();
        L.distance.assign(n, std::vector<int>(n, 20));
        for (std::size_t i = 0; i < n; ++i) L.distance[i][i] = 10;
    }
    if (machine.kconfig.highmem && L.movable_zone == ZONE_HIGHMEM && !bs.dmb_bytes.empty()) {
        const Pfn lowmem_end = L.arch_zone_highest_possible_pfn[ZONE_NORMAL];
        for (const AddrRange& d : bs.dmb_bytes)
            if ((d.base >> ps) < lowmem_end)
                L.warnings.push_back(
                    "DMB in lowmem on a HIGHMEM kernel: movable_zone is HighMem, so "
                    "ZONE_MOVABLE counts as highmem (is_highmem_idx) although these pages are "
                    "in the linear map, and the kernel loses them as lowmem");
    }

    // bootmem_init() on arm64: dma_contiguous_reserve() after zone_sizes_init().
    reserve_cma(bs);
    place_dynamic_reservations(bs, true); // swiotlb (mem_init)
    L.cma_log = bs.cma_log;
    finish_memory(bs);
    apply_late_params(bs);

    if (options.strict && !L.warnings.empty()) {
        std::string msg = "strict: " + L.warnings.front();
        if (L.warnings.size() > 1)
            msg += " (and " + std::to_string(L.warnings.size() - 1) + " more warning(s))";
        throw LayoutError(msg);
    }
    return L;
}

} // namespace pagesim
