// SPDX-License-Identifier: GPL-2.0-only
// /proc and debugfs formats of mm/vmstat.c (frag_show_print, pagetypeinfo_show,
// zoneinfo_show_print, vmstat_show, extfrag_show_print, unusable_show_print).
#include "allocator/proc_fs.h"

#include "allocator/page_allocator.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace pagesim {

namespace {
// printf into a std::string (the kernel's seq_printf).
template <class... Args>
void out(std::string& s, const char* fmt, Args... args) {
    char buf[256];
    const int n = std::snprintf(buf, sizeof buf, fmt, args...);
    s.append(buf,
             static_cast<std::size_t>(std::max(0, std::min(n, static_cast<int>(sizeof buf) - 1))));
}

std::string zname(const Zone& z) {
    return std::string(zone_name(z.type));
}

int fls(unsigned long long x) {
    return x ? 64 - __builtin_clzll(x) : 0;
}

struct ContigInfo {
    unsigned long long free_pages = 0, free_blocks_total = 0, free_blocks_suitable = 0;
};

// Models fill_contig_page_info().
ContigInfo fill_contig_page_info(const PageAllocator& pa, const Zone& z, unsigned suitable_order) {
    ContigInfo info;
    for (unsigned o = 0; o < pa.max_order(); ++o) {
        const unsigned long long blocks = z.free_area[o].nr_free;
        info.free_blocks_total += blocks;
        info.free_pages += blocks << o;
        if (o >= suitable_order) info.free_blocks_suitable += blocks << (o - suitable_order);
    }
    return info;
}
} // namespace

int vm_stats_threshold(unsigned online_cpus, unsigned long long managed, unsigned page_shift) {
    const int t = 2 * fls(online_cpus) * (1 + fls(managed >> (27 - page_shift)));
    return std::min(125, t);
}

int fragmentation_index(const PageAllocator& pa, const Zone& z, unsigned order) {
    const ContigInfo info = fill_contig_page_info(pa, z, order);
    if (!info.free_blocks_total) return 0;
    if (info.free_blocks_suitable) return -1000;
    return 1000 - static_cast<int>((1000 + info.free_pages * 1000ULL / (1ULL << order)) /
                                   info.free_blocks_total);
}

int unusable_free_index(const PageAllocator& pa, const Zone& z, unsigned order) {
    const ContigInfo info = fill_contig_page_info(pa, z, order);
    if (info.free_pages == 0) return 1000;
    return static_cast<int>((info.free_pages - (info.free_blocks_suitable << order)) * 1000ULL /
                            info.free_pages);
}

std::string format_buddyinfo(const PageAllocator& pa) {
    std::string s;
    for (const NodeData& node : pa.nodes())
        for (const Zone* z : node.zones) {
            if (!z->populated()) continue;
            out(s, "Node %d, zone %8s ", node.nid, zname(*z).c_str());
            for (unsigned o = 0; o < pa.max_order(); ++o)
                out(s, "%6lu ", static_cast<unsigned long>(z->free_area[o].nr_free));
            s += '\n';
        }
    return s;
}

std::string format_pagetypeinfo(const PageAllocator& pa) {
    std::string s;
    const PageMap& map = pa.page_map();
    const unsigned nmt = pa.nr_migratetypes();
    // Internal migrate types in the kernel's printing order (ISOLATE last).
    std::vector<MigrateType> types{MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE,
                                   MIGRATE_HIGHATOMIC};
    if (pa.cma_configured()) types.push_back(MIGRATE_CMA);
    types.push_back(MIGRATE_ISOLATE);
    for (const NodeData& node : pa.nodes()) {
        if (node.node_present_pages == 0) continue; // memoryless node
        out(s, "Page block order: %d\n", static_cast<int>(pa.pageblock_order()));
        out(s, "Pages per block:  %lu\n", static_cast<unsigned long>(pa.pageblock_nr_pages()));
        s += '\n';
        out(s, "%-43s ", "Free pages count per migrate type at order");
        for (unsigned o = 0; o < pa.max_order(); ++o) out(s, "%6d ", static_cast<int>(o));
        s += '\n';
        for (const Zone* z : node.zones) {
            if (!z->populated()) continue;
            for (MigrateType mt : types) {
                out(s, "Node %4d, zone %8s, type %12s ", node.nid, zname(*z).c_str(),
                    std::string(migratetype_name(mt)).c_str());
                for (unsigned o = 0; o < pa.max_order(); ++o) {
                    unsigned long count = 0;
                    bool overflow = false;
                    z->free_area[o].free_list[mt].for_each([&](PageIdx) {
                        if (!overflow && ++count >= 100000) overflow = true;
                    });
                    if (overflow) count = 100000;
                    out(s, "%s%6lu ", overflow ? ">" : "", count);
                }
                s += '\n';
            }
        }
        out(s, "\n%-23s", "Number of blocks type ");
        for (MigrateType mt : types) out(s, "%12s ", std::string(migratetype_name(mt)).c_str());
        s += '\n';
        for (const Zone* z : node.zones) {
            if (!z->populated()) continue;
            std::vector<unsigned long> count(kMigrateTypes, 0);
            for (Pfn pfn = z->zone_start_pfn; pfn < z->zone_end_pfn();
                 pfn += pa.pageblock_nr_pages()) {
                const PageIdx p = map.pfn_to_page(pfn);
                if (p == kNoPage || map.info(p).zone != z->id) continue;
                count[map.get_pageblock_migratetype(p)]++;
            }
            out(s, "Node %d, zone %8s ", node.nid, zname(*z).c_str());
            for (MigrateType mt : types) out(s, "%12lu ", count[mt]);
            s += '\n';
        }
        (void)nmt;
    }
    return s;
}

