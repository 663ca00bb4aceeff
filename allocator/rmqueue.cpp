// SPDX-License-Identifier: GPL-2.0-only
// Taking pages out of a zone: rmqueue (pcp or buddy), __rmqueue, __rmqueue_smallest with
// expand(), the fallback/steal machinery (§3.4–3.8), CMA use (§3.10) and the highatomic
// reserve (§3.11, erratum E4b).
#include "allocator/free_area_ops.h"

namespace pagesim {

namespace {
// fallbacks[MIGRATE_TYPES][3], terminated by the MIGRATE_TYPES sentinel (here: 0xff).
constexpr std::uint8_t kEnd = 0xff;
constexpr std::uint8_t kFallbacks[kMigrateTypes][3] = {
    {MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE, kEnd},   // UNMOVABLE
    {MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, kEnd}, // MOVABLE
    {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, kEnd},     // RECLAIMABLE
    {kEnd, kEnd, kEnd},                             // HIGHATOMIC
    {kEnd, kEnd, kEnd},                             // CMA
    {kEnd, kEnd, kEnd},                             // ISOLATE
};

// mult_frac(x, n, d) without overflow of x * n.
std::uint64_t mult_frac(std::uint64_t x, std::uint64_t n, std::uint64_t d) {
    return (x / d) * n + ((x % d) * n) / d;
}
} // namespace

// Models expand(): split a block of order `high` down to `low`, the upper halves going to
// the head of the free lists of `mt`; the caller keeps the lowest pages.
void PageAllocator::expand(Zone& zone, PageIdx page, unsigned low, unsigned high, MigrateType mt) {
    while (high > low) {
        high--;
        add_to_free_list(zone, page + (PageIdx{1} << high), high, mt, false);
    }
}

// Models __rmqueue_smallest(): the head of the smallest non-empty list of `mt` >= order.
PageIdx PageAllocator::rmqueue_smallest(Zone& zone, unsigned order, MigrateType mt) {
    const std::uint32_t orders = zone.nonempty[mt] >> order;
    if (orders == 0) return kNoPage;
    const unsigned cur = order + static_cast<unsigned>(__builtin_ctz(orders));
    const PageIdx page = zone.free_area[cur].free_list[mt].front();
    del_page_from_free_list(zone, page, cur);
    expand(zone, page, order, cur, mt);
    map_.info(page).mt = mt; // set_pcppage_migratetype
    if (tracer_)
        tracer_->mm_page_alloc_zone_locked(cur_cpu_, map_.page_to_pfn(page), order, mt,
                                           pcp_allowed_order(order) && mt < MIGRATE_PCPTYPES);
    return page;
}

// Models can_steal_fallback().
bool PageAllocator::can_steal_fallback(unsigned order, MigrateType start_mt) const {
    if (order >= pageblock_order_) return true;
    return order >= pageblock_order_ / 2 || start_mt == MIGRATE_RECLAIMABLE ||
           start_mt == MIGRATE_UNMOVABLE || mobility_disabled_;
}

// Models find_suitable_fallback() on zone->free_area[order] (the order of the area
// examined, not the request's).
int PageAllocator::find_suitable_fallback(const Zone& zone, unsigned order, MigrateType mt,
                                          bool only_stealable, bool& can_steal) const {
    if (zone.free_area[order].nr_free == 0) return -1;
    can_steal = false;
    for (std::uint8_t f : kFallbacks[mt]) {
        if (f == kEnd) break;
        if (!(zone.nonempty[f] & (1u << order))) continue; // free_area_empty()
        if (can_steal_fallback(order, mt)) can_steal = true;
        if (!only_stealable) return f;
        if (can_steal) return f;
    }
    return -1;
}

// Models boost_watermark(): raise the zone's watermarks by a pageblock (capped) after a
// fragmenting fallback so kswapd reclaims ahead of further fallbacks.
bool PageAllocator::boost_watermark(Zone& zone) {
    if (sysctl_.watermark_boost_factor == 0) return false;
    if (pageblock_nr_pages_ * 4 > zone.managed_pages) return false;
    std::uint64_t max_boost =
        mult_frac(zone.watermark[WMARK_HIGH], sysctl_.watermark_boost_factor, 10000);
    if (max_boost == 0) return false;
    max_boost = std::max(pageblock_nr_pages_, max_boost);
    zone.watermark_boost = std::min(zone.watermark_boost + pageblock_nr_pages_, max_boost);
    return true;
}

// Models steal_suitable_fallback(): take ownership of whole blocks, otherwise move the
// pageblock's free pages to the requested type and claim the block if at least half of it
// is free or compatible.
void PageAllocator::steal_suitable_fallback(Zone& zone, PageIdx page, AllocFlags flags,
                                            MigrateType start_type, bool whole_block) {
    const unsigned cur = map_.info(page).order;
    const MigrateType old = map_.get_pageblock_migratetype(page);
    auto single_page = [&] { move_to_free_list(zone, page, cur, start_type); };

    if (old == MIGRATE_HIGHATOMIC) return single_page();
    if (cur >= pageblock_order_) {
        // change_pageblock_range()
        const std::uint64_t n = std::uint64_t{1} << (cur - pageblock_order_);
        for (std::uint64_t i = 0; i < n; ++i)
            set_pageblock_migratetype(static_cast<PageIdx>(page + i * pageblock_nr_pages_),
                                      start_type);
        stats_.pageblocks_claimed[start_type] += n;
        return single_page();
    }
    if (boost_watermark(zone) && (flags & ALLOC_KSWAPD)) zone.boosted_watermark = true;
    if (!whole_block) return single_page();

    int movable = 0;
    const auto free =
        static_cast<std::int64_t>(move_freepages_block(zone, page, start_type, &movable));
    std::int64_t alike = 0;
    if (start_type == MIGRATE_MOVABLE)
        alike = movable;
    else if (old == MIGRATE_MOVABLE)
        alike = static_cast<std::int64_t>(pageblock_nr_pages_) - (free + movable);
    if (free == 0) return single_page(); // the pageblock crosses the zone boundary
    if (free + alike >= static_cast<std::int64_t>(pageblock_nr_pages_ >> 1) || mobility_disabled_) {
        set_pageblock_migratetype(page, start_type);
        stats_.pageblocks_claimed[start_type]++;
    }
}

// Models __rmqueue_fallback(): steal the largest suitable block so the rest of its
// pageblock can be claimed; movable requests that cannot claim take the smallest instead.
bool PageAllocator::rmqueue_fallback(Zone& zone, unsigned order, MigrateType start_mt,
                                     AllocFlags flags) {
    unsigned min_order = order;
    if (order < pageblock_order_ && (flags & ALLOC_NOFRAGMENT)) min_order = pageblock_order_;

    bool can_steal = false;
    int fmt = -1;
    unsigned cur = max_order_;
    bool found = false;
    for (int c = static_cast<int>(max_order_) - 1; c >= static_cast<int>(min_order); --c) {
        cur = static_cast<unsigned>(c);
        fmt = find_suitable_fallback(zone, cur, start_mt, false, can_steal);
        if (fmt == -1) continue;
        if (!can_steal && start_mt == MIGRATE_MOVABLE && cur > order) {
            // find_smallest:
            for (cur = order; cur < max_order_; ++cur) {
                fmt = find_suitable_fallback(zone, cur, start_mt, false, can_steal);
                if (fmt != -1) break;
            }
        }
        found = true;
        break;
    }
    if (!found) return false;

    const PageIdx page = zone.free_area[cur].free_list[static_cast<unsigned>(fmt)].front();
    steal_suitable_fallback(zone, page, flags, start_mt, can_steal);
    stats_.extfrag_events++;
    if (cur < pageblock_order_) stats_.extfrag_fragmenting++;
    if (tracer_)
        tracer_->mm_page_alloc_extfrag(cur_cpu_, map_.page_to_pfn(page), order, cur, start_mt,
                                       static_cast<MigrateType>(fmt),
                                       map_.get_pageblock_migratetype(page) == start_mt);
    return true;
}

// Models __rmqueue(): CMA first when it holds over half the free pages, then the
// requested type, then CMA, then a fallback steal and retry.
PageIdx PageAllocator::rmqueue_one(Zone& zone, unsigned order, MigrateType mt, AllocFlags flags) {
    PageIdx page;
    if (cma_configured() && (flags & ALLOC_CMA) &&
        zone.vm_stat[NR_FREE_CMA_PAGES] > zone.vm_stat[NR_FREE_PAGES] / 2) {
        page = rmqueue_smallest(zone, order, MIGRATE_CMA);
        if (page != kNoPage) return page;
    }
    while (true) {
        page = rmqueue_smallest(zone, order, mt);
        if (page != kNoPage) return page;
        if (flags & ALLOC_CMA) {
            page = rmqueue_smallest(zone, order, MIGRATE_CMA);
            if (page != kNoPage) return page;
        }
        if (!rmqueue_fallback(zone, order, mt, flags)) return kNoPage;
    }
}

// Models rmqueue_bulk(): refill a pcp list with up to `count` blocks, appended in order.
int PageAllocator::rmqueue_bulk(Zone& zone, unsigned order, int count, PageList& list,
                                MigrateType mt, AllocFlags flags) {
    int i = 0;
    for (; i < count; ++i) {
        const PageIdx page = rmqueue_one(zone, order, mt, flags);
        if (page == kNoPage) break;
        PageInfo& pi = map_.info(page);
        pi.flags = PG_pcp;
        pi.order = static_cast<std::uint8_t>(order);
        list.add_tail(page);
        if (pi.mt == MIGRATE_CMA) zone.vm_stat[NR_FREE_CMA_PAGES] -= std::int64_t{1} << order;
    }
    zone.vm_stat[NR_FREE_PAGES] -= static_cast<std::int64_t>(i) << order;
    stats_.pcp_refills++;
    return i;
}

// Models rmqueue_pcplist() + __rmqueue_pcplist().
PageIdx PageAllocator::rmqueue_pcplist(Zone& preferred, Zone& zone, unsigned order, MigrateType mt,
                                       AllocFlags flags, unsigned cpu) {
    PerCpuPages& pcp = zone.pcp[cpu];
    pcp.free_factor >>= 1;
    PageList& list = pcp.lists[order_to_pindex(mt, order)];
    if (!list.empty()) {
        stats_.pcp_hits++;
    } else {
        int batch = pcp.batch;
        if (batch > 1) batch = std::max(batch >> order, 2);
        const int allocated = rmqueue_bulk(zone, order, batch, list, mt, flags);
        pcp.count += allocated << order;
        if (list.empty()) return kNoPage;
    }
    const PageIdx page = list.front();
    list.del(page);
    pcp.count -= 1 << order;
    events_[unsigned{PGALLOC_DMA} + zone.type] += std::uint64_t{1} << order;
    zone_statistics(preferred, zone, cpu);
    return page;
}

// Models rmqueue_buddy() with the 6.1.y highatomic rules (erratum E4b).
PageIdx PageAllocator::rmqueue_buddy(Zone& preferred, Zone& zone, unsigned order, AllocFlags flags,
                                     MigrateType mt) {
    PageIdx page = kNoPage;
    if (flags & ALLOC_HIGHATOMIC) page = rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
    if (page == kNoPage) {
        page = rmqueue_one(zone, order, mt, flags);
        if (page == kNoPage && (flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
            page = rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
        if (page == kNoPage) return kNoPage;
    }
    mod_zone_freepage_state(zone, -(std::int64_t{1} << order),
                            static_cast<MigrateType>(map_.info(page).mt));
    stats_.buddy_allocs++;
    events_[unsigned{PGALLOC_DMA} + zone.type] += std::uint64_t{1} << order;
    zone_statistics(preferred, zone, cur_cpu_);
    return page;
}

// Models rmqueue(): the pcp for pcp orders (unless a CMA-less movable request would find
// CMA pages there), else the buddy; then the boosted-watermark kswapd wakeup.
PageIdx PageAllocator::rmqueue(Zone& preferred, Zone& zone, unsigned order, AllocFlags flags,
                               MigrateType mt, unsigned cpu) {
    PageIdx page = kNoPage;
    if (opts_.pcp_enabled && pcp_allowed_order(order) &&
        (!cma_configured() || (flags & ALLOC_CMA) || mt != MIGRATE_MOVABLE))
        page = rmqueue_pcplist(preferred, zone, order, mt, flags, cpu);
    if (page == kNoPage) page = rmqueue_buddy(preferred, zone, order, flags, mt);
    if (zone.boosted_watermark) {
        zone.boosted_watermark = false;
        boosted_wakeups_++;
        if (slowpath_) slowpath_->wakeup_kswapd(*this, zone, 0, 0, zone.zone_idx);
    }
    return page;
}

// Models zone_statistics(): numa_hit/miss/foreign/local/other per allocation call.
void PageAllocator::zone_statistics(Zone& preferred, Zone& z, unsigned cpu) {
    const bool local = z.nid == cpu_node_[cpu];
    if (z.nid == preferred.nid) {
        z.numa_events[NUMA_HIT]++;
    } else {
        z.numa_events[NUMA_MISS]++;
        preferred.numa_events[NUMA_FOREIGN]++;
    }
    z.numa_events[local ? NUMA_LOCAL : NUMA_OTHER]++;
}

// Models reserve_highatomic_pageblock(): up to ~1% of the zone (plus one block) for
// high-order atomic allocations.
void PageAllocator::reserve_highatomic_pageblock(PageIdx page, Zone& zone) {
    const std::uint64_t max_managed = zone.managed_pages / 100 + pageblock_nr_pages_;
    if (zone.nr_reserved_highatomic >= max_managed) return;
    const MigrateType mt = map_.get_pageblock_migratetype(page);
    if (!is_mergeable(mt)) return;
    zone.nr_reserved_highatomic += pageblock_nr_pages_;
    set_pageblock_migratetype(page, MIGRATE_HIGHATOMIC);
    move_freepages_block(zone, page, MIGRATE_HIGHATOMIC, nullptr);
    stats_.highatomic_reserved++;
}

// Models unreserve_highatomic_pageblock(): give a reserved block back to the requested
// type (keeping one block unless forced).
bool PageAllocator::unreserve_highatomic_pageblock(const AllocContext& ac, bool force) {
    for (Zone* zone : *ac.zonelist) {
        if (zone->zone_idx > ac.highest_zoneidx) continue;
        if (!((ac.nodemask >> zone->nid) & 1)) continue;
        if (!force && zone->nr_reserved_highatomic <= pageblock_nr_pages_) continue;
        for (unsigned order = 0; order < max_order_; ++order) {
            if (!(zone->nonempty[MIGRATE_HIGHATOMIC] & (1u << order))) continue;
            const PageIdx page = zone->free_area[order].free_list[MIGRATE_HIGHATOMIC].front();
            if (map_.get_pageblock_migratetype(page) == MIGRATE_HIGHATOMIC)
                zone->nr_reserved_highatomic -=
                    std::min(pageblock_nr_pages_, zone->nr_reserved_highatomic);
            set_pageblock_migratetype(page, ac.migratetype);
            if (move_freepages_block(*zone, page, ac.migratetype, nullptr)) {
                stats_.highatomic_unreserved++;
                return true;
            }
        }
    }
    return false;
}

// Models move_freepages_block() + move_freepages(): move every free block of the
// pageblock to the tail of `mt`'s lists; count movable allocated pages.
std::uint64_t PageAllocator::move_freepages_block(Zone& zone, PageIdx page, MigrateType mt,
                                                  int* num_movable) {
    if (num_movable) *num_movable = 0;
    const Pfn pfn = map_.page_to_pfn(page);
    Pfn start_pfn = pfn & ~(pageblock_nr_pages_ - 1);
    const Pfn end_pfn = start_pfn + pageblock_nr_pages_ - 1;
    if (!zone.zone_spans_pfn(start_pfn)) start_pfn = pfn;
    if (!zone.zone_spans_pfn(end_pfn)) return 0;

    std::uint64_t moved = 0;
    PageIdx p = static_cast<PageIdx>(page - (pfn - start_pfn));
    const PageIdx end = static_cast<PageIdx>(page + (end_pfn - pfn));
    if (num_movable) {
        // The scan may start inside an allocated block larger than a pageblock.
        const PageIdx head = find_allocated_head(p);
        if (head != kNoPage && head != p && (map_.info(head).flags & PG_lru)) {
            const PageIdx block_end = head + (PageIdx{1} << map_.info(head).order);
            *num_movable += static_cast<int>(std::min<PageIdx>(block_end, end + 1) - p);
            p = block_end;
        }
    }
    while (p <= end) {
        const PageInfo& pi = map_.info(p);
        if (pi.flags & PG_buddy) {
            const unsigned order = pi.order;
            move_to_free_list(zone, p, order, mt);
            p += PageIdx{1} << order;
            moved += std::uint64_t{1} << order;
            continue;
        }
        if ((pi.flags & (PG_head | PG_pcp)) != 0) {
            // An allocated (compound) block counts page by page when movable; pcp pages
            // are neither buddy nor LRU.
            const PageIdx n = PageIdx{1} << pi.order;
            if (num_movable && (pi.flags & PG_lru))
                *num_movable += static_cast<int>(std::min<PageIdx>(n, end + 1 - p));
            p += n;
            continue;
        }
        ++p;
    }
    return moved;
}

// Models set_pageblock_migratetype().
void PageAllocator::set_pageblock_migratetype(PageIdx page, MigrateType mt) {
    if (mobility_disabled_ && mt < MIGRATE_PCPTYPES) mt = MIGRATE_UNMOVABLE;
    map_.set_pageblock_migratetype_raw(page, mt);
}

} // namespace pagesim
