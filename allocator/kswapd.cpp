// SPDX-License-Identifier: GPL-2.0-only
// kswapd (mm/vmscan.c, spec §7.2 with erratum E11) as a step function: wakeup_kswapd,
// pgdat_balanced, balance_pgdat one priority round per step (boosted reclaim without
// writeback or swap, abandoned when the node is unbalanced), ZONE_RECLAIM_ACTIVE while it
// runs, kswapd_failures, and kswapd_try_to_sleep's short nap before a full sleep.
#include "allocator/slowpath_internal.h"

#include <algorithm>

namespace pagesim {

// Models pgdat_balanced(): bottom-up, any managed zone up to highest_zoneidx at its high
// watermark (with boost) for `order`; a node without such zones needs no balancing.
bool SlowPathModel::pgdat_balanced(int nid, unsigned order, unsigned highest_zoneidx) const {
    bool any = false;
    for (const Zone* z : pa_.nodes()[static_cast<std::size_t>(nid)].zones) {
        if (z->zone_idx > highest_zoneidx) break;
        if (!z->managed()) continue;
        any = true;
        if (pa_.zone_watermark_ok(*z, order, z->wmark_pages(WMARK_HIGH), highest_zoneidx, 0))
            return true;
    }
    return !any;
}

// Models pgdat_watermark_boosted().
bool SlowPathModel::pgdat_watermark_boosted(int nid, unsigned highest_zoneidx) const {
    for (const Zone* z : pa_.nodes()[static_cast<std::size_t>(nid)].zones)
        if (z->zone_idx <= highest_zoneidx && z->managed() && z->watermark_boost) return true;
    return false;
}

// Models wakeup_kswapd(): record the order and class zone; wake a sleeping kswapd unless
// the node is hopeless or balanced and unboosted (then maybe kcompactd instead).
void SlowPathModel::wakeup_kswapd(PageAllocator& /*pa*/, Zone& zone, GfpFlags gfp, unsigned order,
                                  unsigned highest_zoneidx) {
    if (!zone.managed()) return;
    KswapdState& s = kswapd_[static_cast<std::size_t>(zone.nid)];
    if (s.kswapd_highest_zoneidx < 0 ||
        s.kswapd_highest_zoneidx < static_cast<int>(highest_zoneidx))
        s.kswapd_highest_zoneidx = static_cast<int>(highest_zoneidx);
    if (s.kswapd_order < order) s.kswapd_order = order;
    if (s.phase != KswapdState::Phase::Sleeping && s.phase != KswapdState::Phase::Napping)
        return; // !waitqueue_active
    const NodeData& node = pa_.nodes()[static_cast<std::size_t>(zone.nid)];
    if (node.kswapd_failures >= MAX_RECLAIM_RETRIES ||
        (pgdat_balanced(zone.nid, order, highest_zoneidx) &&
         !pgdat_watermark_boosted(zone.nid, highest_zoneidx))) {
        if (!(gfp & gfp::kDirectReclaim)) wakeup_kcompactd(zone.nid, order, highest_zoneidx);
        return;
    }
    if (s.phase == KswapdState::Phase::Sleeping)
        s.phase = KswapdState::Phase::Woken;
    else
        s.woken_during_nap = true;
    if (listener_) listener_->kswapd_wake(zone.nid);
}

bool SlowPathModel::kswapd_runnable(int nid) const {
    return kswapd_[static_cast<std::size_t>(nid)].phase != KswapdState::Phase::Sleeping;
}

bool SlowPathModel::kswapd_napping(int nid) const {
    return kswapd_[static_cast<std::size_t>(nid)].phase == KswapdState::Phase::Napping;
}

// Models prepare_kswapd_sleep(): a hopeless node or a balanced one may sleep.
bool SlowPathModel::prepare_kswapd_sleep(int nid, unsigned order, unsigned highest) const {
    if (pa_.nodes()[static_cast<std::size_t>(nid)].kswapd_failures >= MAX_RECLAIM_RETRIES)
        return true;
    return pgdat_balanced(nid, order, highest);
}

// Models set_reclaim_active() / clear_reclaim_active(): caps pcp high at 4 * batch.
void SlowPathModel::set_reclaim_active(int nid, unsigned highest, bool on) {
    for (Zone* z : pa_.node(nid).zones)
        if (z->zone_idx <= highest && z->managed()) z->reclaim_active = on;
}

// The start of balance_pgdat(): pageoutrun, the boost to pay back, ZONE_RECLAIM_ACTIVE.
void SlowPathModel::balance_begin(int nid) {
    KswapdState& s = kswapd_[static_cast<std::size_t>(nid)];
    pa_.events()[PAGEOUTRUN]++;
    s.sc = detail::ScanControl{};
    s.sc.gfp = GFP_KERNEL;
    s.sc.order = s.alloc_order;
    s.sc.kswapd = true;
    s.sc.cpu = agent_cpu(nid);
    s.nr_boost_reclaim = 0;
    s.zone_boosts = {};
    for (Zone* z : pa_.node(nid).zones) {
        if (z->zone_idx > s.highest_zoneidx || !z->managed()) continue;
        s.nr_boost_reclaim += z->watermark_boost;
        s.zone_boosts[z->zone_idx] = z->watermark_boost;
    }
    s.boosted = s.nr_boost_reclaim != 0;
    set_reclaim_active(nid, s.highest_zoneidx, true);
    s.sc.priority = DEF_PRIORITY;
}

// One iteration of balance_pgdat()'s priority loop; true when balance_pgdat has ended.
bool SlowPathModel::balance_round(int nid) {
    KswapdState& s = kswapd_[static_cast<std::size_t>(nid)];
    detail::ScanControl& sc = s.sc;
    const std::uint64_t before = sc.nr_reclaimed;
    bool raise_priority = true;
    sc.reclaim_idx = s.highest_zoneidx;
    const bool balanced = pgdat_balanced(nid, sc.order, s.highest_zoneidx);
    if (!balanced && s.nr_boost_reclaim) { // E11: abandon boosted reclaim, restart normally
        s.nr_boost_reclaim = 0;
        set_reclaim_active(nid, s.highest_zoneidx, true);
        sc.priority = DEF_PRIORITY;
    }
    if (!s.nr_boost_reclaim && balanced) return true; // goto out
    if (s.nr_boost_reclaim && sc.priority == DEF_PRIORITY - 2) raise_priority = false;
    sc.may_writepage = !s.nr_boost_reclaim;
    sc.may_swap = !s.nr_boost_reclaim;
    if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = true;
    sc.nr_scanned = 0;
    // kswapd_shrink_node()
    sc.nr_to_reclaim = 0;
    for (const Zone* z : pa_.node(nid).zones)
        if (z->zone_idx <= sc.reclaim_idx && z->managed())
            sc.nr_to_reclaim +=
                std::max<std::uint64_t>(z->wmark_pages(WMARK_HIGH), SWAP_CLUSTER_MAX);
    shrink_node(nid, sc);
    if (sc.order && sc.nr_reclaimed >= detail::compact_gap(sc.order)) sc.order = 0;
    if (sc.nr_scanned >= sc.nr_to_reclaim) raise_priority = false;

    const std::uint64_t nr_reclaimed = sc.nr_reclaimed - before;
    s.nr_boost_reclaim -= std::min(s.nr_boost_reclaim, nr_reclaimed);
    bool end = false;
    if (s.nr_boost_reclaim && !nr_reclaimed) end = true; // boosted round freed nothing
    if (!end && (raise_priority || !nr_reclaimed)) sc.priority--;
    if (!end && sc.priority < 1) end = true;
    if (end && !sc.nr_reclaimed) pa_.node(nid).kswapd_failures++;
    return end;
}

// balance_pgdat()'s `out:`: clear ZONE_RECLAIM_ACTIVE, pay back the recorded boosts and,
// after a boosted pass, wake kcompactd at pageblock_order.
void SlowPathModel::balance_end(int nid) {
    KswapdState& s = kswapd_[static_cast<std::size_t>(nid)];
    set_reclaim_active(nid, s.highest_zoneidx, false);
    if (s.boosted) {
        for (Zone* z : pa_.node(nid).zones) {
            const std::uint64_t b = s.zone_boosts[z->zone_idx];
            if (!b || z->zone_idx > s.highest_zoneidx) continue;
            z->watermark_boost -= std::min(z->watermark_boost, b);
        }
        wakeup_kcompactd(nid, pa_.pageblock_order(), s.highest_zoneidx);
    }
}

// kswapd()'s loop head after a wake-up: read and reset the requested order and class zone,
// then enter balance_pgdat.
void SlowPathModel::kswapd_start_balance(int nid) {
    KswapdState& s = kswapd_[static_cast<std::size_t>(nid)];
    s.alloc_order = s.kswapd_order;
    if (s.kswapd_highest_zoneidx >= 0)
        s.highest_zoneidx = static_cast<unsigned>(s.kswapd_highest_zoneidx);
    s.kswapd_order = 0;
    s.kswapd_highest_zoneidx = -1;
    balance_begin(nid);
    s.phase = KswapdState::Phase::Balancing;
}

// The first half of kswapd_try_to_sleep(): balanced → clear skip hints, wake kcompactd and
// nap; otherwise count a premature wake and balance again.
void SlowPathModel::kswapd_try_to_sleep_begin(int nid, AgentStep& step) {
    KswapdState& s = kswapd_[static_cast<std::size_t>(nid)];
    if (prepare_kswapd_sleep(nid, s.reclaim_order, s.highest_zoneidx)) {
        reset_isolation_suitable(nid);
        wakeup_kcompactd(nid, s.alloc_order, s.highest_zoneidx);
        s.phase = KswapdState::Phase::Napping;
        s.woken_during_nap = false;
        step.cost_ns += cfg_.kswapd_nap_ns;
        step.napping = true;
        step.again = true;
        return;
    }
    pa_.events()[KSWAPD_HIGH_WMARK_HIT_QUICKLY]++;
    s.phase = KswapdState::Phase::Woken;
    step.again = true;
}

AgentStep SlowPathModel::kswapd_step(int nid) {
    ScopedNoChecks no_checks(pa_);
    KswapdState& s = kswapd_[static_cast<std::size_t>(nid)];
    AgentStep step;
    const std::uint64_t c0 = cost_ns_;
    if (s.phase == KswapdState::Phase::Sleeping) return step;
    if (s.phase == KswapdState::Phase::Napping) {
        if (s.woken_during_nap) { // woken prematurely: keep the larger request
            s.woken_during_nap = false;
            if (s.kswapd_highest_zoneidx < 0)
                s.kswapd_highest_zoneidx = static_cast<int>(s.highest_zoneidx);
            if (s.kswapd_order < s.reclaim_order) s.kswapd_order = s.reclaim_order;
            pa_.events()[KSWAPD_LOW_WMARK_HIT_QUICKLY]++;
        } else if (prepare_kswapd_sleep(nid, s.reclaim_order, s.highest_zoneidx)) {
            s.phase = KswapdState::Phase::Sleeping;
            return step;
        } else {
            pa_.events()[KSWAPD_HIGH_WMARK_HIT_QUICKLY]++;
        }
        s.phase = KswapdState::Phase::Woken;
    }
    if (s.phase == KswapdState::Phase::Woken) kswapd_start_balance(nid);
    const bool done = balance_round(nid);
    step.again = true;
    if (done) {
        const unsigned reclaim_order = s.sc.order;
        balance_end(nid);
        if (reclaim_order < s.alloc_order) {
            s.reclaim_order = reclaim_order; // goto kswapd_try_sleep with the same alloc_order
        } else {
            s.alloc_order = s.reclaim_order = s.kswapd_order;
            if (s.kswapd_highest_zoneidx >= 0)
                s.highest_zoneidx = static_cast<unsigned>(s.kswapd_highest_zoneidx);
        }
        kswapd_try_to_sleep_begin(nid, step);
    }
    step.cost_ns += cost_ns_ - c0;
    no_checks.release();
    pa_.check_after_op();
    return step;
}

} // namespace pagesim
