// SPDX-License-Identifier: GPL-2.0-only
// Node LRU lists (mm/swap.c, mm/vmscan.c's lruvec): allocated heads linked through the same
// PageLink array as the free lists, exactly as the kernel reuses page->lru. One list per
// LruKind with second-chance (CLOCK) aging instead of separate active/inactive lists: a
// referenced block found by reclaim loses its bit and rotates to the newest end. The
// zone/node active/inactive counters split the lists by the referenced bit.
#include "allocator/page_allocator.h"

#include <string>

namespace pagesim {

namespace {
unsigned kind_index(const PageInfo& pi) {
    return pi.mt & kLruKindMask;
}

PageIdx lru_head(const PageMap& map, Pfn pfn, const char* what) {
    const PageIdx page = map.pfn_to_page(pfn);
    if (page == kNoPage || !(map.info(page).flags & PG_head))
        throw AllocatorError(std::string(what) + ": pfn " + std::to_string(pfn) +
                             " is not the head of an allocated block");
    return page;
}
} // namespace

// The vmstat side of add_page_to_lru_list/del_page_from_lru_list: per-zone and per-node
// LRU sizes (referenced = "active"), and NR_SLAB_RECLAIMABLE_B for the shrinker list.
void PageAllocator::lru_account(const PageInfo& pi, std::int64_t sign) {
    Zone& zone = *all_zones_[pi.zone];
    NodeData& node = nodes_[static_cast<std::size_t>(zone.nid)];
    const unsigned kind = kind_index(pi);
    const std::int64_t n = sign * (std::int64_t{1} << pi.order);
    const bool active = pi.mt & kLruReferenced;
    zone.nr_lru[kind] =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(zone.nr_lru[kind]) + n);
    node.nr_lru[kind] =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(node.nr_lru[kind]) + n);
    switch (static_cast<LruKind>(kind)) {
    case LruKind::File:
        zone.vm_stat[active ? NR_ZONE_ACTIVE_FILE : NR_ZONE_INACTIVE_FILE] += n;
        node.vm_stat[active ? NR_ACTIVE_FILE : NR_INACTIVE_FILE] += n;
        break;
    case LruKind::Anon:
        zone.vm_stat[active ? NR_ZONE_ACTIVE_ANON : NR_ZONE_INACTIVE_ANON] += n;
        node.vm_stat[active ? NR_ACTIVE_ANON : NR_INACTIVE_ANON] += n;
        break;
    case LruKind::Slab:
        node.vm_stat[NR_SLAB_RECLAIMABLE_B] += n << layout_.kconfig.page_shift;
        break;
    }
}

void PageAllocator::lru_add_page(PageIdx page, LruKind kind, bool referenced) {
    PageInfo& pi = map_.info(page);
    pi.flags = static_cast<std::uint8_t>(pi.flags | PG_onlru);
    pi.mt =
        static_cast<std::uint8_t>(static_cast<unsigned>(kind) | (referenced ? kLruReferenced : 0u));
    nodes_[static_cast<std::size_t>(all_zones_[pi.zone]->nid)].lru[static_cast<unsigned>(kind)].add(
        page);
    lru_account(pi, +1);
}

void PageAllocator::lru_del_page(PageIdx page) {
    PageInfo& pi = map_.info(page);
    lru_account(pi, -1);
    nodes_[static_cast<std::size_t>(all_zones_[pi.zone]->nid)].lru[kind_index(pi)].del(page);
    pi.flags = static_cast<std::uint8_t>(pi.flags & ~PG_onlru);
}

void PageAllocator::lru_rotate_page(PageIdx page, bool referenced) {
    PageInfo& pi = map_.info(page);
    lru_account(pi, -1);
    pi.mt = static_cast<std::uint8_t>((pi.mt & kLruKindMask) | (referenced ? kLruReferenced : 0u));
    lru_account(pi, +1);
    PageList& list = nodes_[static_cast<std::size_t>(all_zones_[pi.zone]->nid)].lru[kind_index(pi)];
    list.del(page);
    list.add(page);
}

void PageAllocator::lru_add(Pfn pfn, LruKind kind) {
    const PageIdx page = lru_head(map_, pfn, "lru_add");
    if (map_.info(page).flags & PG_onlru)
        throw AllocatorError("lru_add: pfn " + std::to_string(pfn) + " is already on an LRU");
    if (static_cast<unsigned>(kind) >= kNrLruKinds) throw AllocatorError("lru_add: bad LRU kind");
    lru_add_page(page, kind, false);
    check_after_op();
}

