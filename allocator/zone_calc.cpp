// SPDX-License-Identifier: GPL-2.0-only
// Zone sizing: free_area_init() and its helpers as of 6.1, with the DMB series (v2 and
// v3/v4) applied where Layout::dmb_rule says so. Names follow the kernel.
#include "allocator/zone_calc.h"

#include "allocator/pfn_set.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>

namespace pagesim {
namespace {

// The kernel's clamp(): min(max(v, lo), hi), so hi wins when lo > hi.
Pfn kclamp(Pfn v, Pfn lo, Pfn hi) {
    return std::min(std::max(v, lo), hi);
}
Pfn roundup(Pfn v, Pfn a) {
    return (v + a - 1) / a * a;
}

constexpr Pfn kNoDmb = std::numeric_limits<Pfn>::max();

class Sizer {
public:
    explicit Sizer(ZoneCalc& zc) : zc_(zc) {
        const auto n = static_cast<std::size_t>(zc.nr_nodes);
        zmp_.assign(n, 0);
        min_dmb_.assign(n, zc.rule == DmbRule::V3 ? kNoDmb : 0);
        max_dmb_.assign(n, 0);
    }

    void run() {
        arch_zone_limits();
        zc_.nodes.clear();
        find_zone_movable_pfns_for_nodes();
        zc_.zone_movable_pfn = zmp_;
        for (int nid = 0; nid < zc_.nr_nodes; ++nid) calculate_node_totalpages(nid);
        zc_.zone_movable_pfn_final = zmp_;
        membership();
        memmap_init();
    }

private:
    bool has_dmb(int nid) const {
        const auto i = static_cast<std::size_t>(nid);
        if (zc_.rule == DmbRule::V3) return max_dmb_[i] != 0;
        if (zc_.rule == DmbRule::V2) return min_dmb_[i] != 0;
        return false;
    }
    bool dmb_region(const MemblockRegion& r) const { return zc_.rule != DmbRule::Off && r.movable; }

    // Models free_area_init()'s loop over max_zone_pfn[] (ascending, skipping MOVABLE).
    void arch_zone_limits() {
        Pfn start = zc_.start_of_dram_pfn;
        for (ZoneType z : zc_.zone_types) {
            if (z == ZONE_MOVABLE) continue;
            const Pfn end = std::max(zc_.max_zone_pfn[z], start);
            zc_.low[z] = start;
            zc_.high[z] = end;
            start = end;
        }
    }

    // Models get_pfn_range_for_nid().
    void node_range(int nid, Pfn& s, Pfn& e) const {
        s = std::numeric_limits<Pfn>::max();
        e = 0;
        for (const MemblockRegion& r : zc_.regions) {
            if (r.nid != nid) continue;
            s = std::min(s, r.range.start);
            e = std::max(e, r.range.end);
        }
        if (e == 0) s = 0;
    }

    // Models find_usable_zone_for_movable(): the highest non-empty zone but MOVABLE.
    void find_usable_zone_for_movable() {
        for (auto it = zc_.zone_types.rbegin(); it != zc_.zone_types.rend(); ++it) {
            if (*it == ZONE_MOVABLE) continue;
            if (zc_.high[*it] > zc_.low[*it]) {
                zc_.movable_zone = *it;
                return;
            }
        }
        zc_.movable_zone = ZONE_NORMAL;
    }

    // Models early_calculate_totalpages() (DMB series: also min_dmb_pfn/max_dmb_pfn).
    Pfn early_calculate_totalpages(std::vector<bool>& has_memory) {
        Pfn total = 0;
        for (const MemblockRegion& r : zc_.regions) {
            const auto nid = static_cast<std::size_t>(r.nid);
            total += r.range.size();
            has_memory[nid] = true;
            if (!dmb_region(r)) continue;
            if (zc_.rule == DmbRule::V3) {
                min_dmb_[nid] = std::min(min_dmb_[nid], r.range.start);
                max_dmb_[nid] = std::max(max_dmb_[nid], r.range.end);
            } else if (min_dmb_[nid] == 0) {
                min_dmb_[nid] = r.range.start;
            }
        }
        return total;
    }

