// SPDX-License-Identifier: GPL-2.0-only
// After free_area_init(): CMA activation, page-granular reserved / late-free / DMB sets,
// hot-plugged blocks, controllers, sticky ranges, and the late (non-early) parameters.
#include "allocator/boot_state.h"

#include "allocator/pfn_set.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace pagesim {
namespace {

// The (node, zone) of every pfn in `r`, or false if the range mixes zones or has holes.
bool single_zone(const Layout& L, const PfnRange& r) {
    const ZoneMembership* first = L.zone_of(r.start);
    if (!first) return false;
    Pfn p = r.start;
    while (p < r.end) {
        const ZoneMembership* m = L.zone_of(p);
        if (!m || m->nid != first->nid || m->zone_idx != first->zone_idx) return false;
        p = m->range.end;
    }
    return true;
}

// Models default_kernel_zone_for_pfn(): the first kernel zone whose span intersects.
ZoneType default_kernel_zone(const Layout& L, int nid, const PfnRange& r) {
    for (const NodeLayout& n : L.nodes) {
        if (n.nid != nid) continue;
        for (const ZoneSpan& z : n.zones) {
            if (z.type > ZONE_NORMAL || !z.spanned) continue;
            if (z.zone_start_pfn < r.end && r.start < z.zone_start_pfn + z.spanned) return z.type;
        }
    }
    return ZONE_NORMAL;
}

void online_hotplug(BootState& bs) {
    Layout& L = bs.L;
    const KernelConfig& k = bs.m.kconfig;
    for (const HotplugSpec& h : bs.cl.hotplug) {
        const std::string what = "pagesim.hotplug '" + h.text + "'";
        if (!k.memory_hotplug)
            throw LayoutError(what + ": the kernel has no CONFIG_MEMORY_HOTPLUG");
        if ((h.base | h.size) % k.section_bytes())
            throw LayoutError(what + ": memory is hot-added in memory blocks of " +
                              std::to_string(k.section_bytes() >> 20) + " MiB (" +
                              "SECTION_SIZE_BITS " + std::to_string(k.section_size_bits) +
                              "); base and size must be multiples of it");
        int nid = -1;
        for (const MemoryRange& r : bs.m.memory)
            if (r.range.base <= h.base && h.base + h.size <= r.range.end()) nid = r.nid;
        if (nid < 0) throw LayoutError(what + ": not RAM of this machine");
        if (L.fake_numa && bs.cl.fake_numa_per_controller)
            for (std::size_t c = 0; c < bs.m.controllers.size(); ++c)
                for (const AddrRange& a : bs.m.controllers[c].ranges)
                    if (a.contains(h.base)) nid = static_cast<int>(c);
        for (const MbRegion& r : bs.mb.memory())
            if (r.base < h.base + h.size && h.base < r.end())
                throw LayoutError(what + ": the range is boot memory already (use mem= to "
                                         "keep it out of the boot memory map)");
        const PfnRange pr{bs.pfn_down(h.base), bs.pfn_down(h.base + h.size)};
        for (const HotplugBlock& b : L.hotplug)
            if (b.range.overlaps(pr)) throw LayoutError(what + ": overlaps another block");
        const ZoneType zt = h.movable ? ZONE_MOVABLE : default_kernel_zone(L, nid, pr);
        if (static_cast<std::size_t>(nid) >= L.nodes.size())
            throw LayoutError(what + ": node " + std::to_string(nid) + " does not exist");
        NodeLayout& node = L.nodes[static_cast<std::size_t>(nid)];
        const int zi = L.zone_index(zt);
        ZoneSpan& z = node.zones[static_cast<std::size_t>(zi)];
        // Models resize_zone_range() / resize_pgdat_range() and the present-page update of
        // online_pages().
        if (!z.spanned) {
            z.zone_start_pfn = pr.start;
            z.spanned = pr.size();
        } else {
            const Pfn s = std::min(z.zone_start_pfn, pr.start);
            const Pfn e = std::max(z.zone_start_pfn + z.spanned, pr.end);
            z.zone_start_pfn = s;
            z.spanned = e - s;
        }
        z.present += pr.size();
        if (!node.node_end_pfn || pr.start < node.node_start_pfn) node.node_start_pfn = pr.start;
        node.node_end_pfn = std::max(node.node_end_pfn, pr.end);
        L.hotplug.push_back({pr, nid, zt});
        L.membership.push_back({pr, nid, static_cast<unsigned>(zi)});
    }
    std::sort(L.membership.begin(), L.membership.end(),
              [](const ZoneMembership& a, const ZoneMembership& b) {
                  return a.range.start < b.range.start;
              });
}

} // namespace

