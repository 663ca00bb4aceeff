// SPDX-License-Identifier: GPL-2.0-only
// Freeing: __free_pages → free_the_page → free_unref_page (pcp) or __free_pages_ok, the
// pcp drain free_pcppages_bulk, and __free_one_page with buddy merging and head/tail
// placement (spec §2.4, §4.3, §4.5).
#include "allocator/free_area_ops.h"
#include "allocator/splitmix64.h"

#include <algorithm>
#include <string>

namespace pagesim {

// Models shuffle_pick_tail(): one random bit per call, 64 bits per draw.
bool PageAllocator::shuffle_pick_tail() {
    if (shuffle_rand_bits_ == 0) {
        shuffle_rand_bits_ = 64;
        shuffle_rand_ = splitmix64_next(shuffle_rng_);
    }
    const bool ret = shuffle_rand_ & 1;
    shuffle_rand_bits_--;
    shuffle_rand_ >>= 1;
    return ret;
}

// Models buddy_merge_likely(): if the buddy of the would-be parent is free, this block is
// likely to merge soon, so it goes to the tail where it is less likely to be allocated.
// Works on page indices, whose low bits equal the pfn's.
bool PageAllocator::buddy_merge_likely(PageIdx page, PageIdx buddy, unsigned order) const {
    if (order + 2 >= max_order_) return false;
    return find_buddy_page(buddy & page, order + 1, map_.info(page).zone) != kNoPage;
}

// Models compaction_capture(): hand a block that reached exactly the compactor's order to it,
// unless that would pollute a CMA or isolated pageblock, or put a small block of a movable
// pageblock under a non-movable owner.
bool PageAllocator::compaction_capture(CaptureControl& capc, PageIdx page, unsigned order,
                                       MigrateType mt) const {
    if (capc.page != kNoPage || order != capc.order) return false;
    if (mt == MIGRATE_CMA || mt == MIGRATE_ISOLATE) return false;
    if (order < pageblock_order_ && mt == MIGRATE_MOVABLE) return false;
    capc.page = page;
    return true;
}

// Models __free_one_page(): merge with free buddies up to MAX_ORDER-1, never across
// pageblocks of different types when either is not mergeable, then insert at head or tail.
// compaction_capture() is checked at every order as in the kernel; the loop is instantiated
// twice so that zones without a waiting direct compactor pay one test per call, not per order.
template <bool kCapture>
void PageAllocator::free_one_page_impl(Zone& zone, PageIdx page, unsigned order, MigrateType mt,
                                       FpiFlags fpi) {
    PageIdx buddy = page;
    const std::uint8_t zid = zone.id;
    if (mt != MIGRATE_ISOLATE) mod_zone_freepage_state(zone, std::int64_t{1} << order, mt);

    while (order + 1 < max_order_) {
        if constexpr (kCapture) {
            if (compaction_capture(*zone.capc, page, order, mt)) {
                mod_zone_freepage_state(zone, -(std::int64_t{1} << order), mt);
                return;
            }
        }
        buddy = page ^ (PageIdx{1} << order);
        if (find_buddy_page(page, order, zid) == kNoPage) break;
        if (order >= pageblock_order_) {
            const MigrateType buddy_mt = map_.get_pageblock_migratetype(buddy);
            if (mt != buddy_mt && (!is_mergeable(mt) || !is_mergeable(buddy_mt))) break;
        }
        del_page_from_free_list(zone, buddy, order);
        page &= buddy;
        order++;
    }

    bool to_tail;
    if (fpi & FPI_TO_TAIL)
        to_tail = true;
    else if (layout_.shuffle && order + 1 >= max_order_) // is_shuffle_order()
        to_tail = shuffle_pick_tail();
    else
        to_tail = buddy != page && buddy_merge_likely(page, buddy, order);
    add_to_free_list(zone, page, order, mt, to_tail);
}

void PageAllocator::free_one_page_locked(Zone& zone, PageIdx page, unsigned order, MigrateType mt,
                                         FpiFlags fpi) {
    if (zone.capc) [[unlikely]] // task_capc(): a direct compactor of this zone waits
        free_one_page_impl<true>(zone, page, order, mt, fpi);
    else
        free_one_page_impl<false>(zone, page, order, mt, fpi);
}

// Models __free_pages_ok() (the tail of __free_pages for orders the pcp does not take).
void PageAllocator::free_pages_ok(PageIdx page, unsigned order, FpiFlags fpi) {
    Zone& zone = *all_zones_[map_.info(page).zone];
    const MigrateType mt = map_.get_pageblock_migratetype(page);
    free_one_page_locked(zone, page, order, mt, fpi);
    events_[PGFREE] += std::uint64_t{1} << order;
}

unsigned PageAllocator::order_to_pindex(MigrateType mt, unsigned order) const {
    if (order > PAGE_ALLOC_COSTLY_ORDER) // the THP lists, erratum E4c
        return NR_LOWORDER_PCP_LISTS + (mt == MIGRATE_MOVABLE ? 1u : 0u);
    return MIGRATE_PCPTYPES * order + mt;
}

unsigned PageAllocator::pindex_to_order(unsigned pindex) const {
    return pindex >= NR_LOWORDER_PCP_LISTS ? pageblock_order_ : pindex / MIGRATE_PCPTYPES;
}

namespace {
// Models nr_pcp_high().
int nr_pcp_high(const PerCpuPages& pcp, const Zone& zone, bool free_high) {
    if (pcp.high == 0 || free_high) return 0;
    if (!zone.reclaim_active) return pcp.high;
    return std::min(pcp.batch << 2, pcp.high);
}

// Models nr_pcp_free(): free a batch, doubling while frees continue without allocations.
int nr_pcp_free(PerCpuPages& pcp, int high, int batch, bool free_high) {
    if (free_high) return pcp.count;
    if (high < batch) return 1;
    const int min_nr_free = batch;
    const int max_nr_free = high - batch;
    batch <<= pcp.free_factor;
    if (batch < max_nr_free && pcp.free_factor < CONFIG_PCP_BATCH_SCALE_MAX) pcp.free_factor++;
    return std::min(std::max(batch, min_nr_free), max_nr_free); // the kernel's clamp()
}
} // namespace

// Models free_unref_page() + free_unref_page_commit().
void PageAllocator::free_unref_page(PageIdx page, unsigned order, unsigned cpu) {
    PageInfo& pi = map_.info(page);
    Zone& zone = *all_zones_[pi.zone];
    MigrateType mt = map_.get_pageblock_migratetype(page);
    if (mt >= MIGRATE_PCPTYPES) {
        if (mt == MIGRATE_ISOLATE) {
            free_one_page_locked(zone, page, order, mt, FPI_NONE);
            return;
        }
        pi.mt = mt; // HIGHATOMIC/CMA pages sit on the MOVABLE list with their true type
        mt = MIGRATE_MOVABLE;
    } else {
        pi.mt = mt;
    }
    events_[PGFREE] += std::uint64_t{1} << order;
    PerCpuPages& pcp = zone.pcp[cpu];
    const unsigned pindex = order_to_pindex(mt, order);
    pcp.lists[pindex].add(page);
    pi.flags = PG_pcp;
    pi.order = static_cast<std::uint8_t>(order);
    pcp.count += 1 << order;
    const bool free_high = pcp.free_factor && order && order <= PAGE_ALLOC_COSTLY_ORDER;
    const int high = nr_pcp_high(pcp, zone, free_high);
    if (pcp.count >= high)
        free_pcppages_bulk(zone, nr_pcp_free(pcp, high, pcp.batch, free_high), pcp, pindex);
}

// Models free_pcppages_bulk(): round-robin over the lists starting at `pindex`, oldest
// (tail) pages first, a whole list before the next.
void PageAllocator::free_pcppages_bulk(Zone& zone, int count, PerCpuPages& pcp, unsigned pindex) {
    int min_pindex = 0;
    int max_pindex = static_cast<int>(NR_PCP_LISTS) - 1;
    count = std::min(pcp.count, count);
    int pi = static_cast<int>(pindex) - 1;
    const bool isolated = zone.nr_isolate_pageblock > 0;
    while (count > 0) {
        PageList* list;
        while (true) {
            if (++pi > max_pindex) pi = min_pindex;
            list = &pcp.lists[static_cast<unsigned>(pi)];
            if (!list->empty()) break;
            if (pi == max_pindex) max_pindex--;
            if (pi == min_pindex) min_pindex++;
        }
        const unsigned order = pindex_to_order(static_cast<unsigned>(pi));
        const int nr_pages = 1 << order;
        do {
            const PageIdx page = list->back();
            list->del(page);
            PageInfo& info = map_.info(page);
            MigrateType mt = static_cast<MigrateType>(info.mt);
            count -= nr_pages;
            pcp.count -= nr_pages;
            stats_.pcp_drained_pages += static_cast<std::uint64_t>(nr_pages);
            if (isolated) mt = map_.get_pageblock_migratetype(page);
            info.flags = 0;
            free_one_page_locked(zone, page, order, mt, FPI_NONE);
            if (tracer_) tracer_->mm_page_pcpu_drain(cur_cpu_, map_.page_to_pfn(page), order, mt);
        } while (count > 0 && !list->empty());
    }
}

// Models free_the_page().
void PageAllocator::free_the_page(PageIdx page, unsigned order, unsigned cpu) {
    if (opts_.pcp_enabled && pcp_allowed_order(order))
        free_unref_page(page, order, cpu);
    else
        free_pages_ok(page, order, FPI_NONE);
}

PageIdx PageAllocator::find_allocated_head(PageIdx page) const {
    for (unsigned o = 0; o < max_order_; ++o) {
        const PageIdx head = page & ~((PageIdx{1} << o) - 1);
        const PageInfo& h = map_.info(head);
        if ((h.flags & PG_head) && h.order >= o) return head;
        if (h.flags & (PG_buddy | PG_pcp | PG_reserved)) return kNoPage;
    }
    return kNoPage;
}

// Models __free_pages(): validate the block, free_pages_prepare (tracepoint), then
// free_the_page.
void PageAllocator::free_pages(Pfn pfn, unsigned order, unsigned cpu) {
    if (cpu >= ncpus_)
        throw AllocatorError("free_pages: cpu " + std::to_string(cpu) + " out of range");
    const PageIdx page = pfn_to_page_checked(pfn, "free_pages");
    PageInfo& pi = map_.info(page);
    if (!(pi.flags & PG_head))
        throw AllocatorError("free_pages: pfn " + std::to_string(pfn) +
                             " is not the head of an allocated block (double free?)");
    if (pi.order != order)
        throw AllocatorError("free_pages: pfn " + std::to_string(pfn) + " was allocated at order " +
                             std::to_string(pi.order) + ", freed at order " +
                             std::to_string(order));
    free_page_block(page, order, cpu);
    check_after_op();
}

void PageAllocator::free_page_block(PageIdx page, unsigned order, unsigned cpu) {
    PageInfo& pi = map_.info(page);
    cur_cpu_ = cpu;
    if (tracer_) tracer_->mm_page_free(cpu, map_.page_to_pfn(page), order);
    if (pi.flags & PG_onlru) [[unlikely]]
        lru_del_page(page);
    pi.flags = 0;
    pi.owner = 0;
    free_the_page(page, order, cpu);
}

void PageAllocator::drain_pages(unsigned cpu, Zone* zone) {
    auto drain = [&](Zone& z) {
        PerCpuPages& pcp = z.pcp[cpu];
        if (pcp.count) free_pcppages_bulk(z, pcp.count, pcp, 0);
    };
    if (zone) {
        drain(*zone);
    } else {
        for (Zone* z : all_zones_)
            if (z->populated()) drain(*z);
    }
}

void PageAllocator::drain_all_pages(Zone* zone) {
    for (unsigned cpu = 0; cpu < ncpus_; ++cpu) drain_pages(cpu, zone);
    check_after_op();
}

} // namespace pagesim
