// SPDX-License-Identifier: GPL-2.0-only
// page_alloc.shuffle=1 at boot (mm/shuffle.c: shuffle_free_memory → __shuffle_zone):
// top-order free blocks swap list positions with random top-order blocks of the same zone
// and migrate type. Shuffling never crosses zones (dmb.md §4.1). The per-free tail pick
// is shuffle_pick_tail() in free_page.cpp.
#include "allocator/free_area_ops.h"
#include "allocator/splitmix64.h"

#include <utility>

namespace pagesim {

namespace {
constexpr int kShuffleRetry = 10; // SHUFFLE_RETRY

void list_swap(PageLink* base, PageIdx a, PageIdx b) {
    // Models list_swap(entry1, entry2): entry2 takes entry1's place and vice versa.
    const PageRef e1{base, a};
    const PageRef e2{base, b};
    PageRef pos = PageLinkTraits::get_previous(e2);
    PageListAlgo::unlink(e2);
    // list_replace(entry1, entry2)
    const PageRef n1 = PageLinkTraits::get_next(e1);
    const PageRef p1 = PageLinkTraits::get_previous(e1);
    PageLinkTraits::set_next(e2, n1);
    PageLinkTraits::set_previous(n1, e2);
    PageLinkTraits::set_previous(e2, p1);
    PageLinkTraits::set_next(p1, e2);
    if (pos == e1) pos = e2;
    PageListAlgo::link_after(pos, e1);
}
} // namespace

// Models __shuffle_zone().
void PageAllocator::shuffle_zone(Zone& z) {
    const unsigned order = max_order_ - 1; // SHUFFLE_ORDER
    const Pfn order_pages = Pfn{1} << order;
    if (z.spanned_pages == 0) return;
    auto valid_page = [&](Pfn pfn) -> PageIdx {
        const PageIdx p = map_.pfn_to_page(pfn);
        if (p == kNoPage) return kNoPage;
        const PageInfo& pi = map_.info(p);
        if (pi.zone != z.id || !(pi.flags & PG_buddy) || pi.order != order) return kNoPage;
        return p;
    };
    auto random_long = [&] { return splitmix64_next(shuffle_rng_); };
    const Pfn start = (z.zone_start_pfn + order_pages - 1) & ~(order_pages - 1);
    for (Pfn i = start; i < z.zone_end_pfn(); i += order_pages) {
        const PageIdx page_i = valid_page(i);
        if (page_i == kNoPage) continue;
        PageIdx page_j = kNoPage;
        int retry = 0;
        for (; retry < kShuffleRetry; ++retry) {
            const Pfn j =
                z.zone_start_pfn + ((random_long() % z.spanned_pages) & ~(order_pages - 1));
            page_j = valid_page(j);
            if (page_j != kNoPage && page_j != page_i) break;
        }
        if (retry >= kShuffleRetry) continue;
        if (map_.get_pageblock_migratetype(page_i) != map_.get_pageblock_migratetype(page_j))
            continue;
        list_swap(map_.link_base(), page_i, page_j);
        std::swap(map_.info(page_i).mt, map_.info(page_j).mt); // each now sits on the other's list
    }
}

void PageAllocator::shuffle_free_memory() {
    for (Zone* z : all_zones_)
        if (z->populated()) shuffle_zone(*z);
}

} // namespace pagesim
