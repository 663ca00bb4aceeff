// SPDX-License-Identifier: GPL-2.0-only
// Contiguous allocation (mm/page_alloc.c, mm/page_isolation.c): alloc_contig_range isolates
// the pageblocks (MIGRATE_ISOLATE, move_freepages_block with NR_FREE_PAGES accounting),
// drains, migrates the movable pages away (retrying busy ones), checks that every page came
// back free, takes them and undoes the isolation; alloc_contig_pages scans zones for an
// aligned candidate range and never picks one that intersects a Designated Movable Block
// (spec dmb.md §1.6 item 7: DMB memory is for explicit alloc_contig_range calls only).
#include "allocator/slowpath_internal.h"

#include <algorithm>
#include <string>

namespace pagesim {

std::string_view contig_failure_name(ContigFailure f) {
    switch (f) {
    case ContigFailure::None:
        return "none";
    case ContigFailure::BadRange:
        return "bad range";
    case ContigFailure::Isolated:
        return "pageblock already isolated";
    case ContigFailure::Unmovable:
        return "unmovable page in range";
    case ContigFailure::MigrateFailed:
        return "migration failed (busy)";
    case ContigFailure::NotIsolated:
        return "page not freed (pinned or in use)";
    case ContigFailure::NoMemory:
        return "no memory for migration targets";
    case ContigFailure::NoRange:
        return "no suitable range";
    }
    return "?";
}

bool SlowPathModel::dmb_intersects(Pfn start, Pfn end) const {
    for (const PfnRange& d : pa_.layout().dmbs)
        if (d.start < end && start < d.end) return true;
    return false;
}

// Models has_unmovable_pages() on [start, end) within one pageblock: the pfn of the first
// page that cannot be made free, or kNoPfn.
Pfn SlowPathModel::has_unmovable_pages(const Zone& z, Pfn start, Pfn end, MigrateType mt) const {
    const PageMap& map = pa_.page_map();
    const PageIdx first = map.pfn_to_page(start);
    if (map.get_pageblock_migratetype(first) == MIGRATE_CMA)
        return mt == MIGRATE_CMA ? kNoPfn : start;
    for (Pfn pfn = start; pfn < end; ++pfn) {
        const PageIdx page = map.pfn_to_page(pfn);
        if (page == kNoPage) return pfn;
        const PageInfo& pi = map.info(page);
        if (pi.flags & PG_reserved) return pfn;
        if (z.type == ZONE_MOVABLE) continue;
        if (pi.flags & (PG_buddy | PG_pcp)) { // refcount 0
            pfn += (Pfn{1} << pi.order) - 1;
            continue;
        }
        if (pi.flags & PG_head) {
            if (!(pi.flags & PG_lru)) return pfn;
            pfn += (Pfn{1} << pi.order) - 1;
            continue;
        }
        if (pi.flags & PG_isolated) return pfn;
        // a tail page (refcount 0): its head was judged already
    }
    return kNoPfn;
}

// A free block larger than a pageblock is broken into pageblock-sized blocks (on their
// pageblocks' lists) before one of its pageblocks changes type (split_free_page).
void SlowPathModel::split_free_block_to_pageblocks(Zone& z, PageIdx block) {
    PageMap& map = pa_.page_map();
    for (unsigned o = pa_.pageblock_order() + 1; o < pa_.max_order(); ++o) {
        const PageIdx head = block & ~((PageIdx{1} << o) - 1);
        const PageInfo& hi = map.info(head);
        if (!(hi.flags & PG_buddy) || hi.order < o || hi.zone != z.id) continue;
        const unsigned order = hi.order;
        const auto listed = static_cast<MigrateType>(hi.mt);
        pa_.del_page_from_free_list(z, head, order);
        const auto nr = static_cast<PageIdx>(pa_.pageblock_nr_pages());
        for (PageIdx p = head; p < head + (PageIdx{1} << order); p += nr) {
            // Keep the list the block was on unless this pageblock is CMA or ISOLATE.
            const MigrateType bt = map.get_pageblock_migratetype(p);
            const MigrateType mt = bt == MIGRATE_CMA || bt == MIGRATE_ISOLATE ? bt : listed;
            pa_.add_to_free_list(z, p, pa_.pageblock_order(), mt, false);
        }
        return;
    }
}

// Models set_migratetype_isolate(): the pageblock becomes ISOLATE and its free pages leave
// NR_FREE_PAGES. Deliberate difference: isolating a HIGHATOMIC pageblock gives its
// reservation back (nr_reserved_highatomic -= pageblock). 6.1 leaves the counter stale, so
// that the zone keeps a phantom reserve for ever once alloc_contig_range has taken the
// block (undo_isolate_page_range retypes it to the caller's migratetype).
void SlowPathModel::set_migratetype_isolate(Zone& z, PageIdx block) {
    split_free_block_to_pageblocks(z, block);
    const MigrateType mt = pa_.page_map().get_pageblock_migratetype(block);
    if (mt == MIGRATE_HIGHATOMIC)
        z.nr_reserved_highatomic -= std::min(pa_.pageblock_nr_pages(), z.nr_reserved_highatomic);
    pa_.set_pageblock_migratetype(block, MIGRATE_ISOLATE);
    z.nr_isolate_pageblock++;
    const std::uint64_t nr = pa_.move_freepages_block(z, block, MIGRATE_ISOLATE, nullptr);
    pa_.mod_zone_freepage_state(z, -static_cast<std::int64_t>(nr), mt);
}

// Models unset_migratetype_isolate(): back to `mt`; a free block of at least pageblock order
// whose buddy is not isolated is taken out and freed again so that it can merge.
void SlowPathModel::unset_migratetype_isolate(Zone& z, PageIdx block, MigrateType mt) {
    PageMap& map = pa_.page_map();
    if (map.get_pageblock_migratetype(block) != MIGRATE_ISOLATE) return;
    const PageInfo& pi = map.info(block);
    bool isolated_page = false;
    unsigned order = 0;
    if ((pi.flags & PG_buddy) && pi.order >= pa_.pageblock_order() &&
        pi.order + 1u < pa_.max_order()) {
        order = pi.order;
        const PageIdx buddy = block ^ (PageIdx{1} << order);
        const PageInfo& bi = map.info(buddy);
        if ((bi.flags & PG_buddy) && bi.order == order && bi.zone == z.id &&
            map.get_pageblock_migratetype(buddy) != MIGRATE_ISOLATE) {
            pa_.del_page_from_free_list(z, block, order); // ISOLATE: no accounting
            isolated_page = true;
        }
    }
    if (!isolated_page) {
        const std::uint64_t nr = pa_.move_freepages_block(z, block, mt, nullptr);
        pa_.mod_zone_freepage_state(z, static_cast<std::int64_t>(nr), mt);
    }
    pa_.set_pageblock_migratetype(block, mt);
    if (isolated_page) pa_.free_one_page_locked(z, block, order, mt, FPI_NONE);
    z.nr_isolate_pageblock--;
}

// Models start_isolate_page_range(): every pageblock touching [start, end).
bool SlowPathModel::start_isolate_page_range(Zone& z, Pfn start, Pfn end, MigrateType mt,
                                             ContigResult& res) {
    const std::uint64_t nr = pa_.pageblock_nr_pages();
    const PageMap& map = pa_.page_map();
    const Pfn first = start & ~(nr - 1);
    for (Pfn pb = first; pb < end; pb += nr) {
        const PageIdx page = map.pfn_to_page(pb);
        bool fail = false;
        if (page == kNoPage || map.info(page).zone != z.id) {
            res.failure = ContigFailure::BadRange;
            res.failed_pfn = pb;
            fail = true;
        } else if (map.get_pageblock_migratetype(page) == MIGRATE_ISOLATE) {
            res.failure = ContigFailure::Isolated;
            res.failed_pfn = pb;
            fail = true;
        } else {
            const Pfn bad = has_unmovable_pages(z, std::max(pb, start), std::min(pb + nr, end), mt);
            add_cost((std::min(pb + nr, end) - std::max(pb, start)) * cfg_.costs.compact_scan_ns);
            if (bad != kNoPfn) {
                res.failure = ContigFailure::Unmovable;
                res.failed_pfn = bad;
                fail = true;
            }
        }
        if (fail) {
            for (Pfn u = first; u < pb; u += nr)
                unset_migratetype_isolate(z, map.pfn_to_page(u), mt);
            return false;
        }
        set_migratetype_isolate(z, page);
    }
    return true;
}

// Models undo_isolate_page_range().
void SlowPathModel::undo_isolate_page_range(Zone& z, Pfn start, Pfn end, MigrateType mt) {
    const std::uint64_t nr = pa_.pageblock_nr_pages();
    for (Pfn pb = start & ~(nr - 1); pb < end; pb += nr)
        unset_migratetype_isolate(z, pa_.page_map().pfn_to_page(pb), mt);
}

// Models __alloc_contig_migrate_range(): isolate up to COMPACT_CLUSTER_MAX movable pages at a
// time, drop clean page cache (reclaim_clean_pages_from_list), migrate the rest; a batch that
// keeps failing is retried 5 times before -EBUSY. Returns false only on -ENOMEM.
bool SlowPathModel::alloc_contig_migrate_range(Zone& z, Pfn start, Pfn end, GfpFlags gfp,
                                               ContigResult& res) {
    const std::uint64_t nrpb = pa_.pageblock_nr_pages();
    PageMap& map = pa_.page_map();
    detail::CompactControl cc;
    cc.zone = &z;
    cc.order = -1;
    cc.mode = MigrateMode::Sync;
    cc.ignore_skip_hint = true;
    cc.no_set_skip_hint = true;
    cc.gfp = gfp;
    cc.alloc_contig = true;
    cc.cpu = agent_cpu(z.nid);
    detail::MigrateStats st;
    Pfn pfn = start;
    unsigned tries = 0;
    bool busy = false;
    while (pfn < end || !cc.migratepages.empty()) {
        if (cc.migratepages.empty()) {
            cc.nr_migratepages = 0;
            // isolate_migratepages_range()
            while (pfn < end) {
                const Pfn block_start = std::max(pfn & ~(nrpb - 1), z.zone_start_pfn);
                const Pfn block_end = std::min((pfn | (nrpb - 1)) + 1, end);
                cc.migrate_pfn = block_end;
                if (pageblock_pfn_to_page(block_start, block_end, z) != kNoPage)
                    isolate_migratepages_block(cc, pfn, block_end);
                pfn = cc.migrate_pfn;
                if (cc.nr_migratepages >= COMPACT_CLUSTER_MAX) break;
            }
            tries = 0;
        } else if (++tries == 5) {
            busy = true;
            break;
        }
        // reclaim_clean_pages_from_list(): clean, unmapped page cache is dropped instead.
        std::vector<PageIdx> keep;
        const ReclaimContext ctx{LruKind::File, false, false, false, false};
        for (PageIdx p : cc.migratepages) {
            PageInfo& pi = map.info(p);
            if ((pi.flags & PG_onlru) && (pi.mt & kLruKindMask) == 0 &&
                hooks_.reclaim(map.page_to_pfn(p), pi.order, pi.owner, ctx) ==
                    ReclaimResult::Freed) {
                const std::uint64_t n = std::uint64_t{1} << pi.order;
                res.pages_reclaimed += n;
                add_cost(n * cfg_.costs.reclaim_free_ns);
                pa_.free_page_block(p, pi.order, cc.cpu);
                continue;
            }
            keep.push_back(p);
        }
        cc.migratepages = std::move(keep);
        const bool ok = migrate_pages(cc.migratepages, nullptr, z.nid, MigrateMode::Sync, st);
        res.pages_migrated += st.succeeded;
        res.migrate_busy += st.busy;
        st = {};
        if (!ok) {
            res.failure = ContigFailure::NoMemory;
            return false;
        }
    }
    if (busy) res.failure = ContigFailure::MigrateFailed;
    return true;
}

// Models test_pages_isolated(): every page of [start, end) is a free block in an isolated
// pageblock.
bool SlowPathModel::test_pages_isolated(Pfn start, Pfn end, Pfn& bad) const {
    const PageMap& map = pa_.page_map();
    const std::uint64_t nr = pa_.pageblock_nr_pages();
    for (Pfn pb = start & ~(nr - 1); pb < end; pb += nr)
        if (map.get_pageblock_migratetype(map.pfn_to_page(pb)) != MIGRATE_ISOLATE) {
            bad = pb;
            return false;
        }
    for (Pfn pfn = start; pfn < end;) {
        const PageInfo& pi = map.info(map.pfn_to_page(pfn));
        if (!(pi.flags & PG_buddy)) {
            bad = pfn;
            return false;
        }
        pfn += Pfn{1} << pi.order;
    }
    return true;
}

// Models alloc_contig_range().
ContigResult SlowPathModel::contig_range(Pfn start, Pfn end, MigrateType mt, GfpFlags gfp,
                                         std::uint32_t owner) {
    ContigResult res;
    const std::uint64_t c0 = cost_ns_;
    PageMap& map = pa_.page_map();
    Zone* zp = start < end ? pa_.pfn_zone(start) : nullptr;
    if (!zp || pa_.pfn_zone(end - 1) != zp) {
        res.failure = ContigFailure::BadRange;
        res.failed_pfn = start;
        return res;
    }
    Zone& z = *zp;
    if (!start_isolate_page_range(z, start, end, mt, res)) {
        res.cost_ns = cost_ns_ - c0;
        return res;
    }
    pa_.drain_all_pages(&z);
    add_cost(cfg_.costs.drain_all_ns);
    bool ok = alloc_contig_migrate_range(z, start, end, gfp, res);
    if (ok) {
        // The free block holding `start` may begin below it (outer_start).
        Pfn outer_start = start;
        for (unsigned order = 1;; ++order) {
            const PageInfo& pi = map.info(map.pfn_to_page(outer_start));
            if (pi.flags & PG_buddy) break;
            if (order >= pa_.max_order()) {
                outer_start = start;
                break;
            }
            outer_start &= ~((Pfn{1} << order) - 1);
            if (pa_.pfn_zone(outer_start) != zp) {
                outer_start = start;
                break;
            }
        }
        if (outer_start != start &&
            outer_start + (Pfn{1} << map.info(map.pfn_to_page(outer_start)).order) <= start)
            outer_start = start;
        Pfn bad = kNoPfn;
        if (!test_pages_isolated(outer_start, end, bad)) {
            if (res.failure == ContigFailure::None) res.failure = ContigFailure::NotIsolated;
            res.failed_pfn = bad;
            ok = false;
        } else {
            // isolate_freepages_range(): take every free block, then keep [start, end).
            std::vector<PageIdx> taken;
            Pfn pfn = outer_start;
            while (pfn < end) {
                const PageIdx page = map.pfn_to_page(pfn);
                const unsigned order = map.info(page).order;
                isolate_free_page(z, page, order, taken);
                pfn += Pfn{1} << order;
            }
            const Pfn outer_end = pfn;
            for (Pfn p = start; p < end; ++p) {
                PageInfo& pi = map.info(map.pfn_to_page(p));
                pi.flags = PG_head;
                pi.order = 0;
                pi.owner = owner;
            }
            z.nr_isolated_pages -= end - start;
            const unsigned cpu = agent_cpu(z.nid);
            for (Pfn p = outer_start; p < outer_end; ++p) { // free head and tail
                if (p == start) p = end;
                if (p >= outer_end) break;
                const PageIdx page = map.pfn_to_page(p);
                map.info(page).flags = 0;
                z.nr_isolated_pages--;
                pa_.free_the_page_raw(page, 0, cpu);
            }
            res.pfn = start;
            res.failure = ContigFailure::None;
        }
    }
    undo_isolate_page_range(z, start, end, mt);
    res.cost_ns = cost_ns_ - c0;
    return res;
}

ContigResult SlowPathModel::alloc_contig_range(Pfn start, Pfn end, MigrateType mt, GfpFlags gfp,
                                               std::uint32_t owner) {
    if (mt != MIGRATE_MOVABLE && mt != MIGRATE_CMA)
        throw AllocatorError("alloc_contig_range: migratetype must be MOVABLE or CMA");
    ScopedNoChecks no_checks(pa_);
    ContigResult res = contig_range(start, end, mt, gfp, owner);
    no_checks.release();
    after_op();
    return res;
}

void SlowPathModel::free_contig_pages(Pfn pfn, Pfn nr_pages) {
    PageMap& map = pa_.page_map();
    for (Pfn p = pfn; p < pfn + nr_pages; ++p) {
        const PageIdx page = map.pfn_to_page(p);
        if (page == kNoPage || !(map.info(page).flags & PG_head) || map.info(page).order != 0)
            throw AllocatorError("free_contig_range: pfn " + std::to_string(p) +
                                 " is not an allocated order-0 page");
        const Zone& z = *pa_.zone_by_id(map.info(page).zone);
        pa_.free_page_block(page, 0, agent_cpu(z.nid));
    }
}

// Models free_contig_range(): page by page through __free_page.
void SlowPathModel::free_contig_range(Pfn pfn, Pfn nr_pages) {
    ScopedNoChecks no_checks(pa_);
    free_contig_pages(pfn, nr_pages);
    no_checks.release();
    after_op();
}

// Models alloc_contig_pages(): in each eligible zone, aligned candidates of nr_pages whose
// pages are all present, unreserved and in the zone — and (DMB rule) outside every DMB.
ContigResult SlowPathModel::alloc_contig_pages(Pfn nr_pages, GfpFlags gfp, int nid,
                                               std::uint64_t nodemask, std::uint32_t owner) {
    ScopedNoChecks no_checks(pa_);
    const std::uint64_t c0 = cost_ns_;
    ContigResult res;
    res.failure = ContigFailure::NoRange;
    unsigned highest = 0;
    if (nr_pages == 0 || !pa_.gfp_zone(gfp, highest) || nid < 0 ||
        static_cast<std::size_t>(nid) >= pa_.nodes().size()) {
        no_checks.release();
        return res;
    }
    const NodeData& node = pa_.nodes()[static_cast<std::size_t>(nid)];
    const std::vector<Zone*>& zl =
        (gfp & gfp::kThisnode) ? node.zonelist_nofallback : node.zonelist_fallback;
    const PageMap& map = pa_.page_map();
    std::uint64_t migrated = 0, reclaimed = 0, busy = 0;
    for (Zone* z : zl) {
        if (z->zone_idx > highest || !((nodemask >> z->nid) & 1)) continue;
        Pfn pfn = (z->zone_start_pfn + nr_pages - 1) / nr_pages * nr_pages;
        for (; pfn >= z->zone_start_pfn && pfn + nr_pages - 1 < z->zone_end_pfn();
             pfn += nr_pages) {
            if (dmb_intersects(pfn, pfn + nr_pages)) continue;
            bool valid = true;
            Pfn scanned = 0;
            for (Pfn p = pfn; p < pfn + nr_pages && valid;
                 ++p, ++scanned) { // pfn_range_valid_contig
                const PageIdx page = map.pfn_to_page(p);
                valid = page != kNoPage && map.info(page).zone == z->id &&
                        !(map.info(page).flags & PG_reserved);
            }
            add_cost(scanned * cfg_.costs.compact_scan_ns);
            if (!valid) continue;
            res.ranges_tried++;
            ContigResult r = contig_range(pfn, pfn + nr_pages, MIGRATE_MOVABLE, gfp, owner);
            migrated += r.pages_migrated;
            reclaimed += r.pages_reclaimed;
            busy += r.migrate_busy;
            if (r) {
                res.pfn = r.pfn;
                res.failure = ContigFailure::None;
                res.failed_pfn = kNoPfn;
                break;
            }
            res.failure = r.failure;
            res.failed_pfn = r.failed_pfn;
        }
        if (res) break;
    }
    res.pages_migrated = migrated;
    res.pages_reclaimed = reclaimed;
    res.migrate_busy = busy;
    res.cost_ns = cost_ns_ - c0;
    no_checks.release();
    after_op();
    return res;
}

} // namespace pagesim
