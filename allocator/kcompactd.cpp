// SPDX-License-Identifier: GPL-2.0-only
// kcompactd (mm/compaction.c, spec §7.4) as a step function: woken by kswapd and by
// wakeup_kswapd for balanced nodes, it compacts each populated zone up to the recorded class
// zone at MIGRATE_SYNC_LIGHT for the recorded order (one zone per step), deferring like sync
// direct compaction; between wake-ups it checks the proactive-compaction score every
// kcompactd_interval_ns.
#include "allocator/slowpath_internal.h"

#include <algorithm>

namespace pagesim {

// Models kcompactd_node_suitable().
bool SlowPathModel::kcompactd_node_suitable(int nid) const {
    const KcompactdState& s = kcompactd_[static_cast<std::size_t>(nid)];
    const NodeData& node = pa_.nodes()[static_cast<std::size_t>(nid)];
    const auto highest = s.highest_zoneidx < 0 ? static_cast<unsigned>(node.zones.size() - 1)
                                               : static_cast<unsigned>(s.highest_zoneidx);
    for (const Zone* z : node.zones) {
        if (z->zone_idx > highest || !z->populated()) continue;
        if (compaction_suitable(*z, static_cast<int>(s.max_order), 0, highest) ==
            CompactResult::Continue)
            return true;
    }
    return false;
}

// Models wakeup_kcompactd(): record order and class zone; wake a sleeping kcompactd if some
// zone is suitable for compaction.
void SlowPathModel::wakeup_kcompactd(int nid, unsigned order, unsigned highest_zoneidx) {
    if (order == 0) return;
    KcompactdState& s = kcompactd_[static_cast<std::size_t>(nid)];
    if (s.max_order < order) s.max_order = order;
    if (s.highest_zoneidx < 0 || s.highest_zoneidx > static_cast<int>(highest_zoneidx))
        s.highest_zoneidx = static_cast<int>(highest_zoneidx);
    if (s.woken || s.working) return; // !wq_has_sleeper
    if (!kcompactd_node_suitable(nid)) return;
    s.woken = true;
    if (listener_) listener_->kcompactd_wake(nid);
}

bool SlowPathModel::kcompactd_runnable(int nid) const {
    const KcompactdState& s = kcompactd_[static_cast<std::size_t>(nid)];
    return s.woken || s.working;
}

// Models should_proactive_compact_node().
bool SlowPathModel::should_proactive_compact_node(int nid) const {
    const unsigned proactiveness = pa_.sysctl().compaction_proactiveness;
    if (!proactiveness || kswapd_runnable(nid)) return false;
    const unsigned wmark_low = std::max(100u - std::min(100u, proactiveness), 5u);
    const unsigned wmark_high = std::min(wmark_low + 10, 100u);
    return fragmentation_score_node(nid) > wmark_high;
}

AgentStep SlowPathModel::kcompactd_step(int nid) {
    ScopedNoChecks no_checks(pa_);
    KcompactdState& s = kcompactd_[static_cast<std::size_t>(nid)];
    NodeData& node = pa_.node(nid);
    AgentStep step;
    const std::uint64_t c0 = cost_ns_;
    VmEvents& ev = pa_.events();
    if (s.woken && !s.working) { // kcompactd_do_work() begins
        s.woken = false;
        s.working = true;
        s.cc_order = s.max_order;
        s.cc_highest = s.highest_zoneidx < 0 ? static_cast<unsigned>(node.zones.size() - 1)
                                             : static_cast<unsigned>(s.highest_zoneidx);
        s.next_zone = 0;
        ev[KCOMPACTD_WAKE]++;
    }
    if (s.working) {
        // The next zone that kcompactd_do_work() would compact.
        while (s.next_zone <= s.cc_highest && s.next_zone < node.zones.size()) {
            Zone& z = *node.zones[s.next_zone++];
            const auto order = static_cast<int>(s.cc_order);
            if (!z.populated()) continue;
            if (compaction_deferred(z, order)) continue;
            if (compaction_suitable(z, order, 0, z.zone_idx) != CompactResult::Continue) continue;
            detail::CompactControl cc;
            cc.zone = &z;
            cc.order = order;
            cc.highest_zoneidx = s.cc_highest;
            cc.mode = MigrateMode::SyncLight;
            cc.gfp = GFP_KERNEL;
            cc.cpu = agent_cpu(nid);
            const CompactResult status = compact_zone(cc, nullptr);
            if (status == CompactResult::Success) {
                compaction_defer_reset(z, order, false);
            } else if (status == CompactResult::PartialSkipped ||
                       status == CompactResult::Complete) {
                pa_.drain_all_pages(&z);
                add_cost(cfg_.costs.drain_all_ns);
                defer_compaction(z, order);
            }
            ev[KCOMPACTD_MIGRATE_SCANNED] += cc.total_migrate_scanned;
            ev[KCOMPACTD_FREE_SCANNED] += cc.total_free_scanned;
            break; // one zone per step
        }
        if (s.next_zone > s.cc_highest || s.next_zone >= node.zones.size()) {
            s.working = false;
            if (s.max_order <= s.cc_order) s.max_order = 0;
            if (s.highest_zoneidx >= static_cast<int>(s.cc_highest)) s.highest_zoneidx = -1;
        }
        step.again = true;
        step.cost_ns = cost_ns_ - c0;
        // kcompactd_work_requested() is evaluated again before sleeping: an order recorded
        // while it worked (and higher than the one just done) runs at once.
        if (!s.working && s.max_order > 0) s.woken = true;
        no_checks.release();
        after_op();
        return step;
    }
    // Timer expiry: proactive compaction, then sleep for the interval (or until woken).
    if (should_proactive_compact_node(nid)) {
        const unsigned prev = fragmentation_score_node(nid);
        for (Zone* z : node.zones) {
            if (!z->populated()) continue;
            detail::CompactControl cc;
            cc.zone = z;
            cc.order = -1;
            cc.mode = MigrateMode::SyncLight;
            cc.ignore_skip_hint = true;
            cc.whole_zone = true;
            cc.gfp = GFP_KERNEL;
            cc.proactive = true;
            cc.cpu = agent_cpu(nid);
            compact_zone(cc, nullptr);
            ev[KCOMPACTD_MIGRATE_SCANNED] += cc.total_migrate_scanned;
            ev[KCOMPACTD_FREE_SCANNED] += cc.total_free_scanned;
        }
        s.proactive_deferred = fragmentation_score_node(nid) >= prev;
    }
    step.cost_ns = cost_ns_ - c0;
    if (pa_.sysctl().compaction_proactiveness) {
        std::uint64_t timeout = cfg_.kcompactd_interval_ns;
        if (s.proactive_deferred) timeout <<= COMPACT_MAX_DEFER_SHIFT;
        step.cost_ns += timeout;
        step.napping = true;
        step.again = true;
    }
    no_checks.release();
    after_op();
    return step;
}

} // namespace pagesim
