// SPDX-License-Identifier: GPL-2.0-only
// Compaction (mm/compaction.c, spec §7.3 with erratum E12): suitability and the
// fragmentation index, deferral, compact_zone with the migrate scanner rising from the zone
// start and the free scanner falling from its end (cached positions, pageblock skip hints),
// direct compaction with capture. The fast searches (fast_find_migrateblock,
// fast_isolate_freepages) are not modelled: both scanners are linear.
#include "allocator/proc_fs.h"
#include "allocator/slowpath_internal.h"

#include <algorithm>

namespace pagesim {

using detail::CompactControl;

namespace {
Pfn pageblock_start(Pfn pfn, std::uint64_t nr) {
    return pfn & ~(nr - 1);
}
Pfn pageblock_end(Pfn pfn, std::uint64_t nr) {
    return (pfn | (nr - 1)) + 1;
}
} // namespace

// Models __fragmentation_index() (order >= MAX_ORDER warns and answers 0); the formula is
// the one /sys/kernel/debug/extfrag/extfrag_index prints (proc_fs.cpp).
int SlowPathModel::fragmentation_index(const Zone& z, unsigned order) const {
    if (order >= pa_.max_order()) return 0;
    return pagesim::fragmentation_index(pa_, z, order);
}

// Models extfrag_for_order().
unsigned SlowPathModel::extfrag_for_order(const Zone& z, unsigned order) const {
    std::uint64_t free_pages = 0, suitable = 0;
    for (unsigned o = 0; o < pa_.max_order(); ++o) {
        const std::uint64_t blocks = z.free_area[o].nr_free;
        free_pages += blocks << o;
        if (o >= order) suitable += blocks << (o - order);
    }
    if (free_pages == 0) return 0;
    return static_cast<unsigned>((free_pages - (suitable << order)) * 100 / free_pages);
}

// Models fragmentation_score_node(): zones weighted by present pages.
unsigned SlowPathModel::fragmentation_score_node(int nid) const {
    const NodeData& node = pa_.nodes()[static_cast<std::size_t>(nid)];
    std::uint64_t score = 0;
    for (const Zone* z : node.zones) {
        if (!z->populated()) continue;
        score += z->present_pages * extfrag_for_order(*z, pa_.pageblock_order()) /
                 (node.node_present_pages + 1);
    }
    return static_cast<unsigned>(score);
}

// Models defer_compaction().
void SlowPathModel::defer_compaction(Zone& z, int order) {
    z.compact.considered = 0;
    z.compact.defer_shift++;
    if (order < z.compact.order_failed) z.compact.order_failed = order;
    if (z.compact.defer_shift > COMPACT_MAX_DEFER_SHIFT)
        z.compact.defer_shift = COMPACT_MAX_DEFER_SHIFT;
}

// Models compaction_deferred(): skip 2^defer_shift - 1 attempts at orders >= order_failed.
bool SlowPathModel::compaction_deferred(Zone& z, int order) {
    const unsigned limit = 1u << z.compact.defer_shift;
    if (order < z.compact.order_failed) return false;
    if (++z.compact.considered >= limit) {
        z.compact.considered = limit;
        return false;
    }
    return true;
}

// Models compaction_defer_reset().
void SlowPathModel::compaction_defer_reset(Zone& z, int order, bool alloc_success) {
    if (alloc_success) {
        z.compact.considered = 0;
        z.compact.defer_shift = 0;
    }
    if (order >= z.compact.order_failed) z.compact.order_failed = order + 1;
}

// Models compaction_restarting(): the deferral ran its full course.
bool SlowPathModel::compaction_restarting(const Zone& z, int order) const {
    if (order < z.compact.order_failed) return false;
    return z.compact.defer_shift == COMPACT_MAX_DEFER_SHIFT &&
           z.compact.considered >= (1u << z.compact.defer_shift);
}

// Models __compaction_suitable().
CompactResult SlowPathModel::compaction_suitable_target(const Zone& z, int order,
                                                        AllocFlags alloc_flags,
                                                        unsigned highest_zoneidx,
                                                        std::int64_t wmark_target) const {
    if (detail::is_via_compact_memory(order)) return CompactResult::Continue;
    const auto uorder = static_cast<unsigned>(order);
    if (pa_.zone_watermark_ok(z, uorder, z.wmark_pages(alloc_flags & ALLOC_WMARK_MASK),
                              highest_zoneidx, alloc_flags))
        return CompactResult::Success;
    std::uint64_t wm =
        uorder > PAGE_ALLOC_COSTLY_ORDER ? z.wmark_pages(WMARK_LOW) : z.wmark_pages(WMARK_MIN);
    wm += detail::compact_gap(uorder);
    if (!pa_.zone_watermark_ok_free(z, 0, wm, highest_zoneidx, ALLOC_CMA, wmark_target))
        return CompactResult::Skipped;
    return CompactResult::Continue;
}

// Models compaction_suitable(): plus the fragmentation-index test for costly orders.
CompactResult SlowPathModel::compaction_suitable(const Zone& z, int order, AllocFlags alloc_flags,
                                                 unsigned highest_zoneidx) const {
    CompactResult r =
        compaction_suitable_target(z, order, alloc_flags, highest_zoneidx, z.free_pages());
    if (r == CompactResult::Continue && order > static_cast<int>(PAGE_ALLOC_COSTLY_ORDER)) {
        const int fi = fragmentation_index(z, static_cast<unsigned>(order));
        if (fi >= 0 && fi <= static_cast<int>(pa_.sysctl().extfrag_threshold))
            r = CompactResult::Skipped; // NOT_SUITABLE_ZONE, reported as SKIPPED
    }
    return r;
}

// Models reset_cached_positions().
void SlowPathModel::reset_cached_positions(Zone& z) {
    z.compact.cached_migrate_pfn[0] = z.compact.cached_migrate_pfn[1] = z.zone_start_pfn;
    z.compact.init_migrate_pfn = z.zone_start_pfn;
    z.compact.cached_free_pfn =
        z.spanned_pages ? pageblock_start(z.zone_end_pfn() - 1, pa_.pageblock_nr_pages()) : 0;
}

// Models __reset_isolation_suitable(): clear every skip hint of the zone.
void SlowPathModel::reset_isolation_suitable_zone(Zone& z) {
    const std::uint64_t nr = pa_.pageblock_nr_pages();
    PageMap& map = pa_.page_map();
    std::uint64_t blocks = 0;
    for (Pfn pfn = pageblock_start(z.zone_start_pfn, nr); pfn < z.zone_end_pfn(); pfn += nr) {
        const PageIdx p = map.pfn_to_page(std::max(pfn, z.zone_start_pfn));
        if (p == kNoPage || map.info(p).zone != z.id) continue;
        map.set_pageblock_skip(p, false);
        ++blocks;
    }
    add_cost(blocks * cfg_.costs.skip_reset_ns);
    z.compact.blockskip_flush = false;
    reset_cached_positions(z);
}

// Models reset_isolation_suitable(): kswapd going to sleep clears the flagged zones.
void SlowPathModel::reset_isolation_suitable(int nid) {
    for (Zone* z : pa_.node(nid).zones)
        if (z->populated() && z->compact.blockskip_flush) reset_isolation_suitable_zone(*z);
}

// Models pageblock_pfn_to_page(): on a zone that is not contiguous, each pageblock costs the
// pfn_valid/page_zone checks of __pageblock_pfn_to_page and may belong to another zone.
PageIdx SlowPathModel::pageblock_pfn_to_page(Pfn start, Pfn end, const Zone& z) {
    const PageMap& map = pa_.page_map();
    if (z.contiguous) return map.pfn_to_page(start);
    add_cost(cfg_.costs.noncontig_pageblock_ns);
    const PageIdx s = map.pfn_to_page(start);
    const PageIdx e = map.pfn_to_page(end - 1);
    if (s == kNoPage || e == kNoPage) return kNoPage;
    if (map.info(s).zone != z.id || map.info(e).zone != z.id) return kNoPage;
    return s;
}

// Models suitable_migration_source().
bool SlowPathModel::suitable_migration_source(const CompactControl& cc, PageIdx page) const {
    const PageInfo& pi = pa_.page_map().info(page);
    if ((pi.flags & PG_head) && pi.order >= pa_.pageblock_order()) return false; // persistent
    if (cc.mode != MigrateMode::Async || !cc.direct_compaction) return true;
    const MigrateType bt = pa_.page_map().get_pageblock_migratetype(page);
    if (cc.migratetype == MIGRATE_MOVABLE) return bt == MIGRATE_MOVABLE || bt == MIGRATE_CMA;
    return bt == cc.migratetype;
}

// Models suitable_migration_target().
bool SlowPathModel::suitable_migration_target(const CompactControl& cc, PageIdx page) const {
    const PageInfo& pi = pa_.page_map().info(page);
    if ((pi.flags & PG_buddy) && pi.order >= pa_.pageblock_order()) return false;
    if (cc.ignore_block_suitable) return true;
    const MigrateType bt = pa_.page_map().get_pageblock_migratetype(page);
    return bt == MIGRATE_MOVABLE || bt == MIGRATE_CMA;
}

// Models update_cached_migrate().
void SlowPathModel::update_cached_migrate(CompactControl& cc, Pfn pfn) {
    pfn = pageblock_end(pfn, pa_.pageblock_nr_pages());
    if (cc.no_set_skip_hint) return;
    CompactState& cs = cc.zone->compact;
    if (pfn > cs.cached_migrate_pfn[0]) cs.cached_migrate_pfn[0] = pfn;
    if (cc.mode != MigrateMode::Async && pfn > cs.cached_migrate_pfn[1])
        cs.cached_migrate_pfn[1] = pfn;
}

// Models isolate_migratepages_block(): isolate movable, unpinned, order-0 LRU blocks (any
// order for alloc_contig) of [low, end) up to COMPACT_CLUSTER_MAX pages.
void SlowPathModel::isolate_migratepages_block(CompactControl& cc, Pfn low, Pfn end) {
    PageMap& map = pa_.page_map();
    const Zone& z = *cc.zone;
    const bool skip_on_failure = cc.direct_compaction && cc.mode == MigrateMode::Async;
    const int order = cc.order;
    auto block_end_order = [&](Pfn pfn) {
        const Pfn n = order > 0 ? Pfn{1} << order : 1;
        return (pfn | (n - 1)) + 1;
    };
    Pfn next_skip = skip_on_failure ? block_end_order(low) : 0;
    std::uint64_t nr_scanned = 0, nr_isolated = 0;
    PageIdx valid_page = kNoPage;
    for (; low < end; ++low) {
        if (skip_on_failure && low >= next_skip) {
            if (nr_isolated) break;
            next_skip = block_end_order(low);
        }
        nr_scanned++;
        const PageIdx page = map.pfn_to_page(low);
        if (page == kNoPage) continue;
        const PageInfo& pi = map.info(page);
        bool isolated = false;
        if (valid_page == kNoPage && (low & (pa_.pageblock_nr_pages() - 1)) == 0) {
            if (!cc.ignore_skip_hint && map.get_pageblock_skip(page)) {
                low = end;
                break;
            }
            valid_page = page;
        }
        if (pi.zone != z.id) {
            // another zone's page inside the span: not ours to move
        } else if (pi.flags & PG_buddy) {
            low += (Pfn{1} << pi.order) - 1;
            continue;
        } else if (pi.flags & PG_head) {
            const Pfn n = Pfn{1} << pi.order;
            const bool file = (pi.flags & PG_onlru) && (pi.mt & kLruKindMask) == 0;
            if (pi.order > 0 && !cc.alloc_contig) {
                low += n - 1; // compound pages are not compacted
            } else if ((pi.flags & PG_lru) && !(pi.flags & PG_pinned) &&
                       !(file && !(cc.gfp & gfp::kFs))) {
                cc.migratepages.push_back(page);
                cc.nr_migratepages += n;
                nr_isolated += n;
                nr_scanned += n - 1;
                low += n - 1;
                isolated = true;
                if (cc.nr_migratepages >= COMPACT_CLUSTER_MAX && !cc.rescan) {
                    ++low;
                    break;
                }
            } else {
                low += n - 1;
            }
        } else if (pi.flags & PG_pcp) {
            low += (Pfn{1} << pi.order) - 1;
        }
        if (isolated || !skip_on_failure) continue;
        // isolate_fail with skip_on_failure: give back this order-aligned block's pages.
        if (nr_isolated) { // putback_movable_pages(): sources are only remembered
            cc.migratepages.clear();
            cc.nr_migratepages = 0;
            nr_isolated = 0;
        }
        if (low + 1 < next_skip) {
            low = next_skip - 1;
            next_skip += order > 0 ? Pfn{1} << order : 1;
        }
    }
    if (low > end) low = end;
    if (low == end && (!nr_isolated || cc.rescan)) {
        if (valid_page != kNoPage && !cc.no_set_skip_hint) map.set_pageblock_skip(valid_page, true);
        update_cached_migrate(cc, low);
    }
    add_cost(nr_scanned * cfg_.costs.compact_scan_ns);
    cc.total_migrate_scanned += nr_scanned;
    if (nr_isolated) pa_.events()[COMPACTISOLATED] += nr_isolated;
    cc.migrate_pfn = low;
}

// Models isolate_migratepages(): the next suitable pageblock below the free scanner.
// Returns true if something was isolated (ISOLATE_SUCCESS).
bool SlowPathModel::isolate_migratepages(CompactControl& cc) {
    const std::uint64_t nr = pa_.pageblock_nr_pages();
    Pfn low = cc.migrate_pfn;
    Pfn block_start = std::max(pageblock_start(low, nr), cc.zone->zone_start_pfn);
    Pfn block_end = pageblock_end(low, nr);
    for (; block_end <= cc.free_pfn;
         cc.migrate_pfn = low = block_end, block_start = block_end, block_end += nr) {
        const PageIdx page = pageblock_pfn_to_page(block_start, block_end, *cc.zone);
        if (page == kNoPage) continue;
        if ((low & (nr - 1)) == 0 && !cc.ignore_skip_hint &&
            pa_.page_map().get_pageblock_skip(page))
            continue;
        if (!suitable_migration_source(cc, page)) {
            update_cached_migrate(cc, block_end);
            continue;
        }
        isolate_migratepages_block(cc, low, block_end);
        break;
    }
    return cc.nr_migratepages > 0;
}

// Models __compact_finished() + compact_finished().
CompactResult SlowPathModel::compact_finished(CompactControl& cc) {
    const std::uint64_t nr = pa_.pageblock_nr_pages();
    Zone& z = *cc.zone;
    if ((cc.free_pfn >> pa_.pageblock_order()) <= (cc.migrate_pfn >> pa_.pageblock_order())) {
        reset_cached_positions(z);
        if (cc.direct_compaction) z.compact.blockskip_flush = true;
        return cc.whole_zone ? CompactResult::Complete : CompactResult::PartialSkipped;
    }
    if (cc.proactive) {
        if (kswapd_runnable(z.nid)) return CompactResult::PartialSkipped;
        const unsigned score = extfrag_for_order(z, pa_.pageblock_order());
        const unsigned wmark_low =
            std::max(100u - std::min(100u, pa_.sysctl().compaction_proactiveness), 5u);
        return score > wmark_low ? CompactResult::Continue : CompactResult::Success;
    }
    if (detail::is_via_compact_memory(cc.order)) return CompactResult::Continue;
    if (cc.migrate_pfn & (nr - 1)) return CompactResult::Continue;
    for (auto o = static_cast<unsigned>(cc.order); o < pa_.max_order(); ++o) {
        if (z.nonempty[cc.migratetype] & (1u << o)) return CompactResult::Success;
        if (cc.migratetype == MIGRATE_MOVABLE && (z.nonempty[MIGRATE_CMA] & (1u << o)))
            return CompactResult::Success;
        bool can_steal = false;
        if (pa_.find_suitable_fallback(z, o, cc.migratetype, true, can_steal) != -1)
            return CompactResult::Success;
    }
    return CompactResult::Continue; // NO_SUITABLE_PAGE becomes CONTINUE
}

// Models compact_zone(): run both scanners until they meet or a suitable page appears.
CompactResult SlowPathModel::compact_zone(CompactControl& cc, CaptureControl* capc) {
    Zone& z = *cc.zone;
    const std::uint64_t nr = pa_.pageblock_nr_pages();
    const Pfn start_pfn = z.zone_start_pfn;
    const Pfn end_pfn = z.zone_end_pfn();
    const bool sync = cc.mode != MigrateMode::Async;
    cc.migratetype = pa_.gfp_migratetype_of(cc.gfp);
    CompactResult ret = compaction_suitable(z, cc.order, cc.alloc_flags, cc.highest_zoneidx);
    if (ret == CompactResult::Success || ret == CompactResult::Skipped) return ret;
    if (!detail::is_via_compact_memory(cc.order) && compaction_restarting(z, cc.order))
        reset_isolation_suitable_zone(z);

    if (cc.whole_zone) {
        cc.migrate_pfn = start_pfn;
        cc.free_pfn = pageblock_start(end_pfn - 1, nr);
    } else {
        cc.migrate_pfn = z.compact.cached_migrate_pfn[sync ? 1 : 0];
        cc.free_pfn = z.compact.cached_free_pfn;
        if (cc.free_pfn < start_pfn || cc.free_pfn >= end_pfn) {
            cc.free_pfn = pageblock_start(end_pfn - 1, nr);
            z.compact.cached_free_pfn = cc.free_pfn;
        }
        if (cc.migrate_pfn < start_pfn || cc.migrate_pfn >= end_pfn) {
            cc.migrate_pfn = start_pfn;
            z.compact.cached_migrate_pfn[0] = z.compact.cached_migrate_pfn[1] = start_pfn;
        }
        if (cc.migrate_pfn <= z.compact.init_migrate_pfn) cc.whole_zone = true;
    }
    Pfn last_migrated_pfn = 0;
    bool update_cached =
        !sync && z.compact.cached_migrate_pfn[0] == z.compact.cached_migrate_pfn[1];
    detail::MigrateStats st;

    while ((ret = compact_finished(cc)) == CompactResult::Continue) {
        const Pfn iteration_start = cc.migrate_pfn;
        cc.rescan = pageblock_start(last_migrated_pfn, nr) == pageblock_start(iteration_start, nr);
        if (!isolate_migratepages(cc)) {
            if (update_cached) z.compact.cached_migrate_pfn[1] = z.compact.cached_migrate_pfn[0];
        } else {
            update_cached = false;
            last_migrated_pfn = iteration_start;
            const bool ok = migrate_pages(cc.migratepages, &cc, z.nid, cc.mode, st);
            const bool failed = !cc.migratepages.empty();
            cc.migratepages.clear(); // putback_movable_pages(): failures stay where they are
            cc.nr_migratepages = 0;
            if (!ok && !((cc.free_pfn >> pa_.pageblock_order()) <=
                         (cc.migrate_pfn >> pa_.pageblock_order()))) {
                ret = CompactResult::Contended;
                break;
            }
            if (failed && cc.direct_compaction && cc.mode == MigrateMode::Async && cc.order > 0) {
                const Pfn n = Pfn{1} << cc.order;
                cc.migrate_pfn = ((cc.migrate_pfn - 1) | (n - 1)) + 1;
                last_migrated_pfn = 0;
            }
        }
        // check_drain: flush this CPU's freed pages once the scanner left the block.
        if (cc.order > 0 && last_migrated_pfn) {
            const Pfn n = Pfn{1} << cc.order;
            if (last_migrated_pfn < (cc.migrate_pfn & ~(n - 1))) {
                pa_.drain_pages(cc.cpu, &z);
                last_migrated_pfn = 0;
            }
        }
        if (capc && capc->page != kNoPage) {
            ret = CompactResult::Success;
            break;
        }
    }
    release_freepages(cc);
    VmEvents& ev = pa_.events();
    ev[COMPACTMIGRATE_SCANNED] += cc.total_migrate_scanned;
    ev[COMPACTFREE_SCANNED] += cc.total_free_scanned;
    return ret;
}

// Models compact_zone_order(): one zone for a direct compactor, with capture armed.
CompactResult SlowPathModel::compact_zone_order(Zone& z, const AllocRequest& req, AllocFlags flags,
                                                unsigned highest_zoneidx, int prio,
                                                PageIdx& capture) {
    CompactControl cc;
    cc.zone = &z;
    cc.order = static_cast<int>(req.order);
    cc.gfp = req.gfp;
    cc.mode = prio == COMPACT_PRIO_ASYNC ? MigrateMode::Async : MigrateMode::SyncLight;
    cc.alloc_flags = flags;
    cc.highest_zoneidx = highest_zoneidx;
    cc.direct_compaction = true;
    cc.whole_zone = cc.ignore_skip_hint = cc.ignore_block_suitable = prio == MIN_COMPACT_PRIORITY;
    cc.cpu = req.cpu;
    CaptureControl capc;
    capc.order = req.order;
    const bool arm = !(req.task_flags & kTaskKthread);
    if (arm) z.capc = &capc;
    CompactResult ret = compact_zone(cc, arm ? &capc : nullptr);
    z.capc = nullptr;
    capture = capc.page;
    if (capture != kNoPage) ret = CompactResult::Success;
    return ret;
}

// Models try_to_compact_pages(): every eligible zone not deferred, stopping at success;
// sync attempts that complete or partially skip defer the zone.
CompactResult SlowPathModel::try_to_compact_pages(const AllocRequest& req, AllocFlags flags,
                                                  const AllocContext& ac, int prio,
                                                  PageIdx& capture) {
    if (!(req.gfp & gfp::kIo)) return CompactResult::Skipped;
    CompactResult rc = CompactResult::Skipped;
    const int order = static_cast<int>(req.order);
    for (Zone* z : *ac.zonelist) {
        if (z->zone_idx > ac.highest_zoneidx || !((ac.nodemask >> z->nid) & 1)) continue;
        if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(*z, order)) {
            rc = std::max(rc, CompactResult::Deferred);
            continue;
        }
        const CompactResult status =
            compact_zone_order(*z, req, flags, ac.highest_zoneidx, prio, capture);
        rc = std::max(rc, status);
        if (status == CompactResult::Success) {
            compaction_defer_reset(*z, order, false);
            break;
        }
        if (prio != COMPACT_PRIO_ASYNC &&
            (status == CompactResult::Complete || status == CompactResult::PartialSkipped))
            defer_compaction(*z, order);
    }
    return rc;
}

// Manual compaction (compact_node → compact_zone with order -1, MIGRATE_SYNC).
std::uint64_t SlowPathModel::compact_zone_manual(Zone& z) {
    ScopedNoChecks no_checks(pa_);
    const std::uint64_t c0 = cost_ns_;
    if (z.populated()) {
        CompactControl cc;
        cc.zone = &z;
        cc.order = -1;
        cc.mode = MigrateMode::Sync;
        cc.ignore_skip_hint = true;
        cc.whole_zone = true;
        cc.gfp = GFP_KERNEL;
        cc.cpu = agent_cpu(z.nid);
        compact_zone(cc, nullptr);
    }
    no_checks.release();
    after_op();
    return cost_ns_ - c0;
}

} // namespace pagesim
