// SPDX-License-Identifier: GPL-2.0-only
// The allocation fast path: __alloc_pages → prepare_alloc_pages → get_page_from_freelist
// over the zonelist with ALLOC_NOFRAGMENT and the watermark checks (§3.9, §5.4, §6.4–6.5,
// erratum E4a), and prep_new_page.
#include "allocator/page_allocator.h"

#include <string>

namespace pagesim {

std::string_view alloc_failure_name(AllocFailure f) {
    switch (f) {
    case AllocFailure::None:
        return "none";
    case AllocFailure::OrderTooLarge:
        return "order >= MAX_ORDER";
    case AllocFailure::BadGfp:
        return "invalid gfp zone modifiers";
    case AllocFailure::NoZone:
        return "no eligible zone";
    case AllocFailure::Watermark:
        return "below watermark in every eligible zone";
    case AllocFailure::NoPage:
        return "no free block of this order";
    case AllocFailure::NoReclaim:
        return "may not direct-reclaim";
    case AllocFailure::NoRetry:
        return "__GFP_NORETRY";
    case AllocFailure::Costly:
        return "costly order without __GFP_RETRY_MAYFAIL";
    case AllocFailure::RetriesExhausted:
        return "reclaim and compaction retries exhausted";
    case AllocFailure::OomNoVictim:
        return "out of memory and no killable process";
    case AllocFailure::Stuck:
        return "slow path loop limit reached (would livelock)";
    }
    return "?";
}

// Models gfp_zone() with GFP_ZONE_TABLE's OPT_ZONE_* fallbacks to ZONE_NORMAL.
bool PageAllocator::gfp_zone(GfpFlags gfp, unsigned& zoneidx) const {
    const int idx = gfp_zone_table_[gfp & gfp::kZoneMask];
    if (idx < 0) return false;
    zoneidx = static_cast<unsigned>(idx);
    return true;
}

MigrateType PageAllocator::gfp_migratetype_of(GfpFlags gfp) const {
    return mobility_disabled_ ? MIGRATE_UNMOVABLE : gfp_migratetype(gfp);
}

// Models prepare_alloc_pages() + gfp_to_alloc_flags_cma() + first_zones_zonelist().
bool PageAllocator::prepare_alloc_pages(const AllocRequest& req, AllocContext& ac,
                                        AllocFlags& flags) const {
    if (!gfp_zone(req.gfp, ac.highest_zoneidx)) return false;
    const int nid = req.nid >= 0 ? req.nid : cpu_node_[req.cpu];
    const NodeData& node = nodes_[static_cast<std::size_t>(nid)];
    ac.zonelist = (req.gfp & gfp::kThisnode) ? &node.zonelist_nofallback : &node.zonelist_fallback;
    ac.nodemask = req.nodemask;
    ac.migratetype = gfp_migratetype_of(req.gfp);
    flags = ALLOC_WMARK_LOW;
    if (cma_configured() && ac.migratetype == MIGRATE_MOVABLE) flags |= ALLOC_CMA;
    if (ac.nodemask == kAllNodes && !(req.gfp & gfp::kThisnode)) {
        ac.preferred_zone = preferred_zone_[static_cast<std::size_t>(nid)][ac.highest_zoneidx];
        return true;
    }
    ac.preferred_zone = nullptr;
    for (Zone* z : *ac.zonelist) {
        if (z->zone_idx <= ac.highest_zoneidx && ((ac.nodemask >> z->nid) & 1)) {
            ac.preferred_zone = z;
            break;
        }
    }
    return true;
}

// Models alloc_flags_nofragment(): ALLOC_KSWAPD from the gfp, and ALLOC_NOFRAGMENT when
// the preferred zone is Normal and DMA32 lies below it (or the machine has one node).
AllocFlags PageAllocator::alloc_flags_nofragment(const Zone* zone, GfpFlags gfp) const {
    AllocFlags flags = (gfp & gfp::kKswapdReclaim) ? ALLOC_KSWAPD : 0;
    if (!nofragment_supported_ || !zone) return flags;
    if (zone->type != ZONE_NORMAL) return flags;
    if (nodes_.size() > 1) {
        const NodeData& node = nodes_[static_cast<std::size_t>(zone->nid)];
        const int dma32 = zone_index_of_type_[ZONE_DMA32];
        if (dma32 < 0 || !node.zones[static_cast<std::size_t>(dma32)]->populated()) return flags;
    }
    return flags | ALLOC_NOFRAGMENT;
}

// Models __zone_watermark_unusable_free() + __zone_watermark_ok() (6.1.y, erratum E4a).
bool PageAllocator::zone_watermark_ok_free(const Zone& z, unsigned order, std::uint64_t mark,
                                           unsigned highest_zoneidx, AllocFlags flags,
                                           std::int64_t free_pages) const {
    std::int64_t unusable = (std::int64_t{1} << order) - 1;
    if (!(flags & ALLOC_RESERVES)) unusable += static_cast<std::int64_t>(z.nr_reserved_highatomic);
    if (cma_configured() && !(flags & ALLOC_CMA)) unusable += z.vm_stat[NR_FREE_CMA_PAGES];
    free_pages -= unusable;

    auto min = static_cast<std::int64_t>(mark);
    if (flags & ALLOC_RESERVES) {
        if (flags & ALLOC_MIN_RESERVE) {
            min -= min / 2;
            if (flags & ALLOC_NON_BLOCK) min -= min / 4;
        }
        if (flags & ALLOC_OOM) min -= min / 2;
    }
    if (free_pages <= min + z.lowmem_reserve[highest_zoneidx]) return false;
    if (order == 0) return true;
    // For o = order..MAX_ORDER-1: a non-empty UNMOVABLE/MOVABLE/RECLAIMABLE list, a CMA list
    // with ALLOC_CMA, a HIGHATOMIC list with ALLOC_HIGHATOMIC or ALLOC_OOM (the nonempty
    // bitmaps answer the per-order loop at once).
    std::uint32_t usable = z.nonempty[MIGRATE_UNMOVABLE] | z.nonempty[MIGRATE_MOVABLE] |
                           z.nonempty[MIGRATE_RECLAIMABLE];
    if (cma_configured() && (flags & ALLOC_CMA)) usable |= z.nonempty[MIGRATE_CMA];
    if (flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) usable |= z.nonempty[MIGRATE_HIGHATOMIC];
    return (usable >> order) != 0;
}

bool PageAllocator::zone_watermark_ok(const Zone& z, unsigned order, std::uint64_t mark,
                                      unsigned highest_zoneidx, AllocFlags flags) const {
    return zone_watermark_ok_free(z, order, mark, highest_zoneidx, flags, z.free_pages());
}

// Models zone_watermark_fast(): a quick order-0 test, the full check, then the exception
// that lets order-0 __GFP_ATOMIC requests ignore the boost at the MIN mark (§5.3).
bool PageAllocator::zone_watermark_fast(const Zone& z, unsigned order, std::uint64_t mark,
                                        unsigned highest_zoneidx, AllocFlags flags,
                                        GfpFlags gfp) const {
    const std::int64_t free_pages = z.free_pages();
    if (order == 0) {
        std::int64_t reserved = 0;
        if (!(flags & ALLOC_RESERVES))
            reserved += static_cast<std::int64_t>(z.nr_reserved_highatomic);
        if (cma_configured() && !(flags & ALLOC_CMA)) reserved += z.vm_stat[NR_FREE_CMA_PAGES];
        const std::int64_t usable = free_pages - std::min(free_pages, reserved);
        if (usable > static_cast<std::int64_t>(mark) + z.lowmem_reserve[highest_zoneidx])
            return true;
    }
    if (zone_watermark_ok_free(z, order, mark, highest_zoneidx, flags, free_pages)) return true;
    if (order == 0 && (gfp & gfp::kAtomic) && z.watermark_boost &&
        (flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN)
        return zone_watermark_ok_free(z, order, z.watermark[WMARK_MIN], highest_zoneidx, flags,
                                      free_pages);
    return false;
}

// Models get_page_from_freelist(): walk the zonelist from the preferred zone, skip zones
// below their watermark, take from the first zone that has a page; with ALLOC_NOFRAGMENT,
// retry without it (at once when the walk reaches a remote node).
PageIdx PageAllocator::get_page_from_freelist(GfpFlags gfp, unsigned order, AllocFlags flags,
                                              const AllocContext& ac, unsigned cpu,
                                              AllocFailure* why) {
    cur_cpu_ = cpu;
    bool any_passed = false;
    bool any_zone = false;
retry:
    const bool no_fallback = flags & ALLOC_NOFRAGMENT;
    for (Zone* zone : *ac.zonelist) {
        if (zone->zone_idx > ac.highest_zoneidx || !((ac.nodemask >> zone->nid) & 1)) continue;
        any_zone = true;
        if (no_fallback && nodes_.size() > 1 && zone != ac.preferred_zone &&
            zone->nid != ac.preferred_zone->nid) {
            flags &= ~ALLOC_NOFRAGMENT;
            goto retry;
        }
        const std::uint64_t mark = zone->wmark_pages(flags & ALLOC_WMARK_MASK);
        if (!(flags & ALLOC_NO_WATERMARKS) &&
            !zone_watermark_fast(*zone, order, mark, ac.highest_zoneidx, flags, gfp))
            continue; // node reclaim (vm.zone_reclaim_mode) is off by default
        any_passed = true;
        const PageIdx page = rmqueue(*ac.preferred_zone, *zone, order, flags, ac.migratetype, cpu);
        if (page != kNoPage) {
            if (flags & ALLOC_HIGHATOMIC) reserve_highatomic_pageblock(page, *zone);
            return page;
        }
    }
    if (no_fallback) {
        flags &= ~ALLOC_NOFRAGMENT;
        goto retry;
    }
    if (why)
        *why = !any_zone ? AllocFailure::NoZone
                         : (any_passed ? AllocFailure::NoPage : AllocFailure::Watermark);
    return kNoPage;
}

// Models prep_new_page(): the block becomes an allocated head; movable user pages are LRU.
void PageAllocator::prep_new_page(PageIdx page, unsigned order, GfpFlags gfp, std::uint32_t owner) {
    PageInfo& pi = map_.info(page);
    pi.flags =
        static_cast<std::uint8_t>(PG_head | (gfp_migratetype(gfp) == MIGRATE_MOVABLE ? PG_lru : 0));
    pi.order = static_cast<std::uint8_t>(order);
    pi.owner = owner;
}

PageIdx PageAllocator::pfn_to_page_checked(Pfn pfn, const char* what) const {
    const PageIdx page = map_.pfn_to_page(pfn);
    if (page == kNoPage || map_.info(page).zone == PageInfo::kNoZone)
        throw AllocatorError(std::string(what) + ": pfn " + std::to_string(pfn) +
                             " is outside every zone");
    return page;
}

// Models __alloc_pages(): the fast path with the low watermark, then the slow path.
AllocResult PageAllocator::alloc_pages(const AllocRequest& req) {
    if (req.cpu >= ncpus_)
        throw AllocatorError("alloc_pages: cpu " + std::to_string(req.cpu) + " out of range");
    if (req.order >= max_order_) return {kNoPfn, AllocFailure::OrderTooLarge};
    cur_cpu_ = req.cpu;
    AllocContext ac;
    AllocFlags flags = 0;
    if (!prepare_alloc_pages(req, ac, flags)) return {kNoPfn, AllocFailure::BadGfp};

    AllocFailure why = AllocFailure::NoZone;
    PageIdx page = kNoPage;
    if (ac.preferred_zone) {
        flags |= alloc_flags_nofragment(ac.preferred_zone, req.gfp);
        page = get_page_from_freelist(req.gfp, req.order, flags, ac, req.cpu, &why);
    }
    Pfn pfn = kNoPfn;
    if (page != kNoPage) {
        prep_new_page(page, req.order, req.gfp, req.owner);
        pfn = map_.page_to_pfn(page);
    } else if (slowpath_) {
        pfn = slowpath_->alloc_pages_slowpath(*this, req, ac, why);
        cur_cpu_ = req.cpu;
    }
    if (tracer_) tracer_->mm_page_alloc(req.cpu, pfn, req.order, req.gfp, ac.migratetype);
    check_after_op();
    return {pfn, pfn == kNoPfn ? why : AllocFailure::None};
}

} // namespace pagesim