void PageAllocator::lru_del(Pfn pfn) {
    const PageIdx page = lru_head(map_, pfn, "lru_del");
    if (!(map_.info(page).flags & PG_onlru))
        throw AllocatorError("lru_del: pfn " + std::to_string(pfn) + " is on no LRU");
    lru_del_page(page);
    check_after_op();
}

// Models folio_mark_accessed(): the second chance of the CLOCK.
void PageAllocator::mark_accessed(Pfn pfn) {
    const PageIdx page = map_.pfn_to_page(pfn);
    if (page == kNoPage) return;
    PageInfo& pi = map_.info(page);
    if (!(pi.flags & PG_onlru) || (pi.mt & kLruReferenced)) return;
    lru_account(pi, -1);
    pi.mt = static_cast<std::uint8_t>(pi.mt | kLruReferenced);
    lru_account(pi, +1);
}

void PageAllocator::lru_rotate_reclaimable(Pfn pfn) {
    const PageIdx page = map_.pfn_to_page(pfn);
    if (page == kNoPage) return;
    PageInfo& pi = map_.info(page);
    if (!(pi.flags & PG_head) || !(pi.flags & PG_onlru)) return;
    lru_account(pi, -1);
    pi.mt = static_cast<std::uint8_t>(pi.mt & kLruKindMask);
    lru_account(pi, +1);
    nodes_[static_cast<std::size_t>(all_zones_[pi.zone]->nid)].lru[kind_index(pi)].move_tail(page);
}

bool PageAllocator::on_lru(Pfn pfn) const {
    const PageIdx page = map_.pfn_to_page(pfn);
    return page != kNoPage && (map_.info(page).flags & PG_head) &&
           (map_.info(page).flags & PG_onlru);
}

// LRU invariants: every list member is an allocated head of this node with PG_onlru and the
// list's kind; per-zone and per-node sizes match the lists; no PG_onlru block is off-list
// (`flagged`: the PG_onlru heads check_invariants counted in its memmap walk).
void PageAllocator::check_lru_invariants(std::uint64_t flagged) const {
    std::uint64_t listed = 0;
    std::vector<std::array<std::uint64_t, kNrLruKinds>> per_zone(all_zones_.size());
    for (const NodeData& node : nodes_) {
        for (unsigned k = 0; k < kNrLruKinds; ++k) {
            std::uint64_t pages = 0;
            node.lru[k].for_each([&](PageIdx p) {
                const PageInfo& pi = map_.info(p);
                const std::string where = "LRU " + std::to_string(k) + " of node " +
                                          std::to_string(node.nid) + ": pfn " +
                                          std::to_string(map_.page_to_pfn(p));
                if (!(pi.flags & PG_head) || !(pi.flags & PG_onlru))
                    throw AllocatorError("invariant violated: " + where +
                                         " is not an allocated head flagged PG_onlru");
                if ((pi.mt & kLruKindMask) != k)
                    throw AllocatorError("invariant violated: " + where +
                                         " records another LRU kind");
                if (all_zones_[pi.zone]->nid != node.nid)
                    throw AllocatorError("invariant violated: " + where +
                                         " belongs to another node");
                pages += std::uint64_t{1} << pi.order;
                per_zone[pi.zone][k] += std::uint64_t{1} << pi.order;
                ++listed;
            });
            if (pages != node.nr_lru[k])
                throw AllocatorError("invariant violated: node " + std::to_string(node.nid) +
                                     " LRU " + std::to_string(k) + " holds " +
                                     std::to_string(pages) + " pages but nr_lru says " +
                                     std::to_string(node.nr_lru[k]));
        }
    }
    for (const Zone* z : all_zones_)
        if (per_zone[z->id] != z->nr_lru)
            throw AllocatorError("invariant violated: zone " + std::string(zone_name(z->type)) +
                                 " of node " + std::to_string(z->nid) +
                                 ": nr_lru disagrees with the lists");
    if (flagged != listed)
        throw AllocatorError("invariant violated: " + std::to_string(flagged) +
                             " blocks are flagged PG_onlru but the LRU lists hold " +
                             std::to_string(listed));
}

} // namespace pagesim
