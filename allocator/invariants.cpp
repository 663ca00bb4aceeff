// SPDX-License-Identifier: GPL-2.0-only
// check_invariants(): the structural invariants of spec §9, by walking every page and
// every list and recounting. O(pages + free blocks); run after every operation in dev
// builds and tests (PAGESIM_EXPENSIVE_CHECKS).
#include "allocator/free_area_ops.h"

#include <sstream>
#include <string>

namespace pagesim {

namespace {
[[noreturn]] void fail(const std::string& what) {
    throw AllocatorError("invariant violated: " + what);
}
} // namespace

void PageAllocator::check_invariants() const {
    const std::size_t nz = all_zones_.size();
    std::vector<std::uint64_t> accounted(nz, 0); // free + pcp + allocated + isolated pages
    std::vector<std::array<std::uint64_t, kMaxOrderLimit>> heads(nz);
    std::vector<std::uint64_t> isolated(nz, 0); // PG_isolated pages
    std::uint64_t onlru = 0;                    // allocated heads flagged PG_onlru
    auto pfn_str = [&](PageIdx p) { return "pfn " + std::to_string(map_.page_to_pfn(p)); };

    // 1, 2, 13: one walk over the memmap: every block aligned, whole, inside one zone.
    const auto n = static_cast<PageIdx>(map_.nr_pages());
    for (PageIdx p = 0; p < n;) {
        const PageInfo& pi = map_.info(p);
        const std::uint8_t kind =
            pi.flags & (PG_buddy | PG_pcp | PG_head | PG_reserved | PG_isolated);
        if (kind == PG_reserved || kind == PG_isolated) {
            if (kind == PG_isolated) {
                if (pi.zone == PageInfo::kNoZone) fail(pfn_str(p) + " is isolated but has no zone");
                accounted[pi.zone]++;
                isolated[pi.zone]++;
            }
            if (pi.flags & PG_onlru) fail(pfn_str(p) + " is on an LRU but not allocated");
            ++p;
            continue;
        }
        if (pi.flags & PG_onlru) {
            if (kind != PG_head) fail(pfn_str(p) + " is on an LRU but not an allocated head");
            ++onlru;
        }
        if (kind != PG_buddy && kind != PG_pcp && kind != PG_head) {
            if (pi.zone != PageInfo::kNoZone)
                fail(pfn_str(p) +
                     " is neither free, on a pcp list, allocated nor reserved "
                     "(flags " +
                     std::to_string(pi.flags) + ")");
            ++p;
            continue;
        }
        if (pi.order >= max_order_) fail(pfn_str(p) + " has order " + std::to_string(pi.order));
        const PageIdx size = PageIdx{1} << pi.order;
        if (p & (size - 1))
            fail(pfn_str(p) + " is not aligned to its order " + std::to_string(pi.order));
        if (pi.zone == PageInfo::kNoZone) fail(pfn_str(p) + " block has no zone");
        if (p + size > n) fail(pfn_str(p) + " block runs off the memmap");
        for (PageIdx t = 1; t < size; ++t) {
            const PageInfo& ti = map_.info(p + t);
            if (ti.flags != 0)
                fail(pfn_str(p + t) + " inside the block at " + pfn_str(p) + " has flags " +
                     std::to_string(ti.flags));
            if (ti.zone != pi.zone)
                fail("block at " + pfn_str(p) + " crosses into another zone at " + pfn_str(p + t));
        }
        const Zone& z = *all_zones_[pi.zone];
        const Pfn pfn = map_.page_to_pfn(p);
        if (!z.zone_spans_pfn(pfn) || !z.zone_spans_pfn(pfn + size - 1))
            fail("block at " + pfn_str(p) + " lies outside its zone's span");
        accounted[pi.zone] += size;
        if (kind == PG_buddy) {
            heads[pi.zone][pi.order]++;
            // 6: a free block over several pageblocks never mixes CMA or ISOLATE pageblocks
            // with other types. (HIGHATOMIC may appear: a page that sat on a pcp list while
            // its block was reserved merges with its cached MOVABLE type, as in the kernel.)
            if (pi.order > static_cast<int>(pageblock_order_)) {
                const MigrateType first = map_.get_pageblock_migratetype(p);
                for (PageIdx b = static_cast<PageIdx>(pageblock_nr_pages_); b < size;
                     b += static_cast<PageIdx>(pageblock_nr_pages_)) {
                    const MigrateType t = map_.get_pageblock_migratetype(p + b);
                    const bool special = t == MIGRATE_CMA || t == MIGRATE_ISOLATE ||
                                         first == MIGRATE_CMA || first == MIGRATE_ISOLATE;
                    if (t != first && special)
                        fail("free block at " + pfn_str(p) +
                             " merges a CMA/ISOLATE pageblock "
                             "with another type");
                }
            }
            // 5: no two free buddies below pageblock_order left unmerged (merging there does
            // not depend on types). At or above it a later type change — unreserving a
            // highatomic block, say — can leave mergeable buddies apart, as in the kernel.
            if (pi.order < pageblock_order_) {
                const PageIdx buddy = find_buddy_page(p, pi.order, pi.zone);
                if (buddy != kNoPage)
                    fail("free buddies " + pfn_str(p) + " and " + pfn_str(buddy) + " of order " +
                         std::to_string(pi.order) + " were not merged");
            }
        }
        p += size;
    }

    for (const Zone* zp : all_zones_) {
        const Zone& z = *zp;
        const std::string zn =
            "node " + std::to_string(z.nid) + " zone " + std::string(zone_name(z.type));
        // 3, 4, 7: the free lists against nr_free and the counters.
        std::int64_t free_pages = 0;
        std::int64_t free_cma = 0;
        for (unsigned o = 0; o < kMaxOrderLimit; ++o) {
            const FreeArea& area = z.free_area[o];
            std::uint64_t blocks = 0;
            for (unsigned mt = 0; mt < kMigrateTypes; ++mt) {
                area.free_list[mt].for_each([&](PageIdx p) {
                    const PageInfo& pi = map_.info(p);
                    if (!(pi.flags & PG_buddy) || pi.order != o || pi.zone != z.id)
                        fail(zn + ": " + pfn_str(p) + " on free_list[" + std::to_string(o) + "][" +
                             std::string(migratetype_name(static_cast<MigrateType>(mt))) +
                             "] is not a free block of that order in this zone");
                    if (pi.mt != mt)
                        fail(zn + ": " + pfn_str(p) + " records list type " +
                             std::to_string(pi.mt) + " but is on the " +
                             std::string(migratetype_name(static_cast<MigrateType>(mt))) + " list");
                    const MigrateType bt = map_.get_pageblock_migratetype(p);
                    if ((mt == MIGRATE_CMA || mt == MIGRATE_ISOLATE) && bt != mt)
                        fail(zn + ": " + pfn_str(p) + " on the " +
                             std::string(migratetype_name(static_cast<MigrateType>(mt))) +
                             " list lies in a " + std::string(migratetype_name(bt)) + " pageblock");
                    if (bt == MIGRATE_CMA && mt != MIGRATE_CMA && mt != MIGRATE_ISOLATE)
                        fail(zn + ": " + pfn_str(p) + " of a CMA pageblock is on a non-CMA list");
                    ++blocks;
                    if (mt != MIGRATE_ISOLATE) free_pages += std::int64_t{1} << o;
                    if (mt == MIGRATE_CMA) free_cma += std::int64_t{1} << o;
                });
            }
            for (unsigned mt = 0; mt < kMigrateTypes; ++mt)
                if (((z.nonempty[mt] >> o) & 1u) != (area.free_list[mt].empty() ? 0u : 1u))
                    fail(zn + ": nonempty bit of order " + std::to_string(o) + " type " +
                         std::to_string(mt) + " disagrees with its list");
            if (blocks != area.nr_free)
                fail(zn + ": order " + std::to_string(o) + " nr_free " +
                     std::to_string(area.nr_free) + " but lists hold " + std::to_string(blocks));
            if (blocks != heads[z.id][o])
                fail(zn + ": order " + std::to_string(o) + " has " +
                     std::to_string(heads[z.id][o]) + " free block heads but lists hold " +
                     std::to_string(blocks));
        }
        if (free_pages != z.vm_stat[NR_FREE_PAGES])
            fail(zn + ": NR_FREE_PAGES " + std::to_string(z.vm_stat[NR_FREE_PAGES]) +
                 " but the lists hold " + std::to_string(free_pages));
        if (free_cma != z.vm_stat[NR_FREE_CMA_PAGES])
            fail(zn + ": NR_FREE_CMA_PAGES " + std::to_string(z.vm_stat[NR_FREE_CMA_PAGES]) +
                 " but CMA lists hold " + std::to_string(free_cma));

        // 10: pcp counts and list membership.
        for (std::size_t cpu = 0; cpu < z.pcp.size(); ++cpu) {
            const PerCpuPages& pcp = z.pcp[cpu];
            int count = 0;
            for (unsigned pindex = 0; pindex < NR_PCP_LISTS; ++pindex) {
                const unsigned order = pindex_to_order(pindex);
                pcp.lists[pindex].for_each([&](PageIdx p) {
                    const PageInfo& pi = map_.info(p);
                    if (!(pi.flags & PG_pcp) || pi.order != order || pi.zone != z.id)
                        fail(zn + " cpu " + std::to_string(cpu) + ": " + pfn_str(p) +
                             " on pcp list " + std::to_string(pindex) +
                             " is not a pcp page of order " + std::to_string(order));
                    const auto cached = static_cast<MigrateType>(pi.mt);
                    const MigrateType listed = cached < MIGRATE_PCPTYPES ? cached : MIGRATE_MOVABLE;
                    if (order_to_pindex(listed, order) != pindex)
                        fail(zn + ": " + pfn_str(p) + " with cached type " +
                             std::string(migratetype_name(cached)) + " sits on pcp list " +
                             std::to_string(pindex));
                    if (map_.get_pageblock_migratetype(p) == MIGRATE_CMA && cached != MIGRATE_CMA)
                        fail(zn + ": CMA page " + pfn_str(p) +
                             " on a pcp list without its CMA type");
                    count += 1 << order;
                });
            }
            if (count != pcp.count)
                fail(zn + " cpu " + std::to_string(cpu) + ": pcp count " +
                     std::to_string(pcp.count) + " but lists hold " + std::to_string(count));
        }

        // 12 and the no-leak rule: every managed page is free, on a pcp list, allocated or
        // isolated.
        if (z.managed_pages > z.present_pages || z.present_pages > z.spanned_pages)
            fail(zn + ": managed <= present <= spanned does not hold");
        if (accounted[z.id] != z.managed_pages)
            fail(zn + ": " + std::to_string(accounted[z.id]) +
                 " pages are free, cached, allocated or isolated but managed is " +
                 std::to_string(z.managed_pages));

        // Isolation: PG_isolated pages and MIGRATE_ISOLATE pageblocks match their counters.
        if (isolated[z.id] != z.nr_isolated_pages)
            fail(zn + ": " + std::to_string(isolated[z.id]) +
                 " pages are PG_isolated but nr_isolated_pages is " +
                 std::to_string(z.nr_isolated_pages));
        if (z.capc) fail(zn + ": a compaction capture is still armed outside the slow path");

        // 9: highatomic reserve.
        if (z.nr_reserved_highatomic % pageblock_nr_pages_)
            fail(zn + ": nr_reserved_highatomic is not a multiple of a pageblock");
        if (z.nr_reserved_highatomic > z.managed_pages / 100 + 2 * pageblock_nr_pages_)
            fail(zn + ": nr_reserved_highatomic above its limit");
        std::uint64_t ha_blocks = 0;
        int iso_blocks = 0;
        for (Pfn pfn = z.zone_start_pfn & ~(pageblock_nr_pages_ - 1); pfn < z.zone_end_pfn();
             pfn += pageblock_nr_pages_) {
            const PageIdx p = map_.pfn_to_page(std::max(pfn, z.zone_start_pfn));
            if (p == kNoPage || map_.info(p).zone != z.id) continue;
            const MigrateType bt = map_.get_pageblock_migratetype(p);
            if (bt == MIGRATE_HIGHATOMIC) ha_blocks++;
            if (bt == MIGRATE_ISOLATE) iso_blocks++;
        }
        if (iso_blocks != z.nr_isolate_pageblock)
            fail(zn + ": " + std::to_string(iso_blocks) +
                 " ISOLATE pageblocks but nr_isolate_pageblock " +
                 std::to_string(z.nr_isolate_pageblock));
        if (ha_blocks * pageblock_nr_pages_ != z.nr_reserved_highatomic)
            fail(zn + ": " + std::to_string(ha_blocks) +
                 " HIGHATOMIC pageblocks but nr_reserved_highatomic " +
                 std::to_string(z.nr_reserved_highatomic));

        // 11: watermarks and lowmem_reserve.
        if (!(z.watermark[WMARK_MIN] <= z.watermark[WMARK_LOW] &&
              z.watermark[WMARK_LOW] <= z.watermark[WMARK_HIGH] &&
              z.watermark[WMARK_HIGH] <= z.watermark[WMARK_PROMO]))
            fail(zn + ": watermarks out of order");
        const std::uint64_t max_boost = std::max<std::uint64_t>(
            pageblock_nr_pages_, z.watermark[WMARK_HIGH] * sysctl_.watermark_boost_factor / 10000);
        if (z.watermark_boost > max_boost) fail(zn + ": watermark_boost above its cap");
        for (unsigned j = 0; j < kMaxNrZones; ++j) {
            if (j <= z.zone_idx && z.lowmem_reserve[j] != 0)
                fail(zn + ": lowmem_reserve[" + std::to_string(j) + "] must be 0");
            if (j > z.zone_idx + 1 && j < nodes_[static_cast<std::size_t>(z.nid)].zones.size() &&
                z.lowmem_reserve[j] < z.lowmem_reserve[j - 1])
                fail(zn + ": lowmem_reserve decreases");
        }
    }
    check_lru_invariants(onlru);
    if (slowpath_) slowpath_->check_invariants(*this);
}

} // namespace pagesim