    // Models find_zone_movable_pfns_for_nodes().
    void find_zone_movable_pfns_for_nodes() {
        std::vector<bool> has_memory(static_cast<std::size_t>(zc_.nr_nodes), false);
        const Pfn totalpages = early_calculate_totalpages(has_memory);
        Pfn usable_nodes = static_cast<Pfn>(std::count(has_memory.begin(), has_memory.end(), true));
        const Pfn max_order_nr_pages = Pfn{1} << (zc_.kconfig.max_order - 1);
        find_usable_zone_for_movable();

        if (zc_.movable_node) {
            for (const MemblockRegion& r : zc_.regions) {
                if (!r.hotpluggable) continue;
                Pfn& z = zmp_[static_cast<std::size_t>(r.nid)];
                z = z ? std::min(r.range.start, z) : r.range.start;
            }
            return out2();
        }
        if (zc_.mirrored_kernelcore) {
            if (!zc_.has_mirror) {
                zc_.kernel_log.push_back(
                    "The system has no mirror memory, ignore kernelcore=mirror.");
                return;
            }
            bool below_4g_not_mirrored = false;
            const Pfn pfn_4g = Pfn{1} << (32 - zc_.kconfig.page_shift);
            for (const MemblockRegion& r : zc_.regions) {
                if (r.mirror) continue;
                if (r.range.start < pfn_4g) {
                    below_4g_not_mirrored = true;
                    continue;
                }
                Pfn& z = zmp_[static_cast<std::size_t>(r.nid)];
                z = z ? std::min(r.range.start, z) : r.range.start;
            }
            if (below_4g_not_mirrored)
                zc_.kernel_log.push_back("This configuration results in unmirrored kernel memory.");
            return out2();
        }

        Pfn required_kernelcore = zc_.required_kernelcore;
        Pfn required_movablecore = zc_.required_movablecore;
        if (zc_.required_kernelcore_percent)
            required_kernelcore = (totalpages * 100 * zc_.required_kernelcore_percent) / 10000;
        if (zc_.required_movablecore_percent)
            required_movablecore = (totalpages * 100 * zc_.required_movablecore_percent) / 10000;

        if (required_movablecore) {
            required_movablecore = roundup(required_movablecore, max_order_nr_pages);
            required_movablecore = std::min(totalpages, required_movablecore);
            const Pfn corepages = totalpages - required_movablecore;
            required_kernelcore = std::max(required_kernelcore, corepages);
        } else if (zc_.rule != DmbRule::Off && !required_kernelcore) {
            return; // DMB patch 4: no kernelcore and no movablecore: no classic ZONE_MOVABLE
        }
        if (zc_.rule == DmbRule::Off && !required_kernelcore) return;
        if (required_kernelcore >= totalpages) return;

        const Pfn usable_startpfn = zc_.low[zc_.movable_zone];
    restart:
        Pfn kernelcore_node = required_kernelcore / usable_nodes;
        for (int nid = 0; nid < zc_.nr_nodes; ++nid) {
            if (!has_memory[static_cast<std::size_t>(nid)]) continue;
            Pfn& zmp = zmp_[static_cast<std::size_t>(nid)];
            if (required_kernelcore < kernelcore_node)
                kernelcore_node = required_kernelcore / usable_nodes;
            Pfn kernelcore_remaining = kernelcore_node;
            for (const MemblockRegion& r : zc_.regions) {
                if (r.nid != nid) continue;
                Pfn start_pfn = std::max(r.range.start, zmp);
                const Pfn end_pfn = r.range.end;
                if (start_pfn >= end_pfn) continue;
                if (dmb_region(r)) { // DMB v2+: skip over Designated Movable Blocks
                    zmp = end_pfn;
                    continue;
                }
                if (start_pfn < usable_startpfn) {
                    const Pfn kernel_pages = std::min(end_pfn, usable_startpfn) - start_pfn;
                    kernelcore_remaining -= std::min(kernel_pages, kernelcore_remaining);
                    required_kernelcore -= std::min(kernel_pages, required_kernelcore);
                    if (end_pfn <= usable_startpfn) {
                        zmp = end_pfn;
                        continue;
                    }
                    start_pfn = usable_startpfn;
                }
                Pfn size_pages = end_pfn - start_pfn;
                if (size_pages > kernelcore_remaining) size_pages = kernelcore_remaining;
                zmp = start_pfn + size_pages;
                required_kernelcore -= std::min(required_kernelcore, size_pages);
                kernelcore_remaining -= size_pages;
                if (!kernelcore_remaining) break;
            }
        }
        --usable_nodes;
        if (usable_nodes && required_kernelcore > usable_nodes) goto restart;
        out2();
    }

