// SPDX-License-Identifier: GPL-2.0-only
// The owner side of the slow path: what the kernel learns through page->mapping and rmap
// (reclaim, migration, the OOM killer's task list) answered from the engine's owner records,
// and the kswapd / kcompactd threads driven as events.
#include "sim/sim_hooks.h"

#include <algorithm>

namespace pagesim {

bool Simulator::Hooks::live(std::uint32_t owner) const {
    return owner != 0 && owner < sim_.owners_.capacity() && sim_.owners_[owner].live();
}

// PG_writeback: set by pageout(), cleared once the write's time has passed.
bool Simulator::Hooks::under_writeback(std::uint32_t owner) {
    OwnerRecord& r = sim_.owners_[owner];
    if (!(r.flags & OwnerRecord::kWriteback)) return false;
    if (sim_.hook_now() < sim_.writeback_done_[owner]) return true;
    r.flags &= static_cast<std::uint8_t>(~OwnerRecord::kWriteback);
    return false;
}

// shrink_folio_list() for one block: page cache is dropped when clean and written back
// first when dirty; anonymous memory goes to swap (the caller checked there is some);
// reclaimable slab is shrunk. A block a running bandwidth flow streams through is young
// (folio_referenced finds accessed PTEs); a pinned block cannot be unmapped.
ReclaimResult Simulator::Hooks::reclaim(Pfn /*pfn*/, unsigned /*order*/, std::uint32_t owner,
                                        const ReclaimContext& ctx) {
    if (!live(owner)) return ReclaimResult::Referenced;
    OwnerRecord& r = sim_.owners_[owner];
    if (r.flags & OwnerRecord::kPinned) return ReclaimResult::Referenced;
    if (r.proc != kNone && r.buffer != kNone &&
        sim_.procs_[r.proc].buffers[r.buffer].bw_buffer != kNoBuffer)
        return ReclaimResult::Referenced;
    switch (r.kind) {
    case OwnerKind::PageCache:
        if (under_writeback(owner)) return ReclaimResult::Busy;
        if (r.flags & OwnerRecord::kDirty) {
            if (!ctx.may_writepage) return ReclaimResult::Busy;
            sim_.start_writeback(owner);
            return ReclaimResult::Busy;
        }
        break;
    case OwnerKind::Anon:
        if (!ctx.may_swap || !ctx.may_unmap) return ReclaimResult::Referenced;
        break;
    case OwnerKind::SlabReclaimable:
        break;
    default:
        return ReclaimResult::Unreclaimable;
    }
    sim_.forget_block(owner);
    sim_.stats_.reclaimed_by_owner++;
    return ReclaimResult::Freed;
}

// Writeback in flight makes migration wait (-EAGAIN in async mode; sync mode waits,
// which the model counts as a retry too).
MigrateVerdict Simulator::Hooks::may_migrate(Pfn /*pfn*/, unsigned /*order*/, std::uint32_t owner,
                                             MigrateMode /*mode*/) {
    if (live(owner) && under_writeback(owner)) return MigrateVerdict::Busy;
    return MigrateVerdict::Ok;
}

// remove_migration_ptes(): the owner's record, its controller residency and any
// bandwidth buffer that streams through the block follow it.
void Simulator::Hooks::migrated(Pfn old_pfn, Pfn new_pfn, unsigned order, std::uint32_t owner) {
    sim_.stats_.migrated_blocks++;
    if (!live(owner)) return;
    OwnerRecord& r = sim_.owners_[owner];
    const PageMap& map = sim_.pa_->page_map();
    const PageIdx new_page = map.pfn_to_page(new_pfn);
    auto& resident = (r.kind == OwnerKind::Anon || r.kind == OwnerKind::PageCache)
                         ? sim_.stats_.ctrl_user_pages
                         : sim_.stats_.ctrl_kernel_pages;
    resident[sim_.controller_of(r.page)] -= std::uint64_t{1} << order;
    resident[sim_.controller_of(new_page)] += std::uint64_t{1} << order;
    r.page = new_page;
    if (sim_.bw_ && r.proc != kNone && r.buffer != kNone &&
        sim_.procs_[r.proc].buffers[r.buffer].bw_buffer != kNoBuffer)
        sim_.bw_->remap_pfns(old_pfn, new_pfn, std::uint64_t{1} << order);
}

// select_bad_process() walks the live processes; kernel-wide owners are not tasks.
std::vector<OomCandidate> Simulator::Hooks::oom_candidates(const OomRequest& /*req*/) {
    std::vector<OomCandidate> out;
    for (std::uint32_t i = 0; i < sim_.procs_.size(); ++i) {
        const Process& p = sim_.procs_[i];
        if (p.state == Process::State::Exited || p.state == Process::State::Waiting) continue;
        OomCandidate c;
        c.id = i;
        std::uint64_t pgtables = 0;
        for (const Buffer& b : p.buffers)
            for (std::uint32_t o : b.page_tables) pgtables += o != kNone;
        c.pgtable_pages = pgtables;
        c.rss_pages = p.rss_pages - std::min(p.rss_pages, pgtables);
        c.oom_score_adj = p.spec->oom_score_adj;
        out.push_back(c);
    }
    return out;
}

std::uint64_t Simulator::Hooks::oom_kill(std::uint32_t victim, const OomRequest& /*req*/) {
    const std::uint64_t pages = sim_.procs_[victim].rss_pages;
    sim_.kill_process(victim, sim_.hook_now());
    return pages;
}

void Simulator::Hooks::reclaim_throttled() {
    sim_.complete_writebacks(sim_.hook_now());
}

void Simulator::Hooks::kswapd_wake(int nid) {
    sim_.schedule_agent(EventKind::Kswapd, nid, sim_.hook_now());
}
void Simulator::Hooks::kcompactd_wake(int nid) {
    sim_.schedule_agent(EventKind::Kcompactd, nid, sim_.hook_now());
}

Simulator::~Simulator() = default;

void Simulator::init_slowpath() {
    hooks_ = std::make_unique<Hooks>(*this);
    SlowPathConfig cfg;
    cfg.swap_pages = sc_.swap_bytes / layout_.kconfig.page_size();
    sp_ = std::make_unique<SlowPathModel>(*pa_, *hooks_, cfg);
    sp_->set_listener(hooks_.get());
    const std::size_t nodes = layout_.nodes.size();
    kswapd_gen_.assign(nodes, 0);
    kcompactd_gen_.assign(nodes, 0);
    // kcompactd starts with the node and checks for proactive compaction on its timer.
    for (std::size_t n = 0; n < nodes; ++n)
        schedule_agent(EventKind::Kcompactd, static_cast<int>(n), 0);
}

std::uint8_t Simulator::controller_of(PageIdx page) const {
    const std::uint8_t c = pa_->page_map().controller(page);
    const auto n = static_cast<std::uint8_t>(layout_.controllers.size());
    return c >= n ? n : c;
}

// A wake-up runs the agent's next step now; a pending nap or step is cancelled by the
// generation bump (the event carries the generation it was scheduled with).
void Simulator::schedule_agent(EventKind kind, int nid, SimTime t) {
    std::vector<std::uint32_t>& gen = kind == EventKind::Kswapd ? kswapd_gen_ : kcompactd_gen_;
    const auto n = static_cast<std::size_t>(nid);
    if (n >= gen.size()) return;
    ++gen[n];
    queue_.push(std::max(t, now_), kind, static_cast<std::uint32_t>(nid), gen[n]);
}

// kswapd() / kcompactd(): one step of the thread's loop, then sleep until the next step or
// a wake-up. The agents run on their own CPU and do not delay the processes.
void Simulator::agent_event(EventKind kind, int nid, std::uint32_t gen, SimTime t) {
    std::vector<std::uint32_t>& gens = kind == EventKind::Kswapd ? kswapd_gen_ : kcompactd_gen_;
    if (gens[static_cast<std::size_t>(nid)] != gen) return;
    enter_allocator(t);
    note_caller(t, kNone);
    const AgentStep step =
        kind == EventKind::Kswapd ? sp_->kswapd_step(nid) : sp_->kcompactd_step(nid);
    if (!step.napping)
        (kind == EventKind::Kswapd ? stats_.kswapd_ns : stats_.kcompactd_ns) +=
            static_cast<SimTime>(step.cost_ns);
    // A step may have woken its own agent (bumping the generation): that event stands.
    if (step.again && gens[static_cast<std::size_t>(nid)] == gen)
        queue_.push(t + static_cast<SimTime>(std::max<std::uint64_t>(step.cost_ns, 1)), kind,
                    static_cast<std::uint32_t>(nid), gen);
}

// The owner dropped the block (reclaim's Freed): forget it everywhere; the allocator frees
// the pages itself. A swapped-out or dropped page is simply no longer resident: the model
// does not fault it back in.
void Simulator::forget_block(std::uint32_t owner) {
    OwnerRecord& r = owners_[owner];
    auto& resident = (r.kind == OwnerKind::Anon || r.kind == OwnerKind::PageCache)
                         ? stats_.ctrl_user_pages
                         : stats_.ctrl_kernel_pages;
    resident[controller_of(r.page)] -= std::uint64_t{1} << r.order;
    if (r.proc != kNone && r.buffer != kNone) {
        Buffer& b = procs_[r.proc].buffers[r.buffer];
        const std::uint64_t end =
            std::min<std::uint64_t>(r.vpage + (std::uint64_t{1} << r.order), b.pages.size());
        for (std::uint64_t v = r.vpage; v < end; ++v) b.pages[v] = kNone;
    }
    unlink_owner(owner);
    owners_.release(owner);
}

// oom_kill_process(): the victim's memory goes back at once (the oom_reaper), its claims are
// released, a running bandwidth flow stops, and the process never runs again.
void Simulator::kill_process(std::uint32_t idx, SimTime t) {
    Process& p = procs_[idx];
    if (p.state == Process::State::Exited) return;
    stats_.oom_kills++;
    if (bw_ && p.flow != ~FlowId{0}) {
        bw_->advance_to(std::max(t, bw_->now()));
        bw_->remove_flow(p.flow);
        p.flow = ~FlowId{0};
        for (Buffer& b : p.buffers)
            if (b.bw_buffer != kNoBuffer) {
                bw_->remove_buffer(b.bw_buffer);
                b.bw_buffer = kNoBuffer;
            }
        update_cpu_caps(p.cpu);
        reschedule_bandwidth();
    }
    SimTime tt = t;
    exit_process(idx, tt);
}

} // namespace pagesim
