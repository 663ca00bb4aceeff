// SPDX-License-Identifier: GPL-2.0-only
// __alloc_pages_slowpath() in the 6.1.y step order (spec §7.1 with errata E4a, E4b, E4e):
// alloc flags from the gfp mask, kswapd wake-ups, the MIN-watermark retry, initial async
// compaction, reserves, direct reclaim, direct compaction, the retry decisions and the OOM
// killer, with __GFP_NORETRY / __GFP_RETRY_MAYFAIL / __GFP_NOFAIL semantics.
#include "allocator/slowpath_internal.h"

#include <string>

namespace pagesim {

std::string_view compact_result_name(CompactResult r) {
    switch (r) {
    case CompactResult::NotSuitableZone:
        return "not_suitable_zone";
    case CompactResult::Skipped:
        return "skipped";
    case CompactResult::Deferred:
        return "deferred";
    case CompactResult::NoSuitablePage:
        return "no_suitable_page";
    case CompactResult::Continue:
        return "continue";
    case CompactResult::Complete:
        return "complete";
    case CompactResult::PartialSkipped:
        return "partial_skipped";
    case CompactResult::Contended:
        return "contended";
    case CompactResult::Success:
        return "success";
    }
    return "?";
}

SlowPathModel::SlowPathModel(PageAllocator& pa, OwnerHooks& hooks, SlowPathConfig cfg)
    : pa_(pa), hooks_(hooks), cfg_(cfg), free_swap_(cfg.swap_pages),
      page_shift_(pa.kconfig().page_shift) {
    kswapd_.resize(pa.nodes().size());
    kcompactd_.resize(pa.nodes().size());
    // The kernel's cached scanner positions start out invalid and are reset on first use;
    // pagesim resets them up front (a zone at pfn 0 would otherwise look "met").
    for (Zone* z : pa.zones()) reset_cached_positions(*z);
    for (const CmaArea& a : pa.layout().cma) {
        CmaAreaState s;
        s.name = a.name;
        s.base_pfn = a.range.start;
        s.count = a.range.size();
        s.bitmap.assign(s.count, false);
        cma_.push_back(std::move(s));
    }
    pa.set_slowpath(this);
}

SlowPathModel::~SlowPathModel() {
    pa_.set_slowpath(nullptr);
}

void SlowPathModel::swap_free(std::uint64_t pages) {
    free_swap_ = std::min(cfg_.swap_pages, free_swap_ + pages);
}

unsigned SlowPathModel::agent_cpu(int nid) const {
    const NodeData& n = pa_.nodes()[static_cast<std::size_t>(nid)];
    return n.cpus.empty() ? 0 : n.cpus.front();
}

std::uint64_t SlowPathModel::migrate_cost(unsigned order) const {
    const double bytes = static_cast<double>(std::uint64_t{1} << (order + page_shift_));
    return cfg_.costs.migrate_fixed_ns +
           static_cast<std::uint64_t>(bytes * cfg_.costs.copy_ns_per_byte);
}

// Models gfp_to_alloc_flags() after the 6.1.y backports (erratum E4a).
AllocFlags SlowPathModel::gfp_to_alloc_flags(GfpFlags gfp, unsigned order,
                                             std::uint8_t task) const {
    AllocFlags flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
    if (gfp & gfp::kHigh) flags |= ALLOC_MIN_RESERVE;
    if (gfp & gfp::kKswapdReclaim) flags |= ALLOC_KSWAPD;
    if (!(gfp & gfp::kDirectReclaim)) {
        if (!(gfp & gfp::kNomemalloc)) {
            flags |= ALLOC_NON_BLOCK;
            if (order > 0 && (flags & ALLOC_MIN_RESERVE)) flags |= ALLOC_HIGHATOMIC;
        }
        if (flags & ALLOC_MIN_RESERVE) flags &= ~ALLOC_CPUSET;
    } else if (task & kTaskRealtime) {
        flags |= ALLOC_MIN_RESERVE;
    }
    if (pa_.cma_configured() && pa_.gfp_migratetype_of(gfp) == MIGRATE_MOVABLE) flags |= ALLOC_CMA;
    return flags;
}

// Models __gfp_pfmemalloc_flags() (task context, not an interrupt).
AllocFlags SlowPathModel::gfp_pfmemalloc_flags(GfpFlags gfp, std::uint8_t task) const {
    if (gfp & gfp::kNomemalloc) return 0;
    if (gfp & gfp::kMemalloc) return ALLOC_NO_WATERMARKS;
    if (task & kTaskMemalloc) return ALLOC_NO_WATERMARKS;
    if (task & kTaskOomVictim) return ALLOC_OOM;
    return 0;
}

// Models wake_all_kswapds(): one wakeup_kswapd per node of the eligible zonelist.
void SlowPathModel::wake_all_kswapds(unsigned order, GfpFlags gfp, const AllocContext& ac) {
    int last_nid = -1;
    for (Zone* z : *ac.zonelist) {
        if (z->zone_idx > ac.highest_zoneidx || !((ac.nodemask >> z->nid) & 1)) continue;
        if (!z->managed()) continue;
        if (z->nid != last_nid) {
            wakeup_kswapd(pa_, *z, gfp, order, ac.highest_zoneidx);
            last_nid = z->nid;
        }
    }
}

PageIdx SlowPathModel::freelist(const AllocRequest& req, GfpFlags gfp, AllocFlags flags,
                                const AllocContext& ac) {
    if (!ac.preferred_zone) return kNoPage;
    return pa_.get_page_from_freelist(gfp, req.order, flags, ac, req.cpu, nullptr);
}

// Models __alloc_pages_direct_reclaim(): reclaim, retry, and once more after giving back a
// highatomic block and draining every CPU's lists.
PageIdx SlowPathModel::direct_reclaim(const AllocRequest& req, AllocFlags flags,
                                      const AllocContext& ac, std::uint64_t& progress) {
    progress = try_to_free_pages(req, ac);
    if (!progress) return kNoPage;
    PageIdx page = freelist(req, req.gfp, flags, ac);
    if (page == kNoPage) {
        pa_.unreserve_highatomic_pageblock(ac, false);
        pa_.drain_all_pages();
        add_cost(cfg_.costs.drain_all_ns);
        page = freelist(req, req.gfp, flags, ac);
    }
    return page;
}

// Models __alloc_pages_direct_compact(): compact, take a captured block or retry the free
// lists; count compact_stall/success/fail.
PageIdx SlowPathModel::direct_compact(const AllocRequest& req, AllocFlags flags,
                                      const AllocContext& ac, int prio, CompactResult& result) {
    if (req.order == 0) return kNoPage;
    PageIdx page = kNoPage;
    result = try_to_compact_pages(req, flags, ac, prio, page);
    if (result == CompactResult::Skipped) return kNoPage;
    VmEvents& ev = pa_.events();
    ev[COMPACTSTALL]++;
    if (cur_) cur_->compaction_stalls++;
    if (page != kNoPage) {
        if (cur_) cur_->captured = true;
    } else {
        page = freelist(req, req.gfp, flags, ac);
    }
    if (page != kNoPage) {
        Zone& z = *pa_.zone_by_id(pa_.page_map().info(page).zone);
        z.compact.blockskip_flush = false;
        compaction_defer_reset(z, static_cast<int>(req.order), true);
        ev[COMPACTSUCCESS]++;
        return page;
    }
    ev[COMPACTFAIL]++;
    return kNoPage;
}

// Models should_reclaim_retry() (6.1.y, erratum E4b: give back the highatomic reserve
// whenever the answer would be "no").
bool SlowPathModel::should_reclaim_retry(const AllocRequest& req, const AllocContext& ac,
                                         AllocFlags flags, bool progress, int& no_progress_loops) {
    if (progress && req.order <= PAGE_ALLOC_COSTLY_ORDER)
        no_progress_loops = 0;
    else
        no_progress_loops++;
    if (no_progress_loops > MAX_RECLAIM_RETRIES)
        return pa_.unreserve_highatomic_pageblock(ac, true);
    for (Zone* z : *ac.zonelist) {
        if (z->zone_idx > ac.highest_zoneidx || !((ac.nodemask >> z->nid) & 1)) continue;
        const std::uint64_t reclaimable = pa_.zone_reclaimable_pages(*z, can_reclaim_anon());
        const auto available = static_cast<std::int64_t>(reclaimable) + z->free_pages();
        if (pa_.zone_watermark_ok_free(*z, req.order, z->wmark_pages(WMARK_MIN), ac.highest_zoneidx,
                                       flags, available))
            return true;
    }
    return pa_.unreserve_highatomic_pageblock(ac, true);
}

// Models compaction_zonelist_suitable(): would compaction run if reclaim freed a share of
// the reclaimable pages?
bool SlowPathModel::compaction_zonelist_suitable(const AllocContext& ac, unsigned order,
                                                 AllocFlags flags) const {
    for (Zone* z : *ac.zonelist) {
        if (z->zone_idx > ac.highest_zoneidx || !((ac.nodemask >> z->nid) & 1)) continue;
        std::int64_t available =
            static_cast<std::int64_t>(pa_.zone_reclaimable_pages(*z, can_reclaim_anon()) / order);
        available += z->free_pages();
        if (compaction_suitable_target(*z, static_cast<int>(order), flags, ac.highest_zoneidx,
                                       available) == CompactResult::Continue)
            return true;
    }
    return false;
}

// Models should_compact_retry(): retry while compaction makes progress, raise the priority
// when it failed or withdrew, give up at the most thorough priority.
bool SlowPathModel::should_compact_retry(const AllocContext& ac, unsigned order, AllocFlags flags,
                                         CompactResult result, int& prio, int& retries) {
    if (order == 0) return false;
    if (result == CompactResult::Success) retries++; // compaction_made_progress
    bool check_priority = false;
    if (result == CompactResult::Complete) { // compaction_failed
        check_priority = true;
    } else if (result == CompactResult::Skipped) { // compaction_needs_reclaim
        return compaction_zonelist_suitable(ac, order, flags);
    } else if (result == CompactResult::Deferred || result == CompactResult::Contended ||
               result == CompactResult::PartialSkipped) { // compaction_withdrawn
        check_priority = true;
    } else {
        int max_retries = MAX_COMPACT_RETRIES;
        if (order > PAGE_ALLOC_COSTLY_ORDER) max_retries /= 4;
        if (retries <= max_retries) return true;
        check_priority = true;
    }
    if (check_priority) {
        const int min_priority =
            order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
        if (prio > min_priority) {
            prio--;
            retries = 0;
            return true;
        }
    }
    return false;
}

// Models __alloc_pages_cpuset_fallback() (no cpusets in the model: one attempt).
PageIdx SlowPathModel::cpuset_fallback(const AllocRequest& req, AllocFlags flags,
                                       const AllocContext& ac) {
    return freelist(req, req.gfp, flags | ALLOC_CPUSET, ac);
}

// Models __alloc_pages_may_oom(): a last HIGH-watermark attempt, the cases where the OOM
// killer must not run, then out_of_memory().
PageIdx SlowPathModel::may_oom(const AllocRequest& req, const AllocContext& ac, bool& progress,
                               bool& no_victim) {
    progress = false;
    no_victim = false;
    const GfpFlags gfp = (req.gfp | gfp::kHardwall) & ~gfp::kDirectReclaim;
    PageIdx page = freelist(req, gfp, ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac);
    if (page != kNoPage) return page;
    if (req.order > PAGE_ALLOC_COSTLY_ORDER) return kNoPage;
    if (req.gfp & (gfp::kRetryMayfail | gfp::kThisnode)) return kNoPage;
    const int normal = pa_.layout().zone_index(ZONE_NORMAL);
    if (static_cast<int>(ac.highest_zoneidx) < normal) return kNoPage;
    const bool killed = out_of_memory(req, ac, no_victim);
    if (no_victim) return kNoPage;
    if (killed || (req.gfp & gfp::kNofail)) {
        progress = true;
        if (req.gfp & gfp::kNofail) page = cpuset_fallback(req, ALLOC_NO_WATERMARKS, ac);
    }
    return page;
}

// Models __alloc_pages_slowpath().
Pfn SlowPathModel::alloc_pages_slowpath(PageAllocator& pa, const AllocRequest& req,
                                        AllocContext& ac_in, AllocFailure& why) {
    ScopedNoChecks no_checks(pa);
    ++calls_;
    SlowPathReport rep;
    SlowPathReport* const outer = cur_;
    cur_ = &rep;
    const VmEvents& ev = pa.events();
    const std::uint64_t c0 = cost_ns_;
    const std::uint64_t scan0 = ev[PGSCAN_DIRECT], steal0 = ev[PGSTEAL_DIRECT];
    const std::uint64_t mig0 = ev[PGMIGRATE_SUCCESS];
    const std::uint64_t cs0 = ev[COMPACTMIGRATE_SCANNED] + ev[COMPACTFREE_SCANNED];

    const GfpFlags gfp = req.gfp;
    const unsigned order = req.order;
    const bool can_direct_reclaim = gfp & gfp::kDirectReclaim;
    const bool costly = order > PAGE_ALLOC_COSTLY_ORDER;
    const bool can_compact = gfp & gfp::kIo; // gfp_compaction_allowed(), erratum E4e
    AllocContext ac = ac_in;
    AllocFlags flags = gfp_to_alloc_flags(gfp, order, req.task_flags);
    int compact_priority = DEF_COMPACT_PRIORITY;
    CompactResult compact_result = CompactResult::Skipped;
    int compaction_retries = 0;
    int no_progress_loops = 0;
    std::uint64_t progress = 0;
    AllocFailure fail = why;
    PageIdx page = kNoPage;

    auto first_zone = [&] {
        ac.preferred_zone = nullptr;
        for (Zone* z : *ac.zonelist)
            if (z->zone_idx <= ac.highest_zoneidx && ((ac.nodemask >> z->nid) & 1)) {
                ac.preferred_zone = z;
                break;
            }
    };

    // The initial attempts: wake kswapd, MIN watermark, then async compaction for costly
    // or non-movable high-order requests.
    bool nopage = !ac.preferred_zone;
    if (nopage) fail = AllocFailure::NoZone;
    if (!nopage) {
        if (flags & ALLOC_KSWAPD) wake_all_kswapds(order, gfp, ac);
        page = freelist(req, gfp, flags, ac);
    }
    if (!nopage && page == kNoPage && can_direct_reclaim && can_compact &&
        (costly || (order > 0 && ac.migratetype != MIGRATE_MOVABLE)) &&
        !gfp_pfmemalloc_flags(gfp, req.task_flags)) {
        page = direct_compact(req, flags, ac, INIT_COMPACT_PRIORITY, compact_result);
        if (page == kNoPage && costly && (gfp & gfp::kNoretry)) {
            if (compact_result == CompactResult::Skipped ||
                compact_result == CompactResult::Deferred) {
                nopage = true;
                fail = AllocFailure::NoRetry;
            }
            compact_priority = INIT_COMPACT_PRIORITY;
        }
    }

    // With no eligible zone at all nothing can ever succeed: fail even for __GFP_NOFAIL
    // (the kernel would spin in its nopage loop).
    while (page == kNoPage && ac.preferred_zone) {
        if (!nopage) {
            // retry:
            if (++rep.loops > cfg_.max_loops) {
                fail = AllocFailure::Stuck; // no __GFP_NOFAIL loop: the guard is final
                break;
            }
            add_cost(cfg_.costs.retry_ns);
            if (flags & ALLOC_KSWAPD) wake_all_kswapds(order, gfp, ac);
            const AllocFlags reserve = gfp_pfmemalloc_flags(gfp, req.task_flags);
            if (reserve) {
                AllocFlags f = reserve;
                if (pa.cma_configured() && pa.gfp_migratetype_of(gfp) == MIGRATE_MOVABLE)
                    f |= ALLOC_CMA;
                flags = f | (flags & ALLOC_KSWAPD);
            }
            if (!(flags & ALLOC_CPUSET) || reserve) {
                ac.nodemask = kAllNodes;
                first_zone();
            }
            page = freelist(req, gfp, flags, ac);
            if (page != kNoPage) break;
            if (!can_direct_reclaim || (req.task_flags & kTaskMemalloc)) {
                fail = AllocFailure::NoReclaim;
                nopage = true;
            }
        }
        if (!nopage) {
            page = direct_reclaim(req, flags, ac, progress);
            if (page != kNoPage) break;
            page = direct_compact(req, flags, ac, compact_priority, compact_result);
            if (page != kNoPage) break;
            if (gfp & gfp::kNoretry) {
                fail = AllocFailure::NoRetry;
                nopage = true;
            } else if (costly && !(gfp & gfp::kRetryMayfail)) {
                fail = AllocFailure::Costly;
                nopage = true;
            }
        }
        if (!nopage) {
            if (should_reclaim_retry(req, ac, flags, progress > 0, no_progress_loops)) continue;
            if (progress > 0 && can_compact &&
                should_compact_retry(ac, order, flags, compact_result, compact_priority,
                                     compaction_retries))
                continue;
            bool oom_progress = false;
            bool no_victim = false;
            page = may_oom(req, ac, oom_progress, no_victim);
            if (page != kNoPage) break;
            if (no_victim) { // panic("System is deadlocked on memory")
                fail = AllocFailure::OomNoVictim;
                break;
            }
            fail = AllocFailure::RetriesExhausted;
            if ((req.task_flags & kTaskOomVictim) &&
                ((flags & ALLOC_OOM) || (gfp & gfp::kNomemalloc))) {
                nopage = true;
            } else if (oom_progress) {
                no_progress_loops = 0;
                continue;
            } else {
                nopage = true;
            }
        }
        // nopage: __GFP_NOFAIL never fails (unless it cannot reclaim at all).
        if ((gfp & gfp::kNofail) && can_direct_reclaim) {
            page = cpuset_fallback(req, ALLOC_MIN_RESERVE, ac);
            if (page != kNoPage) break;
            nopage = false;
            continue;
        }
        break;
    }

    Pfn pfn = kNoPfn;
    if (page != kNoPage) {
        pa.prep_new_page(page, order, gfp, req.owner);
        pfn = pa.page_map().page_to_pfn(page);
        fail = AllocFailure::None;
    }
    why = fail;
    rep.failure = fail;
    rep.warn = pfn == kNoPfn && !(gfp & gfp::kNowarn);
    rep.cost_ns = cost_ns_ - c0;
    rep.pages_scanned = ev[PGSCAN_DIRECT] - scan0;
    rep.pages_reclaimed = ev[PGSTEAL_DIRECT] - steal0;
    rep.pages_migrated = ev[PGMIGRATE_SUCCESS] - mig0;
    rep.compact_scanned = ev[COMPACTMIGRATE_SCANNED] + ev[COMPACTFREE_SCANNED] - cs0;
    rep.compact_result = compact_result;
    rep.compact_priority = compact_priority;
    rep.no_progress_loops = no_progress_loops;
    cur_ = outer;
    report_ = rep;
    return pfn;
}

} // namespace pagesim