void finish_memory(BootState& bs) {
    Layout& L = bs.L;
    const KernelConfig& k = bs.m.kconfig;
    auto pages_in = [&](const AddrRange& a) {
        return PfnRange{bs.pfn_down(a.base), bs.pfn_up(a.end())};
    };
    auto pages_within = [&](const AddrRange& a) {
        return PfnRange{bs.pfn_up(a.base), bs.pfn_down(a.end())};
    };

    // Models cma_activate_area(): every page of an area must be in one zone.
    std::vector<PfnRange> cma;
    for (std::size_t i = 0; i < bs.placed_cma.size(); ++i) {
        const PfnRange r = pages_within(bs.placed_cma[i]);
        if (!single_zone(L, r)) {
            bs.warn("CMA area " + bs.cma_names[i] + " at " + hex(bs.placed_cma[i].base) +
                    " spans more than one zone: \"CMA area " + bs.cma_names[i] +
                    " could not be activated\", its pages go to the buddy allocator as "
                    "ordinary memory");
            continue;
        }
        L.cma.push_back({bs.cma_names[i], r});
        cma.push_back(r);
    }
    cma = pfn_normalize(cma);

    std::vector<PfnRange> present;
    for (const ZoneMembership& m : L.membership) present.push_back(m.range);
    present = pfn_normalize(present);

    // memblock_free_all(): PFN_UP(start)..PFN_DOWN(end) of every free range.
    std::vector<PfnRange> free;
    for (const AddrRange& f : bs.mb.free_ranges()) free.push_back(pages_within(f));
    free = pfn_normalize(free);

    std::vector<PfnRange> permanent, late, conflicts, dmbs;
    for (const PlacedReservation& p : L.placed)
        (p.freed_late ? late : permanent)
            .push_back(p.freed_late ? pages_within(p.range) : pages_in(p.range));
    for (const AddrRange& a : bs.leaked) permanent.push_back(pages_in(a));
    for (const AddrRange& a : bs.conflicts) conflicts.push_back(pages_in(a));
    for (const AddrRange& d : bs.dmb_bytes) {
        L.dmbs.push_back(pages_within(d));
        dmbs.push_back(pages_within(d));
    }
    permanent = pfn_normalize(permanent);
    conflicts = pfn_normalize(conflicts);
    const std::vector<PfnRange> dmb_released = pfn_subtract(pfn_normalize(dmbs), conflicts);

    std::vector<PfnRange> not_free = pfn_subtract(present, free);
    not_free = pfn_subtract(not_free, dmb_released);
    not_free = pfn_subtract(not_free, cma);
    std::vector<PfnRange> late_free = pfn_intersect(not_free, pfn_normalize(late));
    late_free = pfn_subtract(late_free, permanent);
    L.late_free = late_free;
    L.reserved = pfn_subtract(not_free, late_free);

    online_hotplug(bs);

    for (const MemoryController& c : bs.m.controllers) {
        ControllerLayout cl;
        cl.name = c.name;
        cl.bandwidth = c.bandwidth;
        cl.interleave_granularity = c.interleave_granularity;
        for (const AddrRange& a : c.ranges) cl.ranges.push_back(pages_within(a));
        L.controllers.push_back(cl);
    }
    if (!L.controllers.empty()) {
        std::vector<PfnRange> served;
        for (const ControllerLayout& c : L.controllers)
            served.insert(served.end(), c.ranges.begin(), c.ranges.end());
        std::vector<PfnRange> all = present;
        for (const HotplugBlock& h : L.hotplug) all.push_back(h.range);
        const auto orphan = pfn_subtract(pfn_normalize(all), pfn_normalize(served));
        if (!orphan.empty())
            bs.warn("memory [" + hex(orphan.front().start << k.page_shift) + ", " +
                    hex(orphan.front().end << k.page_shift) + ") is on no memory controller");
    }

    L.sticky_movable = bs.cl.sticky_movable;
    for (const auto& [base, size] : bs.cl.sticky_ranges) {
        if ((base | size) % k.pageblock_bytes())
            throw LayoutError("pagesim.sticky_movable: " + hex(base) + "+" + hex(size) +
                              " is not aligned to pageblocks");
        L.sticky_ranges.push_back({bs.pfn_down(base), bs.pfn_down(base + size)});
    }
}