std::string format_zoneinfo(const PageAllocator& pa) {
    std::string s;
    const unsigned page_shift = pa.kconfig().page_shift;
    for (const NodeData& node : pa.nodes()) {
        const Zone* first_populated = nullptr;
        for (const Zone* z : node.zones)
            if (z->populated()) {
                first_populated = z;
                break;
            }
        for (const Zone* zp : node.zones) {
            const Zone& z = *zp;
            out(s, "Node %d, zone %8s", node.nid, zname(z).c_str());
            if (&z == first_populated) {
                s += "\n  per-node stats";
                for (unsigned i = 0; i < NR_VM_NODE_STAT_ITEMS; ++i) {
                    long long v = node.vm_stat[i];
                    const auto item = static_cast<NodeStatItem>(i);
                    if (item == NR_ANON_THPS || item == NR_FILE_THPS || item == NR_SHMEM_THPS ||
                        item == NR_SHMEM_PMDMAPPED || item == NR_FILE_PMDMAPPED)
                        v /= static_cast<long long>(pa.pageblock_nr_pages()); // in THPs
                    out(s, "\n      %-12s %lu", std::string(node_stat_name(item)).c_str(),
                        static_cast<unsigned long>(v));
                }
            }
            out(s, "\n  pages free     %lu", static_cast<unsigned long>(z.free_pages()));
            out(s, "\n        boost    %lu", static_cast<unsigned long>(z.watermark_boost));
            out(s, "\n        min      %lu", static_cast<unsigned long>(z.wmark_pages(WMARK_MIN)));
            out(s, "\n        low      %lu", static_cast<unsigned long>(z.wmark_pages(WMARK_LOW)));
            out(s, "\n        high     %lu", static_cast<unsigned long>(z.wmark_pages(WMARK_HIGH)));
            out(s, "\n        spanned  %lu", static_cast<unsigned long>(z.spanned_pages));
            out(s, "\n        present  %lu", static_cast<unsigned long>(z.present_pages));
            out(s, "\n        managed  %lu", static_cast<unsigned long>(z.managed_pages));
            out(s, "\n        cma      %lu", static_cast<unsigned long>(z.cma_pages));
            out(s, "\n        protection: (%ld", static_cast<long>(z.lowmem_reserve[0]));
            for (std::size_t i = 1; i < node.zones.size(); ++i)
                out(s, ", %ld", static_cast<long>(z.lowmem_reserve[i]));
            s += ')';
            if (!z.populated()) {
                s += '\n';
                continue;
            }
            for (unsigned i = 0; i < NR_VM_ZONE_STAT_ITEMS; ++i)
                out(s, "\n      %-12s %lu",
                    std::string(zone_stat_name(static_cast<ZoneStatItem>(i))).c_str(),
                    static_cast<unsigned long>(z.vm_stat[i]));
            if (pa.kconfig().numa)
                for (unsigned i = 0; i < NR_VM_NUMA_EVENT_ITEMS; ++i)
                    out(s, "\n      %-12s %lu",
                        std::string(numa_stat_name(static_cast<NumaStatItem>(i))).c_str(),
                        static_cast<unsigned long>(z.numa_events[i]));
            s += "\n  pagesets";
            const int threshold = vm_stats_threshold(pa.ncpus(), z.managed_pages, page_shift);
            for (unsigned cpu = 0; cpu < pa.ncpus(); ++cpu) {
                const PerCpuPages& pcp = z.pcp[cpu];
                out(s, "\n    cpu: %i", static_cast<int>(cpu));
                out(s, "\n              count: %i", pcp.count);
                out(s, "\n              high:  %i", pcp.high);
                out(s, "\n              batch: %i", pcp.batch);
                out(s, "\n  vm stats threshold: %d", threshold);
            }
            out(s, "\n  node_unreclaimable:  %u", node.kswapd_failures >= 16 ? 1u : 0u);
            out(s, "\n  start_pfn:           %lu", static_cast<unsigned long>(z.zone_start_pfn));
            s += '\n';
        }
    }
    return s;
}