    // The out2: label: align to MAX_ORDER_NR_PAGES, drop starts at or past the node end.
    void out2() {
        const Pfn max_order_nr_pages = Pfn{1} << (zc_.kconfig.max_order - 1);
        for (int nid = 0; nid < zc_.nr_nodes; ++nid) {
            Pfn& z = zmp_[static_cast<std::size_t>(nid)];
            z = roundup(z, max_order_nr_pages);
            Pfn s = 0, e = 0;
            node_range(nid, s, e);
            if (z >= e) z = 0;
        }
    }

    // Models adjust_zone_range_for_zone_movable().
    void adjust(int nid, ZoneType z, Pfn node_end, Pfn& zs, Pfn& ze) const {
        const Pfn zmp = zmp_[static_cast<std::size_t>(nid)];
        if (!zmp) return;
        if (z == ZONE_MOVABLE) {
            zs = zmp;
            ze = std::min(node_end, zc_.high[zc_.movable_zone]);
        } else if (!zc_.mirrored_kernelcore && zs < zmp && ze > zmp) {
            ze = zmp;
        } else if (zs >= zmp) {
            zs = ze;
        }
    }

    // Models __absent_pages_in_range().
    std::int64_t absent_in_range(int nid, Pfn s, Pfn e) const {
        std::int64_t nr = static_cast<std::int64_t>(e) - static_cast<std::int64_t>(s);
        for (const MemblockRegion& r : zc_.regions) {
            if (r.nid != nid) continue;
            const Pfn a = kclamp(r.range.start, s, e);
            const Pfn b = kclamp(r.range.end, s, e);
            nr -= static_cast<std::int64_t>(b - a);
        }
        return nr;
    }

    // Models zone_spanned_pages_in_node().
    Pfn zone_spanned_pages_in_node(int nid, ZoneType z, Pfn ns, Pfn ne, Pfn& zs, Pfn& ze) const {
        zs = ze = 0;
        if (!ns && !ne) return 0;
        zs = kclamp(ns, zc_.low[z], zc_.high[z]);
        ze = kclamp(ne, zc_.low[z], zc_.high[z]);
        adjust(nid, z, ne, zs, ze);
        const auto i = static_cast<std::size_t>(nid);
        if (z == ZONE_MOVABLE && has_dmb(nid)) {
            if (zc_.rule == DmbRule::V3) {
                if (zs == ze) ze = max_dmb_[i];
                zs = std::min(zs, min_dmb_[i]);
            } else {
                zs = std::min(zs, min_dmb_[i]);
            }
        }
        if (ze < ns || zs > ne) return 0;
        ze = std::min(ze, ne);
        zs = std::max(zs, ns);
        return ze - zs;
    }

    // Models zone_absent_pages_in_node() (DMB series: generalised overlap accounting).
    std::int64_t zone_absent_pages_in_node(int nid, ZoneType z, Pfn ns, Pfn ne) const {
        if (!ns && !ne) return 0;
        Pfn zs = kclamp(ns, zc_.low[z], zc_.high[z]);
        Pfn ze = kclamp(ne, zc_.low[z], zc_.high[z]);
        adjust(nid, z, ne, zs, ze);
        std::int64_t nr = absent_in_range(nid, zs, ze);
        const auto i = static_cast<std::size_t>(nid);
        const Pfn zmp = zmp_[i];
        if (z == ZONE_MOVABLE && has_dmb(nid)) {
            if (zc_.rule == DmbRule::V3) {
                ze = zs == ze ? max_dmb_[i] : zmp;
                zs = std::min(zs, min_dmb_[i]);
                nr += static_cast<std::int64_t>(ze) - static_cast<std::int64_t>(zs);
            } else { // v2: [min_dmb, zone_movable_pfn) is absent but for its DMBs
                zs = std::min(zs, min_dmb_[i]);
                nr += static_cast<std::int64_t>(zmp) - static_cast<std::int64_t>(zs);
            }
        }
        const bool loop = zc_.rule != DmbRule::Off ? zmp != 0 : (zc_.mirrored_kernelcore && zmp);
        if (!loop) return nr;
        for (const MemblockRegion& r : zc_.regions) { // for_each_mem_region: every node
            Pfn s = kclamp(r.range.start, zs, ze);
            Pfn e = kclamp(r.range.end, zs, ze);
            if (dmb_region(r)) {
                if (z != ZONE_MOVABLE) {
                    nr += static_cast<std::int64_t>(e - s);
                    continue;
                }
                if (zc_.rule == DmbRule::V3) {
                    nr -= static_cast<std::int64_t>(e - s);
                } else {
                    e = std::min(e, zmp);
                    if (s < zmp) nr -= static_cast<std::int64_t>(e - s);
                }
                continue;
            }
            if (!zc_.mirrored_kernelcore) continue;
            if (z == ZONE_MOVABLE && r.mirror) nr += static_cast<std::int64_t>(e - s);
            if (z == ZONE_NORMAL && !r.mirror) nr += static_cast<std::int64_t>(e - s);
        }
        return nr;
    }