// Models setup_transparent_hugepage(), the page_alloc.shuffle module parameter and
// do_sysctl_args() for the vm sysctls pagesim knows.
void apply_late_params(BootState& bs) {
    Layout& L = bs.L;
    const KernelConfig& k = bs.m.kconfig;
    L.thp = k.thp ? k.thp_default : ThpMode::Never;
    if (bs.cl.transparent_hugepage) {
        const std::string& v = *bs.cl.transparent_hugepage;
        if (!k.thp)
            bs.warn("'transparent_hugepage=" + v + "': no CONFIG_TRANSPARENT_HUGEPAGE; ignored");
        else if (v == "always")
            L.thp = ThpMode::Always;
        else if (v == "madvise")
            L.thp = ThpMode::Madvise;
        else if (v == "never")
            L.thp = ThpMode::Never;
        else
            bs.warn("transparent_hugepage= cannot parse, ignored ('" + v + "')");
    }
    if (bs.cl.shuffle) {
        const auto b = kstrtobool(*bs.cl.shuffle);
        if (!k.shuffle_page_allocator)
            bs.warn("'page_alloc.shuffle': no CONFIG_SHUFFLE_PAGE_ALLOCATOR; ignored");
        else if (!b)
            bs.warn("page_alloc.shuffle: '" + *bs.cl.shuffle +
                    "' invalid for parameter "
                    "'shuffle'");
        else
            L.shuffle = *b;
    }
    for (const auto& [name, value] : bs.cl.sysctl_vm) {
        const std::string tok = "sysctl.vm." + name + "=" + value;
        unsigned long long v = 0;
        auto invalid = [&] {
            bs.warn("Failed to set sysctl parameter '" + tok.substr(7) + "': invalid value");
        };
        if (name == "lowmem_reserve_ratio") {
            std::istringstream in(value);
            std::string word;
            std::size_t i = 0;
            auto ratio = L.sysctl.lowmem_reserve_ratio;
            bool ok = true;
            while (in >> word) {
                std::size_t end = 0;
                const unsigned long long x = simple_strtoull(word, &end);
                if (end != word.size() || i >= L.zone_types.size()) {
                    ok = false;
                    break;
                }
                ratio[L.zone_types[i++]] = static_cast<unsigned>(x);
            }
            if (!ok || i == 0) {
                invalid();
                if (value.find(',') != std::string::npos)
                    bs.warn("lowmem_reserve_ratio takes whitespace-separated values: quote "
                            "them, sysctl.vm.lowmem_reserve_ratio=\"256 256 32 0 0\"");
                continue;
            }
            L.sysctl.lowmem_reserve_ratio = ratio;
        } else {
            std::size_t end = 0;
            v = simple_strtoull(value, &end);
            if (value.empty() || end != value.size()) {
                invalid();
                continue;
            }
            if (name == "min_free_kbytes") {
                L.sysctl.min_free_kbytes = static_cast<long long>(v);
            } else if (name == "watermark_scale_factor") {
                if (v < 1 || v > 3000) {
                    invalid();
                    continue;
                }
                L.sysctl.watermark_scale_factor = static_cast<unsigned>(v);
            } else if (name == "watermark_boost_factor") {
                L.sysctl.watermark_boost_factor = static_cast<unsigned>(v);
            } else if (name == "percpu_pagelist_high_fraction") {
                if (v != 0 && v < 8) {
                    invalid();
                    continue;
                }
                L.sysctl.percpu_pagelist_high_fraction = static_cast<unsigned>(v);
            } else if (name == "extfrag_threshold") {
                if (v > 1000) {
                    invalid();
                    continue;
                }
                L.sysctl.extfrag_threshold = static_cast<unsigned>(v);
            } else if (name == "compaction_proactiveness") {
                if (v > 100) {
                    invalid();
                    continue;
                }
                L.sysctl.compaction_proactiveness = static_cast<unsigned>(v);
            } else {
                bs.warn("sysctl vm." + name + " is not modelled by pagesim; ignored");
                continue;
            }
        }
        L.sysctl_writes.emplace_back(name, value);
    }
}

} // namespace pagesim
