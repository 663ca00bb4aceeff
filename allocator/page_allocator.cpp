// SPDX-License-Identifier: GPL-2.0-only
// Zonelists (build_zonelists, find_next_best_node: §6.3) and the per-block operations the
// simulator needs on allocated pages (owner, movability, pinning, split_page).
#include "allocator/page_allocator.h"

#include <climits>
#include <string>

namespace pagesim {

namespace {
constexpr int kPenaltyForNodeWithCpus = 1;
constexpr int kMaxNumNodes = 1024; // MAX_NUMNODES (NODES_SHIFT 10 on Debian x86_64)
} // namespace

// Models build_all_zonelists() → build_zonelists(): node order by distance with
// node_load round-robin, then each node's populated zones from the highest index down.
void PageAllocator::build_zonelists() {
    const std::size_t nn = nodes_.size();
    auto distance = [&](std::size_t a, std::size_t b) {
        if (a < layout_.distance.size() && b < layout_.distance[a].size())
            return layout_.distance[a][b];
        return a == b ? 10 : 20;
    };
    std::vector<int> node_load(nn, 0);
    for (std::size_t local = 0; local < nn; ++local) {
        std::vector<bool> used(nn, false);
        std::vector<std::size_t> order;
        std::size_t prev = local;
        while (true) {
            // find_next_best_node()
            std::size_t best = nn;
            if (!used[local]) {
                best = local;
            } else {
                int min_val = INT_MAX;
                for (std::size_t n = 0; n < nn; ++n) {
                    if (used[n] || nodes_[n].node_present_pages == 0) continue;
                    int val = distance(local, n) + (n < local ? 1 : 0);
                    if (!nodes_[n].cpus.empty()) val += kPenaltyForNodeWithCpus;
                    val = val * kMaxNumNodes + node_load[n];
                    if (val < min_val) {
                        min_val = val;
                        best = n;
                    }
                }
            }
            if (best == nn) break;
            used[best] = true;
            if (distance(local, best) != distance(local, prev)) node_load[best] += 1;
            order.push_back(best);
            prev = best;
        }
        NodeData& node = nodes_[local];
        node.zonelist_fallback.clear();
        node.zonelist_nofallback.clear();
        for (std::size_t n : order)
            for (auto it = nodes_[n].zones.rbegin(); it != nodes_[n].zones.rend(); ++it)
                if ((*it)->populated()) node.zonelist_fallback.push_back(*it);
        for (auto it = node.zones.rbegin(); it != node.zones.rend(); ++it)
            if ((*it)->populated()) node.zonelist_nofallback.push_back(*it);
    }
    // The preferred zone of every (node, highest_zoneidx) without a nodemask.
    preferred_zone_.assign(nn, {});
    for (std::size_t n = 0; n < nn; ++n)
        for (unsigned h = 0; h < kMaxNrZones; ++h)
            for (Zone* z : nodes_[n].zonelist_fallback)
                if (z->zone_idx <= h) {
                    preferred_zone_[n][h] = z;
                    break;
                }
}

Zone* PageAllocator::pfn_zone(Pfn pfn) const {
    const PageIdx p = map_.pfn_to_page(pfn);
    if (p == kNoPage) return nullptr;
    const std::uint8_t id = map_.info(p).zone;
    return id == PageInfo::kNoZone ? nullptr : all_zones_[id];
}

namespace {
PageIdx allocated_head(const PageMap& map, PageIdx page, Pfn pfn, const char* what) {
    if (page == kNoPage || !(map.info(page).flags & PG_head))
        throw AllocatorError(std::string(what) + ": pfn " + std::to_string(pfn) +
                             " is not the head of an allocated block");
    return page;
}
} // namespace

void PageAllocator::set_movable(Pfn pfn, bool movable) {
    PageInfo& pi = map_.info(allocated_head(map_, map_.pfn_to_page(pfn), pfn, "set_movable"));
    pi.flags = static_cast<std::uint8_t>(movable ? (pi.flags | PG_lru) : (pi.flags & ~PG_lru));
}

void PageAllocator::set_pinned(Pfn pfn, bool pinned) {
    PageInfo& pi = map_.info(allocated_head(map_, map_.pfn_to_page(pfn), pfn, "set_pinned"));
    pi.flags = static_cast<std::uint8_t>(pinned ? (pi.flags | PG_pinned) : (pi.flags & ~PG_pinned));
}

void PageAllocator::set_owner(Pfn pfn, std::uint32_t owner) {
    map_.info(allocated_head(map_, map_.pfn_to_page(pfn), pfn, "set_owner")).owner = owner;
}

// Models split_page(): each page of the block becomes its own order-0 allocation.
void PageAllocator::split_page(Pfn pfn, unsigned order) {
    const PageIdx head = allocated_head(map_, map_.pfn_to_page(pfn), pfn, "split_page");
    if (map_.info(head).order != order)
        throw AllocatorError("split_page: pfn " + std::to_string(pfn) + " has order " +
                             std::to_string(map_.info(head).order) + ", not " +
                             std::to_string(order));
    // A block on an LRU leaves it whole and each page rejoins the same list (pagesim's
    // choice: the kernel only splits non-LRU kernel allocations).
    const bool lru = map_.info(head).flags & PG_onlru;
    if (lru) lru_del_page(head);
    const PageInfo h = map_.info(head);
    for (PageIdx i = 0; i < (PageIdx{1} << order); ++i) {
        PageInfo& pi = map_.info(head + i);
        pi = h;
        pi.order = 0;
        if (lru) lru_add_page(head + i, static_cast<LruKind>(h.mt & kLruKindMask), false);
    }
    check_after_op();
}

} // namespace pagesim