    // Models calculate_node_totalpages() (DMB series: zone_movable_pfn fix-up, v3: no
    // empty zones).
    void calculate_node_totalpages(int nid) {
        NodeLayout node;
        node.nid = nid;
        Pfn ns = 0, ne = 0;
        node_range(nid, ns, ne);
        node.node_start_pfn = ns;
        node.node_end_pfn = ne;
        node.zone_movable_pfn = zmp_[static_cast<std::size_t>(nid)];
        Pfn& zmp = zmp_[static_cast<std::size_t>(nid)];
        if (has_dmb(nid) && !zmp) zmp = std::min(ne, zc_.high[zc_.movable_zone]);
        for (ZoneType z : zc_.zone_types) {
            Pfn zs = 0, ze = 0;
            Pfn spanned = zone_spanned_pages_in_node(nid, z, ns, ne, zs, ze);
            const std::int64_t absent = zone_absent_pages_in_node(nid, z, ns, ne);
            std::int64_t present = static_cast<std::int64_t>(spanned) - absent;
            if (present < 0 || absent < 0) {
                zc_.warnings.push_back("internal: inconsistent absent-page accounting in node " +
                                       std::to_string(nid) + " zone " + std::string(zone_name(z)));
                present = std::max<std::int64_t>(present, 0);
            }
            ZoneSpan span;
            span.type = z;
            if (zc_.rule == DmbRule::V3 && present == 0) spanned = 0;
            span.spanned = spanned;
            span.present = static_cast<Pfn>(present);
            span.zone_start_pfn = spanned ? zs : 0;
            node.zones.push_back(span);
        }
        node.zone_movable_pfn_final = zmp;
        zc_.nodes.push_back(node);
    }

    // Which zone each present pfn ends up in: memmap_init() sets the links zone by zone
    // (a later zone overwrites an overlapping earlier one, overlap_memmap_init() skips
    // mirrored memory in ZONE_MOVABLE) and dmb_init_region() moves DMB pages to
    // ZONE_MOVABLE. The result agrees with the absent/present accounting above; a
    // disagreement is reported as an internal warning.
    void membership() {
        zc_.membership.clear();
        for (const NodeLayout& node : zc_.nodes) {
            std::vector<PfnRange> taken;
            const Pfn zmp = node.zone_movable_pfn_final;
            for (std::size_t zi = node.zones.size(); zi-- > 0;) {
                const ZoneSpan& zs = node.zones[zi];
                if (!zs.spanned || zs.type == ZONE_DEVICE) continue;
                const PfnRange span{zs.zone_start_pfn, zs.zone_start_pfn + zs.spanned};
                std::vector<PfnRange> mine;
                for (const MemblockRegion& r : zc_.regions) {
                    if (r.nid != node.nid) continue;
                    PfnRange part{std::max(r.range.start, span.start),
                                  std::min(r.range.end, span.end)};
                    if (part.start >= part.end) continue;
                    if (dmb_region(r)) {
                        if (zs.type != ZONE_MOVABLE) continue;
                    } else if (zs.type == ZONE_MOVABLE) {
                        if (zc_.mirrored_kernelcore && r.mirror) continue;
                        if (!zmp) continue;
                        part.start = std::max(part.start, zmp);
                    } else if (zs.type == ZONE_NORMAL && zc_.mirrored_kernelcore && zmp &&
                               !r.mirror) {
                        continue;
                    }
                    mine.push_back(part);
                }
                mine = pfn_subtract(pfn_normalize(mine), taken);
                if (pfn_count(mine) != zs.present)
                    zc_.warnings.push_back("internal: node " + std::to_string(node.nid) + " zone " +
                                           std::string(zone_name(zs.type)) + " has " +
                                           std::to_string(pfn_count(mine)) +
                                           " member pages but present " +
                                           std::to_string(zs.present));
                for (const PfnRange& r : mine)
                    zc_.membership.push_back({r, node.nid, static_cast<unsigned>(zi)});
                taken = pfn_union(taken, mine);
            }
        }
        std::sort(zc_.membership.begin(), zc_.membership.end(),
                  [](const ZoneMembership& a, const ZoneMembership& b) {
                      return a.range.start < b.range.start;
                  });
    }

