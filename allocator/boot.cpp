// SPDX-License-Identifier: GPL-2.0-only
// Boot: zones from the layout (free_area_init_core), pageblock types (memmap_init,
// errata E1/E2), memblock_free_all with deferred struct-page init, DMB release, shuffle,
// CMA activation, zonelists and watermarks, then the late frees of erratum E14.
#include "allocator/free_area_ops.h"

#include <algorithm>
#include <map>
#include <string>

namespace pagesim {

namespace {
constexpr Pfn kPagesPerSectionDefer = 32768; // PAGES_PER_SECTION for defer_init (4K pages)

// Sorted, merged pfn ranges.
std::vector<PfnRange> normalise(std::vector<PfnRange> v) {
    std::sort(v.begin(), v.end(),
              [](const PfnRange& a, const PfnRange& b) { return a.start < b.start; });
    std::vector<PfnRange> out;
    for (const PfnRange& r : v) {
        if (r.end <= r.start) continue;
        if (!out.empty() && r.start <= out.back().end)
            out.back().end = std::max(out.back().end, r.end);
        else
            out.push_back(r);
    }
    return out;
}

// a minus b, both normalised.
std::vector<PfnRange> subtract(const std::vector<PfnRange>& a, const std::vector<PfnRange>& b) {
    std::vector<PfnRange> out;
    std::size_t j = 0;
    for (PfnRange r : a) {
        while (j < b.size() && b[j].end <= r.start) ++j;
        std::size_t k = j;
        while (r.start < r.end) {
            if (k >= b.size() || b[k].start >= r.end) {
                out.push_back(r);
                break;
            }
            if (b[k].start > r.start) out.push_back({r.start, b[k].start});
            r.start = std::max(r.start, b[k].end);
            ++k;
        }
    }
    return out;
}

// Models calc_memmap_size(): memmap pages charged against a zone's early managed estimate.
std::uint64_t calc_memmap_size(Pfn spanned, Pfn present, unsigned page_shift) {
    Pfn pages = spanned;
    if (spanned > present + (present >> 4)) pages = present;
    const std::uint64_t bytes = pages * 64; // sizeof(struct page)
    const std::uint64_t page_size = std::uint64_t{1} << page_shift;
    return (bytes + page_size - 1) >> page_shift;
}
} // namespace

PageAllocator::PageAllocator(const Layout& layout, AllocatorOptions opts)
    : layout_(layout), opts_(opts), shuffle_rng_(opts.seed) {
    boot(layout_);
}

PageAllocator::~PageAllocator() = default;

void PageAllocator::build_zones(const Layout& layout) {
    const KernelConfig& k = layout.kconfig;
    max_order_ = k.max_order;
    pageblock_order_ = k.pageblock_order;
    if (max_order_ == 0 || max_order_ > kMaxOrderLimit)
        throw AllocatorError("max_order " + std::to_string(max_order_) + " outside 1.." +
                             std::to_string(kMaxOrderLimit));
    if (pageblock_order_ >= max_order_) pageblock_order_ = max_order_ - 1;
    pageblock_nr_pages_ = std::uint64_t{1} << pageblock_order_;
    const unsigned section_shift = k.section_size_bits - k.page_shift;
    if (max_order_ - 1 > section_shift)
        throw AllocatorError("MAX_ORDER-1 + PAGE_SHIFT exceeds SECTION_SIZE_BITS");
    ncpus_ = std::max(1u, layout.ncpus);
    cpu_node_.assign(ncpus_, 0);
    for (unsigned c = 0; c < ncpus_ && c < layout.cpu_node.size(); ++c)
        cpu_node_[c] = layout.cpu_node[c];
    thp_pcp_ = k.thp;
    nofragment_supported_ = k.zone_dma32;
    zone_index_of_type_.assign(kZoneTypes, -1);
    for (std::size_t i = 0; i < layout.zone_types.size(); ++i)
        zone_index_of_type_[layout.zone_types[i]] = static_cast<int>(i);
    if (zone_index_of_type_[ZONE_NORMAL] < 0 || zone_index_of_type_[ZONE_MOVABLE] < 0)
        throw AllocatorError("the zone config must include ZONE_NORMAL and ZONE_MOVABLE");
    // GFP_ZONE_TABLE with the OPT_ZONE_* fallbacks to ZONE_NORMAL for absent zones.
    for (GfpFlags bits = 0; bits < 16; ++bits) {
        ZoneType t{};
        int idx = -1;
        if (gfp_zone_type(bits, t)) {
            idx = zone_index_of_type_[t];
            if (idx < 0) idx = zone_index_of_type_[ZONE_NORMAL];
        }
        gfp_zone_table_[bits] = static_cast<std::int8_t>(idx);
    }
    if (layout.nodes.empty() || layout.nodes.size() > kMaxNodes)
        throw AllocatorError("a layout needs 1.." + std::to_string(kMaxNodes) + " nodes");

    // Memmap sections cover boot memory and hot-pluggable blocks.
    std::vector<std::pair<Pfn, Pfn>> present;
    for (const MemblockRegion& r : layout.memory) present.emplace_back(r.range.start, r.range.end);
    for (const HotplugBlock& h : layout.hotplug) present.emplace_back(h.range.start, h.range.end);
    const std::size_t nzones = layout.nodes.size() * layout.zone_types.size();
    if (nzones >= PageInfo::kNoZone) throw AllocatorError("too many zones");
    const std::size_t heads_per_zone = kMaxOrderLimit * kMigrateTypes + ncpus_ * NR_PCP_LISTS;
    map_.init(present, section_shift, pageblock_order_,
              nzones * heads_per_zone + layout.nodes.size() * kNrLruKinds);

    // Is ZONE_MOVABLE carved from HIGHMEM (is_highmem_idx() for Movable)?
    const bool movable_is_highmem = layout.movable_zone == ZONE_HIGHMEM;

    std::size_t head = 0;
    nodes_.resize(layout.nodes.size());
    for (std::size_t ni = 0; ni < layout.nodes.size(); ++ni) {
        const NodeLayout& nl = layout.nodes[ni];
        if (nl.nid != static_cast<int>(ni)) throw AllocatorError("nodes must be numbered 0..n-1");
        if (nl.zones.size() != layout.zone_types.size())
            throw AllocatorError("node " + std::to_string(ni) + " has the wrong number of zones");
        NodeData& node = nodes_[ni];
        node.nid = nl.nid;
        node.node_start_pfn = nl.node_start_pfn;
        node.node_spanned_pages = nl.node_end_pfn - nl.node_start_pfn;
        node.cpus = nl.cpus;
        for (std::size_t zi = 0; zi < nl.zones.size(); ++zi) {
            Zone& z = zone_storage_.emplace_back();
            const ZoneSpan& zs = nl.zones[zi];
            z.type = layout.zone_types[zi];
            z.nid = nl.nid;
            z.zone_idx = static_cast<unsigned>(zi);
            z.id = static_cast<std::uint8_t>(all_zones_.size());
            z.is_highmem = z.type == ZONE_HIGHMEM || (z.type == ZONE_MOVABLE && movable_is_highmem);
            z.zone_start_pfn = zs.zone_start_pfn;
            z.spanned_pages = zs.spanned;
            z.present_pages = zs.present;
            node.node_present_pages += zs.present;
            for (FreeArea& fa : z.free_area)
                for (PageList& l : fa.free_list) l.init(map_.link_base(), map_.head_node(head++));
            z.pcp.resize(ncpus_);
            for (PerCpuPages& p : z.pcp)
                for (PageList& l : p.lists) l.init(map_.link_base(), map_.head_node(head++));
            all_zones_.push_back(&z);
            node.zones.push_back(&z);
        }
    }

    for (NodeData& node : nodes_) // the LRU list heads follow the zones' heads
        for (PageList& l : node.lru) l.init(map_.link_base(), map_.head_node(head++));

    // page_zone() for every present page, from the layout's membership ranges.
    for (const ZoneMembership& m : layout.membership) {
        if (m.nid < 0 || static_cast<std::size_t>(m.nid) >= nodes_.size() ||
            m.zone_idx >= layout.zone_types.size())
            throw AllocatorError("membership range names a missing zone");
        const std::uint8_t id = nodes_[static_cast<std::size_t>(m.nid)].zones[m.zone_idx]->id;
        for (Pfn pfn = m.range.start; pfn < m.range.end; ++pfn) {
            const PageIdx p = map_.pfn_to_page(pfn);
            if (p == kNoPage) throw AllocatorError("membership range outside memory");
            map_.info(p).zone = id;
        }
    }
    // Memory controllers, per pageblock (a later range wins where two overlap a block).
    for (std::size_t c = 0; c < layout.controllers.size() && c < 0xff; ++c)
        for (const PfnRange& r : layout.controllers[c].ranges)
            for (Pfn pfn = r.start & ~(pageblock_nr_pages_ - 1); pfn < r.end;
                 pfn += pageblock_nr_pages_) {
                const PageIdx p = map_.pfn_to_page(std::max(pfn, r.start));
                if (p != kNoPage) map_.set_controller(p, static_cast<std::uint8_t>(c));
            }
}

// Models memmap_init() (eager part) and defer_init(): pageblock-aligned memory pfns become
// MOVABLE (erratum E1: a block whose first pfn is a hole stays UNMOVABLE); the last zone of
// a node stops after one section, at the next section boundary (erratum E2).
void PageAllocator::memmap_init(const Layout& layout) {
    std::vector<Pfn> first_deferred(nodes_.size(), kNoPfn);
    for (NodeData& node : nodes_) {
        const Pfn node_end = node.node_start_pfn + node.node_spanned_pages;
        for (Zone* z : node.zones) {
            if (!z->populated()) continue;
            const bool may_defer =
                layout.kconfig.deferred_struct_page_init && z->zone_end_pfn() >= node_end;
            std::uint64_t nr_initialised = 0;
            for (const MemblockRegion& r : layout.memory) {
                if (r.nid != node.nid) continue;
                const Pfn s = std::max(r.range.start, z->zone_start_pfn);
                const Pfn e = std::min(r.range.end, z->zone_end_pfn());
                for (Pfn pfn = s; pfn < e; ++pfn) {
                    const PageIdx p = map_.pfn_to_page(pfn);
                    if (map_.info(p).zone != z->id) continue; // overlap_memmap_init()
                    if (may_defer) {
                        Pfn& f = first_deferred[static_cast<std::size_t>(node.nid)];
                        if (f != kNoPfn) break;
                        if (++nr_initialised > kPagesPerSectionDefer &&
                            (pfn & (kPagesPerSectionDefer - 1)) == 0) {
                            f = pfn;
                            break;
                        }
                    }
                    if ((pfn & (pageblock_nr_pages_ - 1)) == 0)
                        set_pageblock_migratetype(p, MIGRATE_MOVABLE);
                }
            }
        }
    }
    first_deferred_ = std::move(first_deferred);
}

// Models __free_pages_core(): hand a block to the buddy at the tail, counting it managed.
void PageAllocator::free_pages_core(PageIdx page, unsigned order) {
    Zone& zone = *all_zones_[map_.info(page).zone];
    for (PageIdx i = 0; i < (PageIdx{1} << order); ++i) map_.info(page + i).flags = 0;
    zone.managed_pages += std::uint64_t{1} << order;
    free_one_page_locked(zone, page, order, map_.get_pageblock_migratetype(page), FPI_TO_TAIL);
    events_[PGFREE] += std::uint64_t{1} << order;
}

// Models memblock_free_all(): the DMBs first (init_reserved_pageblock, v3), then every free
// memblock range in ascending order (__free_pages_memory), then the deferred ranges
// (deferred_init_memmap: whole pageblocks at pageblock_order, the rest page by page).
void PageAllocator::memblock_free_all(const Layout& layout) {
    std::vector<PfnRange> memory;
    for (const MemblockRegion& r : layout.memory) memory.push_back(r.range);
    memory = normalise(memory);
    // Not freed here: reservations, the late-freed ones, CMA areas, DMBs, hot-plugged
    // blocks and MEMBLOCK_NOMAP memory (present but PageReserved for good).
    std::vector<PfnRange> held = layout.reserved;
    held.insert(held.end(), layout.late_free.begin(), layout.late_free.end());
    for (const CmaArea& c : layout.cma) held.push_back(c.range);
    for (const PfnRange& d : layout.dmbs) held.push_back(d);
    for (const HotplugBlock& h : layout.hotplug) held.push_back(h.range);
    for (const MemblockRegion& r : layout.memory)
        if (r.nomap) held.push_back(r.range);
    const std::vector<PfnRange> free_ranges = subtract(memory, normalise(held));

    // Designated Movable Blocks: released per pageblock through __free_pages (FPI_NONE).
    for (const PfnRange& d : normalise(layout.dmbs))
        for (Pfn pfn = d.start; pfn + pageblock_nr_pages_ <= d.end; pfn += pageblock_nr_pages_) {
            const PageIdx p = map_.pfn_to_page(pfn);
            Zone& zone = *all_zones_[map_.info(p).zone];
            for (PageIdx i = 0; i < pageblock_nr_pages_; ++i) map_.info(p + i).flags = 0;
            zone.managed_pages += pageblock_nr_pages_;
            free_one_page_locked(zone, p, pageblock_order_, map_.get_pageblock_migratetype(p),
                                 FPI_NONE);
            events_[PGFREE] += pageblock_nr_pages_;
        }

    auto deferred_from = [&](Pfn pfn) {
        const PageIdx p = map_.pfn_to_page(pfn);
        const Zone& z = *all_zones_[map_.info(p).zone];
        return first_deferred_[static_cast<std::size_t>(z.nid)];
    };
    auto zone_of = [&](Pfn pfn) { return map_.info(map_.pfn_to_page(pfn)).zone; };

    // __free_pages_memory(): naturally aligned blocks, largest first; pfns beyond a node's
    // first_deferred_pfn are left for deferred init (early_page_uninitialised()).
    for (const PfnRange& r : free_ranges) {
        Pfn start = r.start;
        while (start < r.end) {
            unsigned order = max_order_ - 1;
            if (start != 0)
                order = std::min<unsigned>(order, static_cast<unsigned>(__builtin_ctzll(start)));
            while (start + (Pfn{1} << order) > r.end) order--;
            // A block never spans two zones on a sane layout; split it if one would.
            while (order > 0 && zone_of(start) != zone_of(start + (Pfn{1} << order) - 1)) order--;
            if (zone_of(start) != PageInfo::kNoZone && start < deferred_from(start))
                free_pages_core(map_.pfn_to_page(start), order);
            start += Pfn{1} << order;
        }
    }

    // deferred_init_memmap() → deferred_free_pages() → deferred_free_range().
    for (const PfnRange& r : free_ranges) {
        Pfn pfn = r.start;
        while (pfn < r.end) {
            if (zone_of(pfn) == PageInfo::kNoZone || pfn < deferred_from(pfn)) {
                ++pfn;
                continue;
            }
            const Pfn block_end = std::min(r.end, (pfn | (pageblock_nr_pages_ - 1)) + 1);
            const PageIdx p = map_.pfn_to_page(pfn);
            if ((pfn & (pageblock_nr_pages_ - 1)) == 0 && block_end - pfn == pageblock_nr_pages_) {
                set_pageblock_migratetype(p, MIGRATE_MOVABLE);
                free_pages_core(p, pageblock_order_);
            } else {
                for (Pfn q = pfn; q < block_end; ++q) {
                    const PageIdx qp = map_.pfn_to_page(q);
                    if ((q & (pageblock_nr_pages_ - 1)) == 0)
                        set_pageblock_migratetype(qp, MIGRATE_MOVABLE);
                    free_pages_core(qp, 0);
                }
            }
            pfn = block_end;
        }
    }
}

// Models cma_init_reserved_areas() → init_cma_reserved_pageblock() (erratum E9): each
// pageblock becomes CMA and is freed through the ordinary path.
void PageAllocator::activate_cma(const Layout& layout) {
    for (const CmaArea& area : layout.cma) {
        for (Pfn pfn = area.range.start; pfn + pageblock_nr_pages_ <= area.range.end;
             pfn += pageblock_nr_pages_) {
            const PageIdx p = map_.pfn_to_page(pfn);
            if (p == kNoPage || map_.info(p).zone == PageInfo::kNoZone)
                throw AllocatorError("CMA area " + area.name + " lies outside every zone");
            Zone& zone = *all_zones_[map_.info(p).zone];
            for (PageIdx i = 0; i < pageblock_nr_pages_; ++i) map_.info(p + i).flags = 0;
            set_pageblock_migratetype(p, MIGRATE_CMA);
            free_the_page(p, pageblock_order_, 0);
            zone.managed_pages += pageblock_nr_pages_;
            zone.cma_pages += pageblock_nr_pages_;
        }
    }
}

// Models free_reserved_area() for the late "Freeing ..." regions (erratum E14): page by
// page through __free_page (so through CPU 0's pcp lists), each adding to managed.
void PageAllocator::free_late_reserved(const Layout& layout) {
    for (const PfnRange& r : normalise(layout.late_free)) {
        for (Pfn pfn = r.start; pfn < r.end; ++pfn) {
            const PageIdx p = map_.pfn_to_page(pfn);
            if (p == kNoPage || map_.info(p).zone == PageInfo::kNoZone) continue;
            PageInfo& pi = map_.info(p);
            if (!(pi.flags & PG_reserved)) continue; // freed already (overlapping ranges)
            pi.flags = 0;
            all_zones_[pi.zone]->managed_pages++;
            free_the_page(p, 0, 0);
        }
    }
}

// Models set_zone_contiguous(): every pageblock of the span starts and ends on memmap of
// this zone (holes inside present sections count as the spanning zone's, as
// init_unavailable_range() links them).
void PageAllocator::set_zone_contiguous(Zone& z) {
    z.contiguous = false;
    if (!z.populated()) return;
    for (Pfn b = z.zone_start_pfn; b < z.zone_end_pfn(); b = (b | (pageblock_nr_pages_ - 1)) + 1) {
        const Pfn e = std::min(z.zone_end_pfn(), (b | (pageblock_nr_pages_ - 1)) + 1) - 1;
        for (Pfn pfn : {b, e}) {
            const PageIdx p = map_.pfn_to_page(pfn);
            if (p == kNoPage) return;
            const std::uint8_t zid = map_.info(p).zone;
            if (zid != z.id && zid != PageInfo::kNoZone) return;
        }
    }
    z.contiguous = true;
}

// do_sysctl_args(): each sysctl.vm.NAME=value write runs its handler, in order; the
// values come from the layout's final Sysctls (a repeated name ends at its last value).
void PageAllocator::apply_sysctl_writes(const Layout& layout) {
    const Sysctls& want = layout.sysctl;
    for (const auto& [name, value] : layout.sysctl_writes) {
        (void)value;
        if (name == "min_free_kbytes")
            set_min_free_kbytes(want.min_free_kbytes);
        else if (name == "watermark_scale_factor")
            set_watermark_scale_factor(want.watermark_scale_factor);
        else if (name == "watermark_boost_factor")
            set_watermark_boost_factor(want.watermark_boost_factor);
        else if (name == "lowmem_reserve_ratio")
            set_lowmem_reserve_ratio(want.lowmem_reserve_ratio);
        else if (name == "percpu_pagelist_high_fraction")
            set_percpu_pagelist_high_fraction(want.percpu_pagelist_high_fraction);
        else if (name == "extfrag_threshold")
            sysctl_.extfrag_threshold = want.extfrag_threshold;
        else if (name == "compaction_proactiveness")
            sysctl_.compaction_proactiveness = want.compaction_proactiveness;
    }
    // Layouts built by hand (tests) may set values without listing writes.
    if (layout.sysctl_writes.empty()) {
        const Sysctls defaults;
        sysctl_.watermark_boost_factor = want.watermark_boost_factor;
        sysctl_.extfrag_threshold = want.extfrag_threshold;
        sysctl_.compaction_proactiveness = want.compaction_proactiveness;
        if (want.min_free_kbytes >= 0) set_min_free_kbytes(want.min_free_kbytes);
        if (want.watermark_scale_factor != defaults.watermark_scale_factor)
            set_watermark_scale_factor(want.watermark_scale_factor);
        if (want.lowmem_reserve_ratio != defaults.lowmem_reserve_ratio)
            set_lowmem_reserve_ratio(want.lowmem_reserve_ratio);
        if (want.percpu_pagelist_high_fraction != 0)
            set_percpu_pagelist_high_fraction(want.percpu_pagelist_high_fraction);
    }
}

// Models online_pages() for each hot-plugged block: pageblocks MOVABLE, the range freed by
// generic_online_page() in MAX_ORDER-1 chunks to the tail (managed += pages), then
// init_per_zone_wmark_min() as online_pages() ends with.
void PageAllocator::online_hotplug_blocks(const Layout& layout) {
    if (layout.hotplug.empty()) return;
    for (const HotplugBlock& h : layout.hotplug) {
        for (Pfn pfn = h.range.start; pfn < h.range.end; pfn += pageblock_nr_pages_)
            set_pageblock_migratetype(map_.pfn_to_page(pfn), MIGRATE_MOVABLE);
        Pfn start = h.range.start;
        while (start < h.range.end) {
            unsigned order = max_order_ - 1;
            if (start != 0)
                order = std::min<unsigned>(order, static_cast<unsigned>(__builtin_ctzll(start)));
            while (start + (Pfn{1} << order) > h.range.end) order--;
            free_pages_core(map_.pfn_to_page(start), order);
            start += Pfn{1} << order;
        }
    }
    for (Zone* z : all_zones_) set_zone_contiguous(*z);
    init_per_zone_wmark_min();
    if (layout.kconfig.thp && layout.thp != ThpMode::Never) set_recommended_min_free_kbytes();
}

void PageAllocator::boot(const Layout& layout) {
    build_zones(layout);
    memmap_init(layout);
    // build_all_zonelists() runs before memblock_free_all with the early managed estimate
    // (free_area_init_core: present minus the memmap), which decides mobility grouping.
    build_zonelists();
    {
        std::uint64_t total = 0;
        unsigned movable_idx = static_cast<unsigned>(zone_index_of_type_[ZONE_MOVABLE]);
        const NodeData& n0 = nodes_[static_cast<std::size_t>(cpu_node_[0])];
        for (const Zone* z : n0.zonelist_fallback) {
            if (z->zone_idx > movable_idx) continue;
            std::uint64_t est = z->present_pages;
            const std::uint64_t memmap =
                calc_memmap_size(z->spanned_pages, z->present_pages, layout.kconfig.page_shift);
            if (!z->is_highmem && est >= memmap) est -= memmap;
            total += est;
        }
        vm_total_pages_ = total;
        mobility_disabled_ = total < pageblock_nr_pages_ * nr_migratetypes();
    }
    memblock_free_all(layout);
    if (layout.shuffle) shuffle_free_memory();
    for (Zone* z : all_zones_) set_zone_contiguous(*z);
    activate_cma(layout);
    init_per_zone_wmark_min();
    if (layout.kconfig.thp && layout.thp != ThpMode::Never) set_recommended_min_free_kbytes();
    free_late_reserved(layout);
    // do_sysctl_args(): sysctl.vm.* from the command line are written after init memory is
    // freed, through the same handlers as a later write (so with the final managed counts).
    apply_sysctl_writes(layout);
    online_hotplug_blocks(layout);
    check_after_op();
}

} // namespace pagesim
