// SPDX-License-Identifier: GPL-2.0-only
// Processes run their phases in order. One event runs a process for at most a quantum of
// simulated time (so concurrent processes interleave); each phase step advances the
// process's clock by what it cost.
#include "sim/simulator.h"

#include <stdexcept>

namespace pagesim {

namespace {
constexpr std::uint64_t kPageBytes = 4096;
constexpr unsigned kThpOrder = 9;
constexpr GfpFlags kGfpPgtable = GFP_KERNEL_ACCOUNT | gfp::kZero; // GFP_PGTABLE_USER
} // namespace

std::size_t Simulator::buffer_index(const Process& p, const std::string& name) const {
    for (std::size_t i = 0; i < p.buffers.size(); ++i)
        if (p.buffers[i].spec->name == name) return i;
    throw std::runtime_error("process '" + p.name + "' has no buffer '" + name + "'");
}

void Simulator::run_process(std::uint32_t idx, SimTime t) {
    const SimTime deadline = t + opts_.quantum_ns;
    while (procs_[idx].state == Process::State::Running && t < deadline) {
        Process& p = procs_[idx];
        if (p.phase >= p.spec->phases.size()) {
            exit_process(idx, t);
            return;
        }
        SimTime wake = t;
        const Step s = run_phase(p, idx, t, wake);
        Process& q = procs_[idx]; // run_phase may start processes (Fork)
        switch (s) {
        case Step::Continue:
            break;
        case Step::Done:
            q.phase++;
            q.progress = 0;
            q.phase_start = t;
            break;
        case Step::Yield:
            queue_.push(std::max(wake, t), EventKind::ProcessStep, idx, q.gen);
            return;
        case Step::Block:
            if (q.state == Process::State::Running) q.state = Process::State::Blocked; // not Exited
            return;
        }
    }
    if (procs_[idx].state == Process::State::Running)
        queue_.push(t, EventKind::ProcessStep, idx, procs_[idx].gen);
}

Simulator::Step Simulator::run_phase(Process& p, std::uint32_t idx, SimTime& t, SimTime& wake) {
    const Phase& ph = p.spec->phases[p.phase];
    switch (ph.kind) {
    case Phase::Alloc:
        return phase_alloc(p, ph, t, wake);
    case Phase::Touch:
        return phase_touch(p, ph, t);
    case Phase::Free:
        return phase_free(p, ph, t);
    case Phase::Bandwidth:
        return phase_bandwidth(p, ph, t, wake);
    case Phase::Sleep:
        if (p.progress == 0) {
            p.progress = 1;
            wake = t + ph.duration_ns;
            return Step::Yield;
        }
        return Step::Done;
    case Phase::Fork: {
        const ProcessSpec* tmpl = nullptr;
        for (const ProcessSpec& s : sc_.workload.processes)
            if (s.name == ph.process) tmpl = &s;
        if (!tmpl) throw std::runtime_error("fork of unknown process '" + ph.process + "'");
        if (tmpl->enabled) // a disabled process is never started, not even by a fork
            for (unsigned i = 0; i < tmpl->instances; ++i) start_process(*tmpl, i, t);
        return Step::Done;
    }
    case Phase::Exit:
        exit_process(idx, t);
        return Step::Block;
    case Phase::Pin:
        return phase_pin(p, ph, t, true);
    case Phase::Unpin:
        return phase_pin(p, ph, t, false);
    case Phase::Repeat: {
        unsigned& left = p.repeat_left[p.phase];
        if (left == kNone) left = static_cast<unsigned>(ph.count);
        if (left == 0) {
            left = kNone;
            return Step::Done;
        }
        --left;
        p.phase = ph.target;
        p.progress = 0;
        p.phase_start = t;
        return Step::Continue;
    }
    case Phase::Claim:
        return phase_claim(p, ph, t);
    }
    return Step::Done;
}

// An allocation stream: `count` blocks at `rate` per second (back to back if 0), each
// living `lifetime`; into a named buffer when one is given.
Simulator::Step Simulator::phase_alloc(Process& p, const Phase& ph, SimTime& t, SimTime& wake) {
    if (p.progress >= ph.count) return Step::Done;
    if (ph.rate > 0) {
        const auto due =
            p.phase_start + static_cast<SimTime>(static_cast<double>(p.progress) * 1e9 / ph.rate);
        if (due > t) {
            wake = due;
            return Step::Yield;
        }
    }
    const auto idx = static_cast<std::uint32_t>(&p - procs_.data());
    std::uint32_t buffer = kNone;
    std::uint32_t vpage = 0;
    if (!ph.buffer.empty()) {
        buffer = static_cast<std::uint32_t>(buffer_index(p, ph.buffer));
        vpage = static_cast<std::uint32_t>(p.buffers[buffer].next_alloc_vpage);
    }
    std::uint32_t owner = alloc_block(idx, ph.owner, ph.gfp, ph.order, buffer, vpage, p.cpu, t);
    Process& q = procs_[idx];
    std::vector<std::uint32_t> got;
    if (owner != kNone) {
        got.push_back(owner);
    } else if (ph.fallback_order0 && ph.order > 0) {
        for (std::uint32_t i = 0; i < (1u << ph.order); ++i) {
            const std::uint32_t o =
                alloc_block(idx, ph.owner, ph.gfp & ~gfp::kComp, 0, buffer, vpage + i, q.cpu, t);
            if (o != kNone) got.push_back(o);
        }
    }
    const bool forever = ph.lifetime.kind == Lifetime::Forever;
    if (ph.owner == OwnerKind::PageTable) stats_.page_table_pages += got.size(); // page_tables:
    for (std::uint32_t o : got) {
        OwnerRecord& r = owners_[o];
        if (ph.dirty) r.flags |= OwnerRecord::kDirty;
        if (forever) {
            // Lives on after the process: the kernel keeps it (no process, no buffer).
            unlink_owner(o);
            r.proc = kNone;
            r.buffer = kNone;
            continue;
        }
        if (buffer != kNone) {
            Buffer& b = q.buffers[buffer];
            for (std::uint64_t v = r.vpage;
                 v < r.vpage + (std::uint64_t{1} << r.order) && v < b.pages.size(); ++v)
                b.pages[v] = o;
        }
        const std::int64_t life = draw_lifetime(&q, ph.lifetime);
        if (life >= 0) queue_.push(t + life, EventKind::Expire, o, r.gen);
    }
    if (buffer != kNone) q.buffers[buffer].next_alloc_vpage += std::uint64_t{1} << ph.order;
    q.progress++;
    return q.progress >= ph.count ? Step::Done : Step::Continue;
}

// First touch: page faults in address order. With `interleave`, several buffers fault in
// turn, one fault each (a loop initialising them together), each in its own address order.
Simulator::Step Simulator::phase_touch(Process& p, const Phase& ph, SimTime& t) {
    const auto idx = static_cast<std::uint32_t>(&p - procs_.data());
    if (ph.interleave.empty()) {
        const auto bi = static_cast<std::uint32_t>(buffer_index(p, ph.buffer));
        return touch_one(idx, bi, t) ? Step::Done : Step::Continue;
    }
    const std::size_t n = ph.interleave.size() + 1;
    // progress counts faults taken; a buffer that is done is skipped in the rotation.
    for (std::size_t tries = 0; tries < n; ++tries) {
        const std::size_t k = procs_[idx].progress++ % n;
        const std::string& name = k == 0 ? ph.buffer : ph.interleave[k - 1];
        const auto bi = static_cast<std::uint32_t>(buffer_index(procs_[idx], name));
        const Buffer& b = procs_[idx].buffers[bi];
        if (b.touched >= b.pages.size()) continue;
        touch_one(idx, bi, t);
        return Step::Continue;
    }
    return Step::Done;
}

// A THP buffer faults order-9 blocks on 2 MiB boundaries (do_huge_pmd_anonymous_page) and
// falls back to order 0 (thp_fault_fallback, do_anonymous_page); every 2 MiB region of user
// memory needs a page-table page (__pte_alloc: GFP_PGTABLE_USER, unmovable) at its first
// fault.
bool Simulator::touch_one(std::uint32_t idx, std::uint32_t bi, SimTime& t) {
    Buffer& b0 = procs_[idx].buffers[bi];
    std::uint64_t v = b0.touched;
    while (v < b0.pages.size() && b0.pages[v] != kNone) ++v; // already backed
    if (v >= b0.pages.size()) {
        b0.touched = v;
        return true;
    }
    const BufferSpec& spec = *b0.spec;
    const std::uint64_t region = v >> kThpOrder;
    if (b0.page_tables[region] == kNone) {
        const std::uint32_t pt =
            alloc_block(idx, OwnerKind::PageTable, kGfpPgtable, 0, bi,
                        static_cast<std::uint32_t>(region), procs_[idx].cpu, t);
        if (pt != kNone) {
            procs_[idx].buffers[bi].page_tables[region] = pt;
            stats_.page_table_pages++;
        }
    }
    Process& q = procs_[idx];
    Buffer& b = q.buffers[bi];
    t += sc_.costs.fault_ns;
    std::uint32_t owner = kNone;
    unsigned order = 0;
    const bool aligned =
        (v & ((1u << kThpOrder) - 1)) == 0 && v + (1u << kThpOrder) <= b.pages.size();
    if (spec.thp && aligned) {
        owner = alloc_block(idx, spec.kind, GFP_TRANSHUGE_LIGHT, kThpOrder, bi,
                            static_cast<std::uint32_t>(v), q.cpu, t);
        if (owner != kNone) {
            order = kThpOrder;
            stats_.thp_fault_alloc++;
        } else {
            stats_.thp_fault_fallback++;
        }
    }
    if (owner == kNone)
        owner =
            alloc_block(idx, spec.kind, spec.gfp, 0, bi, static_cast<std::uint32_t>(v), q.cpu, t);
    Buffer& bb = procs_[idx].buffers[bi];
    const std::uint64_t n = std::uint64_t{1} << order;
    if (owner != kNone) {
        for (std::uint64_t i = 0; i < n; ++i) bb.pages[v + i] = owner;
        if (spec.dirty) owners_[owner].flags |= OwnerRecord::kDirty;
        t += sc_.costs.zero_page_ns_per_kib * static_cast<SimTime>((n * kPageBytes) / 1024);
    }
    // A failed fault is counted (stats_.failures) and the page stays unbacked; the next
    // touch of the buffer (or a retry) faults it again.
    bb.touched = v + n;
    return bb.touched >= bb.pages.size();
}

// Frees a buffer: every block once (a THP block covers 512 virtual pages), then its page
// tables (munmap: free_pgtables).
Simulator::Step Simulator::phase_free(Process& p, const Phase& ph, SimTime& t) {
    const auto bi = buffer_index(p, ph.buffer);
    const auto idx = static_cast<std::uint32_t>(&p - procs_.data());
    for (std::uint64_t v = 0; v < procs_[idx].buffers[bi].pages.size(); ++v) {
        const std::uint32_t o = procs_[idx].buffers[bi].pages[v];
        if (o != kNone) free_block(o, t); // clears every page of the block
    }
    for (std::uint64_t r = 0; r < procs_[idx].buffers[bi].page_tables.size(); ++r) {
        const std::uint32_t o = procs_[idx].buffers[bi].page_tables[r];
        if (o != kNone) free_block(o, t);
    }
    Buffer& b = procs_[idx].buffers[bi];
    b.touched = 0;
    b.next_alloc_vpage = 0;
    b.pinned = false;
    return Step::Done;
}

// Bandwidth phases: a flow through the buffers in address order (read, write, or copy
// src -> dst), `passes` times; the bandwidth model decides how long it takes from where the
// pages are. Without controller bandwidths the phase takes bytes / the CPU copy rate.
Simulator::Step Simulator::phase_bandwidth(Process& p, const Phase& ph, SimTime& t, SimTime& wake) {
    if (p.progress > 0) return Step::Done; // resumed after the flow finished
    const std::size_t src = buffer_index(p, ph.buffer);
    const std::size_t dst = ph.op == Phase::Copy ? buffer_index(p, ph.dst) : src;
    std::uint64_t bytes = 0;
    for (std::uint32_t o : p.buffers[ph.op == Phase::Write ? dst : src].pages)
        if (o != kNone) bytes += kPageBytes;
    bytes *= ph.passes;
    if (!bw_) {
        const double rate =
            sc_.machine.cpu_copy_bandwidth > 0 ? sc_.machine.cpu_copy_bandwidth : 4e9;
        p.progress = 1;
        wake = t + static_cast<SimTime>(static_cast<double>(bytes) * 1e9 / rate);
        return Step::Yield;
    }
    // Flows start at event times so the model's clock only moves forward.
    if (t > now_) {
        wake = t;
        return Step::Yield;
    }
    const auto idx = static_cast<std::uint32_t>(&p - procs_.data());
    FlowSpec spec;
    spec.kind = ph.op == Phase::Read    ? FlowKind::Read
                : ph.op == Phase::Write ? FlowKind::Write
                                        : FlowKind::Copy;
    if (spec.kind != FlowKind::Write) spec.src = register_buffer(p, src);
    if (spec.kind != FlowKind::Read) spec.dst = register_buffer(p, dst);
    spec.passes = ph.passes;
    spec.cpu_cap = 1; // set by update_cpu_caps
    const OwnerKind k = p.buffers[src].spec->kind;
    spec.traffic = (k == OwnerKind::Anon || k == OwnerKind::PageCache) ? TrafficClass::User
                                                                       : TrafficClass::Kernel;
    bw_->advance_to(t);
    const FlowId f = bw_->add_flow(spec);
    if (flow_proc_.size() <= f) flow_proc_.resize(f + 1, kNone);
    flow_proc_[f] = idx;
    Process& q = procs_[idx];
    q.flow = f;
    q.flow_record = stats_.flows.size();
    stats_.flows.push_back({q.name, q.phase, bytes, t, -1});
    q.progress = 1;
    update_cpu_caps(q.cpu);
    // A flow with no bytes is complete at once.
    if (!bw_->completions().empty()) {
        bandwidth_event(t);
        return q.state == Process::State::Running ? Step::Yield : Step::Block;
    }
    reschedule_bandwidth();
    return Step::Block;
}

// FOLL_LONGTERM pinning (pin_user_pages -> check_and_migrate_movable_pages()): pages in
// ZONE_MOVABLE or CMA pageblocks are first migrated to an allocation without __GFP_MOVABLE
// (PF_MEMALLOC_PIN), then pinned.
Simulator::Step Simulator::phase_pin(Process& p, const Phase& ph, SimTime& t, bool pin) {
    const auto idx = static_cast<std::uint32_t>(&p - procs_.data());
    const auto bi = buffer_index(p, ph.buffer);
    for (std::uint64_t v = 0; v < procs_[idx].buffers[bi].pages.size(); ++v) {
        const std::uint32_t o = procs_[idx].buffers[bi].pages[v];
        if (o == kNone) continue;
        OwnerRecord& r = owners_[o];
        if (v != r.vpage) continue; // once per block
        if (pin == bool(r.flags & OwnerRecord::kPinned)) continue;
        if (pin) {
            const PageMap& map = pa_->page_map();
            const Zone* z = pa_->zone_by_id(map.info(r.page).zone);
            const bool movable_place =
                z->type == ZONE_MOVABLE || map.get_pageblock_migratetype(r.page) == MIGRATE_CMA;
            if (movable_place) {
                stats_.pin_migrations++;
                if (!migrate_block(o, r.gfp & ~gfp::kMovable, t)) {
                    stats_.pin_failures++;
                    continue;
                }
            }
            r.flags |= OwnerRecord::kPinned;
            stats_.pins++;
        } else {
            r.flags &= static_cast<std::uint8_t>(~OwnerRecord::kPinned);
        }
        pa_->set_pinned(pa_->page_map().page_to_pfn(r.page), pin);
    }
    procs_[idx].buffers[bi].pinned = pin;
    return Step::Done;
}

// exit(): every block the process owns goes back (Forever-lived allocations were handed to
// the kernel when they were made).
void Simulator::exit_process(std::uint32_t idx, SimTime& t) {
    while (procs_[idx].owned != kNone) free_block(procs_[idx].owned, t);
    for (std::uint32_t c = 0; c < held_claims_.size(); ++c)
        if (held_claims_[c].live && held_claims_[c].proc == idx) release_claim(c);
    Process& p = procs_[idx];
    p.state = Process::State::Exited;
    p.exited_at = t;
    p.gen++;
}

} // namespace pagesim