    bool pfn_valid(Pfn pfn) const {
        if (zc_.kconfig.sparsemem) {
            const unsigned shift = zc_.kconfig.section_size_bits - zc_.kconfig.page_shift;
            return valid_sections_.count(pfn >> shift) != 0;
        }
        // arm's pfn_valid(): the pageblock around the pfn overlaps memory.
        const Pfn pb = Pfn{1} << zc_.kconfig.pageblock_order;
        const Pfn s = pfn - pfn % pb;
        for (const MemblockRegion& r : zc_.regions)
            if (r.range.start < s + pb && s < r.range.end) return true;
        return false;
    }

    // Models init_unavailable_range(): counts pfns whose pageblock start is valid.
    Pfn init_unavailable_range(Pfn spfn, Pfn epfn) const {
        const Pfn pb = Pfn{1} << zc_.kconfig.pageblock_order;
        Pfn count = 0;
        for (Pfn pfn = spfn; pfn < epfn;) {
            const Pfn block_start = pfn - pfn % pb;
            const Pfn block_end = std::min(block_start + pb, epfn);
            if (pfn_valid(block_start)) count += block_end - pfn;
            pfn = block_end;
        }
        return count;
    }

    void report_unavailable(Pfn spfn, Pfn epfn, unsigned zone_idx, int nid) {
        const Pfn n = init_unavailable_range(spfn, epfn);
        if (n) zc_.unavailable.push_back({nid, zc_.zone_types[zone_idx], n});
    }

    // Models memmap_init() / memmap_init_zone_range() as far as the unavailable-range
    // messages go (DMB series: skip the overlap of ZONE_MOVABLE).
    void memmap_init() {
        zc_.unavailable.clear();
        const unsigned shift = zc_.kconfig.section_size_bits - zc_.kconfig.page_shift;
        for (const MemblockRegion& r : zc_.regions)
            for (Pfn s = r.range.start >> shift; s <= (r.range.end - 1) >> shift; ++s)
                valid_sections_.insert(s);
        Pfn hole_pfn = 0;
        unsigned zone_id = 0;
        int last_nid = 0;
        Pfn end_pfn = 0;
        for (const MemblockRegion& r : zc_.regions) {
            const NodeLayout& node = zc_.nodes[static_cast<std::size_t>(r.nid)];
            last_nid = r.nid;
            end_pfn = r.range.end;
            for (unsigned j = 0; j < node.zones.size(); ++j) {
                const ZoneSpan& z = node.zones[j];
                if (!z.present) continue;
                Pfn zone_start = z.zone_start_pfn;
                const Pfn zone_end = z.zone_start_pfn + z.spanned;
                if (zc_.rule != DmbRule::Off && z.type == ZONE_MOVABLE && zone_start < hole_pfn)
                    zone_start = hole_pfn;
                const Pfn s = kclamp(r.range.start, zone_start, zone_end);
                const Pfn e = kclamp(r.range.end, zone_start, zone_end);
                if (s < e) {
                    if (hole_pfn < s) report_unavailable(hole_pfn, s, j, r.nid);
                    hole_pfn = e;
                }
                zone_id = j;
            }
        }
        if (zc_.kconfig.sparsemem) {
            const Pfn sec = Pfn{1} << shift;
            end_pfn = roundup(end_pfn, sec);
        }
        if (hole_pfn < end_pfn) report_unavailable(hole_pfn, end_pfn, zone_id, last_nid);
    }

    ZoneCalc& zc_;
    std::vector<Pfn> zmp_;
    std::vector<Pfn> min_dmb_;
    std::vector<Pfn> max_dmb_;
    std::set<Pfn> valid_sections_;
};

} // namespace

void run_zone_calc(ZoneCalc& zc) {
    Sizer s(zc);
    s.run();
}

} // namespace pagesim