std::string format_vmstat(const PageAllocator& pa) {
    std::string s;
    std::array<long long, NR_VM_ZONE_STAT_ITEMS> zs{};
    std::array<unsigned long long, NR_VM_NUMA_EVENT_ITEMS> numa{};
    std::array<long long, NR_VM_NODE_STAT_ITEMS> ns{};
    for (const Zone* z : pa.zones()) {
        for (unsigned i = 0; i < NR_VM_ZONE_STAT_ITEMS; ++i) zs[i] += z->vm_stat[i];
        for (unsigned i = 0; i < NR_VM_NUMA_EVENT_ITEMS; ++i) numa[i] += z->numa_events[i];
    }
    for (const NodeData& n : pa.nodes())
        for (unsigned i = 0; i < NR_VM_NODE_STAT_ITEMS; ++i) ns[i] += n.vm_stat[i];
    for (unsigned i = 0; i < NR_VM_ZONE_STAT_ITEMS; ++i)
        out(s, "%s %lu\n", std::string(zone_stat_name(static_cast<ZoneStatItem>(i))).c_str(),
            static_cast<unsigned long>(zs[i]));
    if (pa.kconfig().numa)
        for (unsigned i = 0; i < NR_VM_NUMA_EVENT_ITEMS; ++i)
            out(s, "%s %lu\n", std::string(numa_stat_name(static_cast<NumaStatItem>(i))).c_str(),
                static_cast<unsigned long>(numa[i]));
    for (unsigned i = 0; i < NR_VM_NODE_STAT_ITEMS; ++i)
        out(s, "%s %lu\n", std::string(node_stat_name(static_cast<NodeStatItem>(i))).c_str(),
            static_cast<unsigned long>(ns[i]));

    // global_dirty_limits(): dirty_ratio 20 and dirty_background_ratio 10 of dirtyable
    // memory (free minus totalreserve plus file LRU pages).
    unsigned long long dirtyable =
        static_cast<unsigned long long>(std::max(0LL, zs[NR_FREE_PAGES]));
    dirtyable -= std::min<unsigned long long>(dirtyable, pa.totalreserve_pages());
    dirtyable += static_cast<unsigned long long>(ns[NR_INACTIVE_FILE] + ns[NR_ACTIVE_FILE]);
    dirtyable += 1;
    const unsigned long long page_size = 1ULL << pa.kconfig().page_shift;
    const unsigned long long thresh = (20 * page_size / 100) * dirtyable / page_size;
    unsigned long long bg = (10 * page_size / 100) * dirtyable / page_size;
    if (bg >= thresh) bg = thresh / 2;
    out(s, "nr_dirty_threshold %llu\n", thresh);
    out(s, "nr_dirty_background_threshold %llu\n", bg);

    VmEventConfig cfg;
    cfg.cma = pa.cma_configured();
    cfg.x86 = pa.layout().arch == Arch::X86_64;
    for (const Zone* z : pa.zones()) cfg.zones[z->type] = true;
    for (unsigned i = 0; i < NR_VM_EVENT_ITEMS; ++i) {
        const auto item = static_cast<VmEventItem>(i);
        if (!vm_event_printed(item, cfg)) continue;
        out(s, "%s %lu\n", std::string(vm_event_name(item)).c_str(),
            static_cast<unsigned long>(pa.events()[i]));
    }
    s += "nr_unstable 0\n";
    return s;
}

std::string format_extfrag_index(const PageAllocator& pa) {
    std::string s;
    for (const NodeData& node : pa.nodes())
        for (const Zone* z : node.zones) {
            if (!z->populated()) continue;
            out(s, "Node %d, zone %8s ", node.nid, zname(*z).c_str());
            for (unsigned o = 0; o < pa.max_order(); ++o) {
                const int index = fragmentation_index(pa, *z, o);
                out(s, "%2d.%03d ", index / 1000, std::abs(index % 1000));
            }
            s += '\n';
        }
    return s;
}

std::string format_unusable_index(const PageAllocator& pa) {
    std::string s;
    for (const NodeData& node : pa.nodes())
        for (const Zone* z : node.zones) {
            if (!z->populated()) continue;
            out(s, "Node %d, zone %8s ", node.nid, zname(*z).c_str());
            for (unsigned o = 0; o < pa.max_order(); ++o) {
                const int index = unusable_free_index(pa, *z, o);
                out(s, "%d.%03d ", index / 1000, index % 1000);
            }
            s += '\n';
        }
    return s;
}

} // namespace pagesim
