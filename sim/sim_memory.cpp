// SPDX-License-Identifier: GPL-2.0-only
// Allocating and freeing owned blocks: the owner record, the allocation's NUMA policy, the
// cost of the path the allocator took, the per-zone and per-controller counts, and the
// engine's own block migration (used before long-term pins).
#include "sim/simulator.h"

#include <cmath>

namespace pagesim {

namespace {
// Does a block of this kind hold user data (bandwidth "user" traffic, movable residency)?
bool is_user(OwnerKind k) {
    return k == OwnerKind::Anon || k == OwnerKind::PageCache;
}
// The LRU list a reclaimable kind lives on (Anon, PageCache, SlabReclaimable).
LruKind lru_kind(OwnerKind k) {
    return k == OwnerKind::PageCache         ? LruKind::File
           : k == OwnerKind::SlabReclaimable ? LruKind::Slab
                                             : LruKind::Anon;
}
} // namespace

void Simulator::link_owner(std::uint32_t proc, std::uint32_t owner) {
    OwnerRecord& r = owners_[owner];
    r.proc = proc;
    r.prev = kNone;
    if (proc == kNone) {
        r.next = kNone;
        return;
    }
    Process& p = procs_[proc];
    r.next = p.owned;
    if (p.owned != kNone) owners_[p.owned].prev = owner;
    p.owned = owner;
    p.rss_pages += std::uint64_t{1} << r.order;
}

void Simulator::unlink_owner(std::uint32_t owner) {
    OwnerRecord& r = owners_[owner];
    if (r.proc == kNone) return;
    Process& p = procs_[r.proc];
    if (r.prev != kNone)
        owners_[r.prev].next = r.next;
    else
        p.owned = r.next;
    if (r.next != kNone) owners_[r.next].prev = r.prev;
    p.rss_pages -= std::uint64_t{1} << r.order;
}

// __alloc_pages_slowpath: reclaim, compaction, retries, OOM, as the model costed them, if
// the allocation since `slow_before` went there.
SimTime Simulator::slowpath_cost(std::uint64_t slow_before, bool ok) {
    if (sp_->slowpath_calls() == slow_before) return 0;
    const auto slow = static_cast<SimTime>(sp_->last_report().cost_ns);
    stats_.slowpath_calls++;
    stats_.slowpath_ns += slow;
    if (!ok) stats_.slowpath_failures++;
    return slow;
}

std::uint32_t Simulator::alloc_block(std::uint32_t proc, OwnerKind kind, GfpFlags gfp,
                                     unsigned order, std::uint32_t buffer, std::uint32_t vpage,
                                     unsigned cpu, SimTime& t) {
    // An OOM-killed process allocates nothing more (its current step winds down).
    if (proc != kNone && procs_[proc].state == Process::State::Exited) return kNone;
    OwnerRecord rec;
    rec.kind = kind;
    rec.gfp = gfp;
    rec.order = static_cast<std::uint8_t>(order);
    rec.buffer = buffer;
    rec.vpage = vpage;
    rec.cpu = static_cast<std::uint8_t>(cpu);
    const std::uint32_t id = owners_.create(rec);
    note_caller(t, proc);

    AllocRequest req;
    req.gfp = gfp;
    req.order = order;
    req.cpu = cpu;
    req.owner = id;
    if (proc != kNone) {
        // The process's memory policy (set_mempolicy; policy_nodemask / policy_node):
        // bind restricts the nodemask, preferred picks the first node, interleave spreads
        // over the nodes.
        Process& p = procs_[proc];
        const MemPolicy& pol = p.spec->policy;
        if (!pol.nodes.empty()) {
            switch (pol.kind) {
            case MemPolicy::Bind:
                req.nodemask = 0;
                for (int n : pol.nodes) req.nodemask |= std::uint64_t{1} << n;
                break;
            case MemPolicy::Preferred:
                req.nid = pol.nodes.front();
                break;
            case MemPolicy::Interleave:
                // A fault in a buffer interleaves by address (interleave_nid(): the page's
                // offset in the mapping, in units of the block's size); other allocations
                // (page tables, kernel objects) by the task's rotor (interleave_nodes()).
                if (buffer != kNone && kind != OwnerKind::PageTable)
                    req.nid = pol.nodes[(vpage >> order) % pol.nodes.size()];
                else
                    req.nid = pol.nodes[p.interleave++ % pol.nodes.size()];
                break;
            case MemPolicy::Default:
                break;
            }
        }
    }

    // The path taken decides the cost: counters of the allocator before and after.
    const AllocatorStats before = pa_->stats();
    const std::uint64_t slow_before = sp_->slowpath_calls();
    enter_allocator(t);
    const AllocResult res = pa_->alloc_pages(req);
    const AllocatorStats& after = pa_->stats();
    const EngineCosts& c = sc_.costs;
    SimTime cost = 0;
    if (after.pcp_hits != before.pcp_hits) cost += c.pcp_hit_ns;
    if (after.pcp_refills != before.pcp_refills) cost += c.pcp_refill_ns + c.pcp_hit_ns;
    if (after.buddy_allocs != before.buddy_allocs) cost += c.buddy_ns;
    cost += static_cast<SimTime>(after.extfrag_events - before.extfrag_events) * c.fallback_ns;
    if (cost == 0) cost = c.buddy_ns; // a failure still walked the zonelist
    cost += slowpath_cost(slow_before, static_cast<bool>(res));
    t += cost;
    stats_.alloc_time_ns += cost;

    const MigrateType mt = gfp_migratetype(gfp);
    if (res && proc != kNone && procs_[proc].state == Process::State::Exited) {
        // The requester was the OOM victim: it dies with the page (the kernel lets it
        // allocate from the reserves on its way out, then frees everything).
        pa_->free_pages(res.pfn, order, cpu);
        owners_.release(id);
        return kNone;
    }
    if (!res) {
        owners_.release(id);
        stats_.failures[mt][order]++;
        stats_.nr_failures++;
        return kNone;
    }
    const PageIdx page = pa_->page_map().pfn_to_page(res.pfn);
    owners_[id].page = page;
    link_owner(proc, id);
    stats_.allocs++;
    const std::uint8_t zid = pa_->page_map().info(page).zone;
    stats_.zone_allocs[zid][mt][order]++;
    std::uint8_t ctrl = pa_->page_map().controller(page);
    if (ctrl >= layout_.controllers.size())
        ctrl = static_cast<std::uint8_t>(layout_.controllers.size());
    stats_.controller_allocs[ctrl][mt][order]++;
    (is_user(kind) ? stats_.ctrl_user_pages : stats_.ctrl_kernel_pages)[ctrl] += std::uint64_t{1}
                                                                                 << order;
    // Kernel objects are not on an LRU: not movable even when the gfp says so.
    if (!is_user(kind) && kind != OwnerKind::Trace && (pa_->page_map().info(page).flags & PG_lru))
        pa_->set_movable(res.pfn, false);
    // lru_cache_add(): process memory joins its node's LRU so reclaim can find it. Blocks of
    // kernel-wide owners (event lists, generators, traces) stay off the LRU: their frees
    // are fixed by the list, so reclaim must not take them.
    if (proc != kNone && (kind == OwnerKind::Anon || kind == OwnerKind::PageCache ||
                          kind == OwnerKind::SlabReclaimable))
        pa_->lru_add(res.pfn, lru_kind(kind));
    return id;
}

void Simulator::free_block(std::uint32_t owner, SimTime& t, unsigned cpu) {
    OwnerRecord& r = owners_[owner];
    note_caller(t, r.proc);
    const Pfn pfn = pa_->page_map().page_to_pfn(r.page);
    std::uint8_t ctrl = pa_->page_map().controller(r.page);
    if (ctrl >= layout_.controllers.size())
        ctrl = static_cast<std::uint8_t>(layout_.controllers.size());
    (is_user(r.kind) ? stats_.ctrl_user_pages : stats_.ctrl_kernel_pages)[ctrl] -= std::uint64_t{1}
                                                                                   << r.order;
    if (r.proc != kNone && r.buffer != kNone) {
        Buffer& b = procs_[r.proc].buffers[r.buffer];
        if (r.kind == OwnerKind::PageTable) {
            if (r.vpage < b.page_tables.size()) b.page_tables[r.vpage] = kNone;
        } else {
            for (std::uint64_t v = r.vpage;
                 v < r.vpage + (std::uint64_t{1} << r.order) && v < b.pages.size(); ++v)
                b.pages[v] = kNone;
        }
    }
    unlink_owner(owner);
    pa_->free_pages(pfn, r.order, (cpu == kAllocCpu ? r.cpu : cpu) % pa_->ncpus());
    owners_.release(owner);
    stats_.frees++;
    t += sc_.costs.free_ns;
}

// Moves a block's contents to a freshly allocated block (alloc_migration_target +
// migrate_pages for one block): the owner keeps its id, so buffers need no update. The
// block is isolated from its LRU first (isolate_lru_page), so the target's allocation cannot
// reclaim it; an OOM kill of its process during that allocation ends the migration.
bool Simulator::migrate_block(std::uint32_t owner, GfpFlags gfp, SimTime& t) {
    const std::uint32_t gen = owners_[owner].gen;
    const Pfn old_pfn = pa_->page_map().page_to_pfn(owners_[owner].page);
    const bool on_lru = pa_->on_lru(old_pfn);
    if (on_lru) pa_->lru_del(old_pfn);
    AllocRequest req;
    req.gfp = gfp;
    req.order = owners_[owner].order;
    req.cpu = owners_[owner].cpu % pa_->ncpus();
    req.owner = owner;
    note_caller(t, owners_[owner].proc);
    enter_allocator(t);
    const std::uint64_t slow_before = sp_->slowpath_calls();
    const AllocResult res = pa_->alloc_pages(req);
    t += sc_.costs.buddy_ns;
    t += slowpath_cost(slow_before, static_cast<bool>(res));
    OwnerRecord& r = owners_[owner];
    if (!r.live() || r.gen != gen) { // freed by the OOM kill of its process
        if (res) pa_->free_pages(res.pfn, req.order, req.cpu);
        return false;
    }
    if (!res) {
        if (on_lru) pa_->lru_add(old_pfn, lru_kind(r.kind)); // putback_lru_page
        return false;
    }
    const PageIdx old_page = r.page;
    const bool user = is_user(r.kind);
    std::uint8_t c_old = pa_->page_map().controller(old_page);
    const PageIdx new_page = pa_->page_map().pfn_to_page(res.pfn);
    std::uint8_t c_new = pa_->page_map().controller(new_page);
    const std::size_t nctrl = layout_.controllers.size();
    if (c_old >= nctrl) c_old = static_cast<std::uint8_t>(nctrl);
    if (c_new >= nctrl) c_new = static_cast<std::uint8_t>(nctrl);
    auto& resident = user ? stats_.ctrl_user_pages : stats_.ctrl_kernel_pages;
    resident[c_old] -= std::uint64_t{1} << r.order;
    resident[c_new] += std::uint64_t{1} << r.order;
    r.page = new_page;
    if (on_lru) pa_->lru_add(res.pfn, lru_kind(r.kind));
    note_caller(t, r.proc);
    pa_->free_pages(old_pfn, r.order, req.cpu);
    // Copying the block: a page per fault_ns-worth is a fair first approximation.
    t += sc_.costs.zero_page_ns_per_kib * 4 * (SimTime{1} << r.order) + sc_.costs.free_ns;
    return true;
}

std::int64_t Simulator::draw_lifetime(Process* p, const Lifetime& l) {
    std::uint64_t& rng = p ? p->rng : kernel_rng_;
    switch (l.kind) {
    case Lifetime::Fixed:
        return l.a_ns;
    case Lifetime::Uniform: {
        const auto span = static_cast<std::uint64_t>(l.b_ns - l.a_ns + 1);
        return l.a_ns + static_cast<std::int64_t>(next_random(rng) % span);
    }
    case Lifetime::Exponential: {
        // Inverse transform on 53 random bits; never zero.
        const double u = (static_cast<double>(next_random(rng) >> 11) + 0.5) * 0x1p-53;
        return static_cast<std::int64_t>(-std::log(u) * static_cast<double>(l.a_ns)) + 1;
    }
    default:
        return -1; // Forever / UntilExit: no expiry event
    }
}

} // namespace pagesim
