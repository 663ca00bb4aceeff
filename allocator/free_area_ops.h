// SPDX-License-Identifier: GPL-2.0-only
// The hot free-list primitives of mm/page_alloc.c (add_to_free_list, del_page_from_free_list,
// move_to_free_list, page_is_buddy), inline for every file of the allocator that splits,
// merges or moves free blocks. A free block's head records the list it is on (PageInfo::mt)
// and Zone::nonempty keeps one bit per non-empty list, so the searches are O(1).
#pragma once

#include "allocator/page_allocator.h"

namespace pagesim {

// Models find_buddy_page_pfn() + page_is_buddy(): the buddy at `order` if it is a free
// block head of exactly that order in the same zone. The buddy always lies in the same
// section (orders stay below the section size), so page indices pair like pfns do.
inline PageIdx PageAllocator::find_buddy_page(PageIdx page, unsigned order,
                                              std::uint8_t zone_id) const {
    const PageIdx buddy = page ^ (PageIdx{1} << order);
    const PageInfo& b = map_.info(buddy);
    if (!(b.flags & PG_buddy) || b.order != order || b.zone != zone_id) return kNoPage;
    return buddy;
}

// Models add_to_free_list() (head) and add_to_free_list_tail() + set_buddy_order().
inline void PageAllocator::add_to_free_list(Zone& zone, PageIdx page, unsigned order,
                                            MigrateType mt, bool tail) {
    FreeArea& area = zone.free_area[order];
    if (tail)
        area.free_list[mt].add_tail(page);
    else
        area.free_list[mt].add(page);
    area.nr_free++;
    zone.nonempty[mt] |= 1u << order;
    PageInfo& pi = map_.info(page);
    pi.flags = PG_buddy;
    pi.order = static_cast<std::uint8_t>(order);
    pi.mt = mt;
}

// Models del_page_from_free_list(): off its list, no longer a buddy.
inline void PageAllocator::del_page_from_free_list(Zone& zone, PageIdx page, unsigned order) {
    PageInfo& pi = map_.info(page);
    FreeArea& area = zone.free_area[order];
    if (area.free_list[pi.mt].del(page)) zone.nonempty[pi.mt] &= ~(1u << order);
    area.nr_free--;
    pi.flags = 0;
}

// Models move_to_free_list(): list_move_tail onto `mt`'s list of the same order.
inline void PageAllocator::move_to_free_list(Zone& zone, PageIdx page, unsigned order,
                                             MigrateType mt) {
    PageInfo& pi = map_.info(page);
    FreeArea& area = zone.free_area[order];
    if (area.free_list[pi.mt].del(page)) zone.nonempty[pi.mt] &= ~(1u << order);
    area.free_list[mt].add_tail(page);
    zone.nonempty[mt] |= 1u << order;
    pi.mt = mt;
}

// Models __mod_zone_freepage_state().
inline void PageAllocator::mod_zone_freepage_state(Zone& zone, std::int64_t nr_pages,
                                                   MigrateType mt) {
    zone.vm_stat[NR_FREE_PAGES] += nr_pages;
    if (mt == MIGRATE_CMA) zone.vm_stat[NR_FREE_CMA_PAGES] += nr_pages;
}

} // namespace pagesim
