// SPDX-License-Identifier: GPL-2.0-only
// Migration (mm/migrate.c) and compaction's free-page side: __isolate_free_page (erratum
// E12), the free scanner (isolate_freepages), compaction_alloc, release_freepages, and
// migrate_pages with its NR_MAX_MIGRATE_PAGES_RETRY passes over busy blocks. A migrated
// block keeps its owner, movability and LRU membership; the owner is told through
// OwnerHooks::migrated and the source is freed through the ordinary free path.
#include "allocator/slowpath_internal.h"

#include <algorithm>

namespace pagesim {

using detail::CompactControl;

// Models __isolate_free_page(): the unboosted MIN + 2^order order-0 check (not for ISOLATE
// blocks), off the buddy lists, large blocks' mergeable pageblocks become MOVABLE; the pages
// become PG_isolated order-0 pages appended to `out` in ascending order.
std::uint64_t SlowPathModel::isolate_free_page(Zone& z, PageIdx page, unsigned order,
                                               std::vector<PageIdx>& out) {
    PageMap& map = pa_.page_map();
    const MigrateType bt = map.get_pageblock_migratetype(page);
    const auto listed = static_cast<MigrateType>(map.info(page).mt);
    const std::uint64_t n = std::uint64_t{1} << order;
    if (bt != MIGRATE_ISOLATE) {
        const std::uint64_t wm = z.watermark[WMARK_MIN] + n;
        if (!pa_.zone_watermark_ok(z, 0, wm, 0, ALLOC_CMA)) return 0;
        // Accounted by the list the block is on (the pageblock's type except for the rare
        // highatomic/pcp leftovers), so NR_FREE_CMA_PAGES stays equal to the CMA lists.
        pa_.mod_zone_freepage_state(z, -static_cast<std::int64_t>(n), listed);
    }
    pa_.del_page_from_free_list(z, page, order);
    if (order + 1 >= pa_.pageblock_order()) {
        for (PageIdx p = page; p < page + n; p += static_cast<PageIdx>(pa_.pageblock_nr_pages())) {
            const MigrateType mt = map.get_pageblock_migratetype(p);
            if (is_mergeable(mt)) pa_.set_pageblock_migratetype(p, MIGRATE_MOVABLE);
        }
    }
    for (PageIdx p = page; p < page + n; ++p) {
        PageInfo& pi = map.info(p);
        pi.flags = PG_isolated;
        pi.order = 0;
        out.push_back(p);
    }
    z.nr_isolated_pages += n;
    return n;
}

// Models isolate_freepages_block() (not strict): free blocks of [start, end) until enough
// targets are isolated; `start` returns where the scan stopped.
std::uint64_t SlowPathModel::isolate_freepages_block(CompactControl& cc, Pfn& start, Pfn end,
                                                     unsigned stride) {
    PageMap& map = pa_.page_map();
    Zone& z = *cc.zone;
    Pfn pfn = start;
    std::uint64_t nr_scanned = 0, total = 0;
    for (; pfn < end; pfn += stride) {
        nr_scanned++;
        const PageIdx page = map.pfn_to_page(pfn);
        if (page == kNoPage) continue;
        const PageInfo& pi = map.info(page);
        if (pi.zone != z.id) continue;
        if ((pi.flags & PG_head) && pi.order > 0) { // PageCompound
            pfn += (Pfn{1} << pi.order) - 1;
            continue;
        }
        if (!(pi.flags & PG_buddy)) continue;
        const std::uint64_t isolated = isolate_free_page(z, page, pi.order, cc.freepages);
        if (!isolated) break;
        nr_scanned += isolated - 1;
        total += isolated;
        if (cc.nr_migratepages <= cc.freepages.size()) {
            pfn += isolated;
            break;
        }
        pfn += isolated - 1;
    }
    if (pfn > end) pfn = end;
    start = pfn;
    add_cost(nr_scanned * cfg_.costs.compact_scan_ns);
    cc.total_free_scanned += nr_scanned;
    if (total) pa_.events()[COMPACTISOLATED] += total;
    return total;
}

// Models isolate_freepages(): the free scanner, downwards from free_pfn a pageblock at a
// time, above the migrate scanner's block, in MOVABLE/CMA blocks (any at SYNC_FULL).
void SlowPathModel::isolate_freepages(CompactControl& cc) {
    const std::uint64_t nr = pa_.pageblock_nr_pages();
    Zone& z = *cc.zone;
    Pfn isolate_start = cc.free_pfn;
    Pfn block_start = isolate_start & ~(nr - 1);
    Pfn block_end = std::min(block_start + nr, z.zone_end_pfn());
    const Pfn low_pfn = (cc.migrate_pfn | (nr - 1)) + 1;
    unsigned stride = cc.mode == MigrateMode::Async ? COMPACT_CLUSTER_MAX : 1;
    for (; block_start >= low_pfn;
         block_end = block_start, block_start -= nr, isolate_start = block_start) {
        const PageIdx page = pageblock_pfn_to_page(block_start, block_end, z);
        if (page == kNoPage) continue;
        if (!suitable_migration_target(cc, page)) continue;
        if (!cc.ignore_skip_hint && pa_.page_map().get_pageblock_skip(page)) continue;
        const std::uint64_t nr_isolated =
            isolate_freepages_block(cc, isolate_start, block_end, stride);
        if (isolate_start == block_end && !cc.no_set_skip_hint) { // update_pageblock_skip
            pa_.page_map().set_pageblock_skip(page, true);
            if (block_start < z.compact.cached_free_pfn) z.compact.cached_free_pfn = block_start;
        }
        if (cc.freepages.size() >= cc.nr_migratepages) {
            if (isolate_start >= block_end) isolate_start = block_start - nr;
            break;
        }
        if (isolate_start < block_end) break;
        if (nr_isolated) {
            stride = 1;
            continue;
        }
        stride = std::min<unsigned>(COMPACT_CLUSTER_MAX, stride << 1);
    }
    cc.free_pfn = isolate_start;
}

// Models compaction_alloc(): a migration target from the isolated free pages.
PageIdx SlowPathModel::compaction_alloc(CompactControl& cc) {
    if (cc.freepages.empty()) isolate_freepages(cc);
    if (cc.freepages.empty()) return kNoPage;
    const PageIdx p = cc.freepages.back();
    cc.freepages.pop_back();
    pa_.page_map().info(p).flags = 0;
    cc.zone->nr_isolated_pages--;
    return p;
}

// Models release_freepages(): unused targets go back one by one through the ordinary
// order-0 free (the pcp lists), and the free scanner's cached position only moves back.
void SlowPathModel::release_freepages(CompactControl& cc) {
    if (cc.freepages.empty()) return;
    PageMap& map = pa_.page_map();
    Pfn high = 0;
    for (auto it = cc.freepages.rbegin(); it != cc.freepages.rend(); ++it) {
        const PageIdx p = *it;
        const Pfn pfn = map.page_to_pfn(p);
        high = std::max(high, pfn);
        map.info(p).flags = 0;
        cc.zone->nr_isolated_pages--;
        if (pa_.tracer()) pa_.tracer()->mm_page_free(cc.cpu, pfn, 0);
        pa_.free_the_page_raw(p, 0, cc.cpu);
    }
    cc.freepages.clear();
    const Pfn free_pfn = high & ~(pa_.pageblock_nr_pages() - 1);
    if (free_pfn > cc.zone->compact.cached_free_pfn) cc.zone->compact.cached_free_pfn = free_pfn;
}

// The copy itself: the target becomes the block (owner, movability, LRU list position at
// the young end as folio_putback_lru leaves it), the owner is told, the source is freed.
void SlowPathModel::move_block(PageIdx src, PageIdx dst, unsigned cpu) {
    PageMap& map = pa_.page_map();
    PageInfo& s = map.info(src);
    PageInfo& d = map.info(dst);
    const unsigned order = s.order;
    const std::uint32_t owner = s.owner;
    d.flags = static_cast<std::uint8_t>(PG_head | (s.flags & PG_lru));
    d.order = static_cast<std::uint8_t>(order);
    d.owner = owner;
    const bool lru = s.flags & PG_onlru;
    const auto kind = static_cast<LruKind>(s.mt & kLruKindMask);
    const bool referenced = s.mt & kLruReferenced;
    hooks_.migrated(map.page_to_pfn(src), map.page_to_pfn(dst), order, owner);
    if (lru) {
        pa_.lru_del_page(src);
        pa_.lru_add_page(dst, kind, referenced);
    }
    pa_.free_page_block(src, order, cpu);
}

// Models migrate_pages(): up to NR_MAX_MIGRATE_PAGES_RETRY passes; Busy blocks are retried,
// Fail blocks and the still-busy ones after the last pass stay in `list`. Targets come from
// compaction's isolated pages (cc) or a fresh allocation on target_nid
// (alloc_migration_target). Returns false on -ENOMEM.
bool SlowPathModel::migrate_pages(std::vector<PageIdx>& list, CompactControl* cc, int target_nid,
                                  MigrateMode mode, detail::MigrateStats& st) {
    PageMap& map = pa_.page_map();
    std::vector<PageIdx> retry = std::move(list);
    std::vector<PageIdx> failed;
    bool enomem = false;
    const unsigned cpu = cc ? cc->cpu : agent_cpu(target_nid);
    for (unsigned pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && !retry.empty() && !enomem;
         ++pass) {
        std::vector<PageIdx> next;
        for (std::size_t i = 0; i < retry.size(); ++i) {
            const PageIdx src = retry[i];
            if (enomem) {
                next.push_back(src);
                continue;
            }
            const PageInfo& pi = map.info(src);
            const unsigned order = pi.order;
            const std::uint64_t n = std::uint64_t{1} << order;
            if (pi.flags & PG_pinned) { // migration of a pinned page fails (refcount)
                failed.push_back(src);
                continue;
            }
            const MigrateVerdict v =
                hooks_.may_migrate(map.page_to_pfn(src), order, pi.owner, mode);
            if (v == MigrateVerdict::Busy) {
                st.busy++;
                add_cost(cfg_.costs.migrate_retry_ns);
                next.push_back(src);
                continue;
            }
            if (v == MigrateVerdict::Fail) {
                failed.push_back(src);
                continue;
            }
            PageIdx dst = kNoPage;
            if (cc) {
                if (order == 0) dst = compaction_alloc(*cc);
            } else {
                const Zone& z = *pa_.zone_by_id(pi.zone);
                AllocRequest r;
                r.gfp = GFP_USER | gfp::kMovable | gfp::kRetryMayfail;
                if (z.type == ZONE_MOVABLE || z.is_highmem) r.gfp |= gfp::kHighmem;
                if (order > 0) r.gfp |= gfp::kComp;
                r.order = order;
                r.cpu = cpu;
                r.nid = target_nid;
                r.owner = pi.owner;
                const AllocResult res = pa_.alloc_pages(r);
                if (res) dst = map.pfn_to_page(res.pfn);
            }
            if (dst == kNoPage) {
                enomem = true;
                next.push_back(src);
                continue;
            }
            move_block(src, dst, cpu);
            add_cost(migrate_cost(order));
            st.succeeded += n;
            pa_.events()[PGMIGRATE_SUCCESS] += n;
        }
        retry = std::move(next);
    }
    for (PageIdx p : retry) failed.push_back(p);
    std::uint64_t failed_pages = 0;
    for (PageIdx p : failed) failed_pages += std::uint64_t{1} << map.info(p).order;
    st.failed += failed_pages;
    VmEvents& ev = pa_.events();
    ev[PGMIGRATE_FAIL] += failed_pages;
    list = std::move(failed);
    return !enomem;
}

} // namespace pagesim
