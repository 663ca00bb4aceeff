// SPDX-License-Identifier: GPL-2.0-only
// The OOM killer (mm/oom_kill.c): out_of_memory's early exits, select_bad_process with
// oom_badness (rss + swap + page tables, oom_score_adj scaled by totalpages / 1000), and
// oom_kill_process through OwnerHooks, which frees the victim's memory synchronously (the
// model's oom_reaper). Every kill is logged and counted in oom_kill.
#include "allocator/slowpath_internal.h"

#include <climits>

namespace pagesim {

// Models oom_badness().
long long SlowPathModel::oom_badness(const OomCandidate& c) const {
    if (c.unkillable || c.oom_score_adj <= -1000) return LLONG_MIN;
    long long points = static_cast<long long>(c.rss_pages + c.swap_pages + c.pgtable_pages);
    std::uint64_t totalpages = cfg_.swap_pages; // totalram_pages() + total_swap_pages
    for (const Zone* z : pa_.zones()) totalpages += z->managed_pages;
    long long adj = c.oom_score_adj;
    adj *= static_cast<long long>(totalpages / 1000);
    return points + adj;
}

// Models out_of_memory(): true if memory was (or will be) freed. `no_victim` reports the
// kernel's panic("System is deadlocked on memory").
bool SlowPathModel::out_of_memory(const AllocRequest& req, const AllocContext& ac,
                                  bool& no_victim) {
    no_victim = false;
    // The OOM killer does not compensate for IO-less reclaim (GFP_NOFS): claim progress.
    if (req.gfp && !(req.gfp & gfp::kFs)) return true;
    OomRequest o;
    o.gfp = req.gfp;
    o.order = req.order;
    o.nodemask = ac.nodemask;
    o.requester = req.owner;
    const std::vector<OomCandidate> cands = hooks_.oom_candidates(o);
    const OomCandidate* chosen = nullptr;
    long long chosen_points = LLONG_MIN;
    for (const OomCandidate& c : cands) { // select_bad_process → oom_evaluate_task
        const long long points = oom_badness(c);
        if (points == LLONG_MIN || points < chosen_points) continue;
        chosen = &c;
        chosen_points = points;
    }
    if (!chosen) {
        no_victim = true;
        return false;
    }
    const std::uint32_t victim = chosen->id;
    const std::uint64_t freed = hooks_.oom_kill(victim, o);
    pa_.events()[OOM_KILL]++;
    add_cost(cfg_.costs.oom_kill_ns);
    oom_log_.push_back({victim, chosen_points, freed, req.gfp, req.order, req.owner});
    if (cur_) {
        cur_->oom_kills++;
        cur_->oom_victim = victim;
        cur_->oom_pages_freed += freed;
    }
    return true;
}

} // namespace pagesim
