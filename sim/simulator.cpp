// SPDX-License-Identifier: GPL-2.0-only
// The event loop: boot the layout, start the processes, dispatch events in (time, seq)
// order until the end, sample periodically, replay explicit events and expire lifetimes.
#include "sim/simulator.h"
#include "allocator/splitmix64.h"
#include "sim/sim_hooks.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pagesim {

Simulator::Simulator(const Scenario& scenario, const Layout& layout, SimOptions opts)
    : sc_(scenario), layout_(layout), opts_(std::move(opts)) {
    AllocatorOptions ao;
    ao.pcp_enabled = opts_.pcp;
    ao.seed = sc_.seed;
    ao.debug_checks = false; // the engine checks invariants itself where tests ask
    pa_ = std::make_unique<PageAllocator>(layout_, ao);
    if (opts_.tracer) pa_->set_tracer(opts_.tracer);
    kernel_rng_ = sc_.seed ^ 0x6b65726e656cULL;
    end_ = sc_.duration_ns;
    if (opts_.until_ns >= 0 && opts_.until_ns < end_) end_ = opts_.until_ns;

    // The bandwidth model needs every controller's peak bandwidth.
    bool bandwidths = !layout_.controllers.empty();
    for (const ControllerLayout& c : layout_.controllers)
        bandwidths = bandwidths && c.bandwidth > 0;
    if (bandwidths) {
        BandwidthConfig bc;
        bc.chunk_bytes = sc_.chunk_bytes;
        bc.sample_period_ns = sc_.sample_period_ns;
        bw_ = std::make_unique<BandwidthModel>(
            ControllerMap(layout_.controllers, layout_.kconfig.page_size()), bc);
    }

    stats_.zone_allocs.assign(pa_->zones().size(), TypeOrderCounts{});
    const std::size_t nctrl = layout_.controllers.size();
    stats_.controller_allocs.assign(nctrl + 1, TypeOrderCounts{});
    stats_.ctrl_user_pages.assign(nctrl + 1, 0);
    stats_.ctrl_kernel_pages.assign(nctrl + 1, 0);

    for (const ProcessSpec& spec : sc_.workload.processes) {
        for (unsigned c : spec.cpus)
            if (c >= pa_->ncpus())
                throw std::runtime_error("process '" + spec.name + "' is bound to CPU " +
                                         std::to_string(c) + " but the machine has " +
                                         std::to_string(pa_->ncpus()));
        if (spec.spawned_only || !spec.enabled) continue;
        for (unsigned i = 0; i < spec.instances; ++i)
            start_process(spec, i, spec.start_ns + static_cast<SimTime>(i) * spec.start_skew_ns);
    }
    // Explicit events are in time order (the loader checks it; programmatic lists are
    // sorted here) and enter the queue one at a time, so a long list costs no heap space.
    std::vector<ExplicitEvent>& evs = sc_.workload.events;
    if (!std::is_sorted(evs.begin(), evs.end(), [](const ExplicitEvent& a, const ExplicitEvent& b) {
            return a.time_ns < b.time_ns;
        }))
        std::stable_sort(
            evs.begin(), evs.end(),
            [](const ExplicitEvent& a, const ExplicitEvent& b) { return a.time_ns < b.time_ns; });
    renumber_explicit_ids(evs, explicit_slots_);
    if (!evs.empty()) queue_.push(evs.front().time_ns, EventKind::Explicit, 0);
    if (!sc_.workload.events_file.empty()) {
        event_file_ = std::make_unique<EventFileReader>(sc_.workload.events_file);
        if (event_file_->next(file_pending_))
            queue_.push(file_pending_.time_ns, EventKind::Explicit, 1);
    }
    for (std::size_t i = 0; i < sc_.workload.generators.size(); ++i) {
        add_generator(make_generator(sc_.workload.generators[i],
                                     sc_.seed * 0x9E3779B97F4A7C15ULL + i + 1, pa_->ncpus()),
                      false);
    }
    if (!sc_.workload.trace_file.empty()) {
        // A kmem capture replays as one more generator; the capture's own placement on
        // this layout is collected as it is read.
        TraceReplayOptions ro;
        ro.parse.strict = opts_.trace_strict;
        ro.parse.cma = layout_.kconfig.cma;
        ro.ncpus = pa_->ncpus();
        auto replay = std::make_unique<TraceReplay>(sc_.workload.trace_file, ro);
        if (opts_.capture_layout) capture_layout_ = std::make_unique<Layout>(*opts_.capture_layout);
        capture_ = std::make_unique<CapturePlacementBuilder>(capture_layout());
        replay->set_observer(capture_.get());
        replay_ = replay.get();
        add_generator(std::move(replay), true);
    }
    init_slowpath();
    if (sc_.sample_period_ns > 0) queue_.push(0, EventKind::Sample);
    queue_.push(end_, EventKind::Stop);
}

void Simulator::add_generator(std::unique_ptr<Generator> gen, bool free_on_event_cpu) {
    GeneratorState g;
    g.gen = std::move(gen);
    g.free_on_event_cpu = free_on_event_cpu;
    const bool any = g.gen->next(g.pending);
    gens_.push_back(std::move(g));
    if (any) {
        queue_.push(gens_.back().pending.time_ns, EventKind::Generator,
                    static_cast<std::uint32_t>(gens_.size() - 1));
    }
}

// Replaces each id of the list by a dense slot number: an allocation takes the most recently
// freed slot (or a new one), its free names the same slot; a free of an id that is not
// allocated gets kNoSlot and is skipped. Replay then indexes `slots` instead of hashing ids.
void Simulator::renumber_explicit_ids(std::vector<ExplicitEvent>& evs,
                                      std::vector<std::uint32_t>& slots) {
    IdMap<std::uint32_t> live;
    std::vector<std::uint32_t> unused;
    std::uint32_t next = 0;
    for (ExplicitEvent& ev : evs) {
        std::uint32_t slot = 0;
        if (ev.op == ExplicitEvent::Alloc) {
            if (unused.empty()) {
                slot = next++;
            } else {
                slot = unused.back();
                unused.pop_back();
            }
            live.set(ev.id, slot);
            ev.id = slot;
        } else if (live.take(ev.id, slot)) {
            unused.push_back(slot);
            ev.id = slot;
        } else {
            ev.id = kNoSlot;
        }
    }
    slots.assign(next, kNone);
}

std::uint64_t Simulator::next_random(std::uint64_t& state) {
    return splitmix64_next(state);
}

void Simulator::start_process(const ProcessSpec& spec, unsigned instance, SimTime t) {
    Process p;
    p.spec = &spec;
    p.instance = instance;
    p.name = spec.instances > 1 ? spec.name + "/" + std::to_string(instance) : spec.name;
    p.rng = sc_.seed * 0x100000001B3ULL + procs_.size() * 0x9E3779B97F4A7C15ULL + 1;
    // CPU placement: the affinity list in instance order, else round-robin over CPUs.
    p.cpu =
        spec.cpus.empty() ? (next_cpu_++ % pa_->ncpus()) : spec.cpus[instance % spec.cpus.size()];
    if (spec.jitter_ns > 0)
        t += static_cast<SimTime>(next_random(p.rng) % static_cast<std::uint64_t>(spec.jitter_ns));
    p.repeat_left.assign(spec.phases.size(), kNone);
    for (const BufferSpec& b : spec.buffers) {
        Buffer buf;
        buf.spec = &b;
        const std::uint64_t pages = (b.bytes + 4095) / 4096;
        buf.pages.assign(pages, kNone);
        buf.page_tables.assign((pages + 511) / 512, kNone);
        p.buffers.push_back(std::move(buf));
    }
    p.state = Process::State::Running;
    p.phase_start = t;
    const auto idx = static_cast<std::uint32_t>(procs_.size());
    procs_.push_back(std::move(p));
    queue_.push(t, EventKind::ProcessStep, idx, procs_.back().gen);
}

void Simulator::run() {
    const SimTime report_every = end_ / 100 + 1;
    SimTime next_report = report_every;
    while (!queue_.empty()) {
        const Event e = queue_.pop();
        now_ = e.time;
        if (e.kind == EventKind::Stop) break;
        ++stats_.events;
        dispatch(e);
        if (opts_.check_invariants_every && stats_.events % opts_.check_invariants_every == 0)
            pa_->check_invariants();
        if (opts_.progress && now_ >= next_report) {
            opts_.progress(static_cast<double>(now_) / static_cast<double>(end_));
            next_report = now_ + report_every;
        }
    }
    now_ = end_;
    if (bw_ && bw_->now() < end_) bw_->advance_to(end_); // close the metrics at the end
    if (opts_.progress) opts_.progress(1.0);
}

void Simulator::dispatch(const Event& e) {
    switch (e.kind) {
    case EventKind::ProcessStep:
        if (procs_[e.target].gen == e.gen) run_process(e.target, e.time);
        break;
    case EventKind::Expire: {
        const OwnerRecord& r = owners_[e.target];
        if (r.live() && r.gen == e.gen) {
            SimTime t = e.time;
            free_block(e.target, t);
        }
        break;
    }
    case EventKind::Explicit:
        replay_explicit(e.target, e.time);
        break;
    case EventKind::Generator:
        step_generator(e.target, e.time);
        break;
    case EventKind::Bandwidth:
        if (e.gen == bw_gen_) bandwidth_event(e.time);
        break;
    case EventKind::Kswapd:
    case EventKind::Kcompactd:
        agent_event(e.kind, static_cast<int>(e.target), e.gen, e.time);
        break;
    case EventKind::ClaimRelease:
        enter_allocator(e.time);
        release_claim(e.target);
        break;
    case EventKind::Writeback:
        complete_writebacks(e.time);
        break;
    case EventKind::Sample:
        sample(e.time);
        queue_.push(e.time + sc_.sample_period_ns, EventKind::Sample);
        break;
    default:
        break;
    }
}

// Explicit event lists replay exactly, at their own times (allocation costs do not delay
// the list). While the next event comes strictly before anything else in the queue it runs
// at once, in the order the queue would have given it, without a trip through the heap.
void Simulator::replay_explicit(std::uint32_t source, SimTime t) {
    const std::vector<ExplicitEvent>& evs = sc_.workload.events;
    for (;;) {
        if (source == 0) {
            const ExplicitEvent& ev = evs[explicit_next_++];
            std::uint32_t none = kNone;
            apply_explicit(ev, ev.id == kNoSlot ? none : explicit_slots_[ev.id], t);
        } else if (file_pending_.op == ExplicitEvent::Alloc) {
            std::uint32_t owner = kNone;
            apply_explicit(file_pending_, owner, t);
            if (owner != kNone) explicit_owner_.set(file_pending_.id, owner);
        } else {
            std::uint32_t owner = kNone;
            explicit_owner_.take(file_pending_.id, owner);
            apply_explicit(file_pending_, owner, t);
        }
        const bool more =
            source == 0 ? explicit_next_ < evs.size() : event_file_->next(file_pending_);
        if (!more) return;
        const SimTime next =
            std::max(t, source == 0 ? evs[explicit_next_].time_ns : file_pending_.time_ns);
        if (!run_on(next, t, EventKind::Explicit, source)) return;
    }
}

// An event source's next event runs at once, without a trip through the heap, while it
// comes strictly before everything queued (where the queue would have put it anyway);
// otherwise it is queued. True: the caller goes on with it at `t`.
bool Simulator::run_on(SimTime next, SimTime& t, EventKind kind, std::uint32_t source) {
    if (!queue_.empty() && next < queue_.top().time) {
        t = now_ = next;
        ++stats_.events;
        return true;
    }
    queue_.push(next, kind, source);
    return false;
}

// Allocations are kernel-wide owners named by id; a free of an id whose allocation failed
// is skipped (the list does not depend on the model).
void Simulator::apply_explicit(const ExplicitEvent& ev, std::uint32_t& slot, SimTime t) {
    if (ev.op == ExplicitEvent::Alloc) {
        const MigrateType mt = gfp_migratetype(ev.gfp);
        const OwnerKind kind = mt == MIGRATE_MOVABLE       ? OwnerKind::Anon
                               : mt == MIGRATE_RECLAIMABLE ? OwnerKind::SlabReclaimable
                                                           : OwnerKind::Kernel;
        slot = alloc_block(kNone, kind, ev.gfp, ev.order, kNone, 0, ev.cpu % pa_->ncpus(), t);
    } else if (slot != kNone) {
        // On the CPU the list names for the free (a kernel free fills that CPU's pcp list).
        if (owners_[slot].live()) free_block(slot, t, ev.cpu % pa_->ncpus());
        slot = kNone;
    }
}

// Generated streams: kernel-wide owners indexed by the generator's (reused) ids.
void Simulator::apply_generated(const GenEvent& ev, std::vector<std::uint32_t>& owners, SimTime t,
                                bool free_on_event_cpu) {
    if (ev.id >= owners.size()) owners.resize(ev.id + 1, kNone);
    std::uint32_t& slot = owners[ev.id];
    if (ev.op == ExplicitEvent::Alloc) {
        const MigrateType mt = gfp_migratetype(ev.gfp);
        const OwnerKind kind = mt == MIGRATE_MOVABLE       ? OwnerKind::Anon
                               : mt == MIGRATE_RECLAIMABLE ? OwnerKind::SlabReclaimable
                                                           : OwnerKind::Kernel;
        slot = alloc_block(kNone, kind, ev.gfp, ev.order, kNone, 0, ev.cpu % pa_->ncpus(), t);
    } else if (slot != kNone) {
        if (owners_[slot].live())
            free_block(slot, t, free_on_event_cpu ? ev.cpu % pa_->ncpus() : kAllocCpu);
        slot = kNone;
    }
}

// Like explicit lists, a generator runs on while its next event precedes the queue's.
void Simulator::step_generator(std::uint32_t index, SimTime t) {
    GeneratorState& g = gens_[index];
    for (;;) {
        apply_generated(g.pending, g.owner, t, g.free_on_event_cpu);
        if (g.pending.op == ExplicitEvent::Alloc)
            g.gen->allocation_result(g.pending, g.owner[g.pending.id] != kNone);
        if (!g.gen->next(g.pending)) return;
        if (!run_on(std::max(g.pending.time_ns, t), t, EventKind::Generator, index)) return;
    }
}

// ---- Bandwidth phases ------------------------------------------------------------------

// A buffer's pages in virtual-address order, for the bandwidth model (pages the process
// never touched carry no DRAM traffic and are left out).
BufferId Simulator::register_buffer(Process& p, std::size_t buffer) {
    Buffer& b = p.buffers[buffer];
    std::vector<Pfn> pfns;
    pfns.reserve(b.pages.size());
    for (std::size_t v = 0; v < b.pages.size(); ++v) {
        const std::uint32_t o = b.pages[v];
        if (o == kNone) continue;
        const OwnerRecord& r = owners_[o];
        const Pfn head = pa_->page_map().page_to_pfn(r.page);
        if (v == r.vpage) pa_->mark_accessed(head); // the flow touches it: young for reclaim
        pfns.push_back(head + (v - r.vpage));
    }
    b.bw_buffer = bw_->add_buffer(std::move(pfns));
    return b.bw_buffer;
}

void Simulator::reschedule_bandwidth() {
    const std::int64_t next = bw_->next_event_time();
    if (next == kNever || next == bw_scheduled_) return;
    ++bw_gen_;
    bw_scheduled_ = next;
    queue_.push(next, EventKind::Bandwidth, 0, bw_gen_);
}

// Flows on one CPU share its copy throughput.
void Simulator::update_cpu_caps(unsigned cpu) {
    const double cpu_bw =
        sc_.machine.cpu_copy_bandwidth > 0 ? sc_.machine.cpu_copy_bandwidth : 1e11;
    std::vector<FlowId> mine;
    for (FlowId f : bw_->active_flows())
        if (procs_[flow_proc_[f]].cpu == cpu) mine.push_back(f);
    for (FlowId f : mine) bw_->set_cap(f, cpu_bw / static_cast<double>(mine.size()));
}

// The model reached a rate change or a completion: finished flows wake their processes.
void Simulator::bandwidth_event(SimTime t) {
    bw_scheduled_ = -1;
    bw_->advance_to(t);
    std::vector<FlowCompletion> done(bw_->completions().begin(), bw_->completions().end());
    bw_->clear_completions();
    for (const FlowCompletion& c : done) {
        const std::uint32_t idx = flow_proc_[c.flow];
        Process& p = procs_[idx];
        stats_.flows[p.flow_record].end = c.time_ns;
        for (Buffer& b : p.buffers)
            if (b.bw_buffer != kNoBuffer) {
                bw_->remove_buffer(b.bw_buffer);
                b.bw_buffer = kNoBuffer;
            }
        p.flow = ~FlowId{0};
        if (p.state == Process::State::Blocked) {
            p.state = Process::State::Running;
            queue_.push(c.time_ns, EventKind::ProcessStep, idx, p.gen);
        }
        update_cpu_caps(p.cpu);
    }
    reschedule_bandwidth();
}

// The periodic sampler: a row of the time series.
void Simulator::sample(SimTime t) {
    Sample s;
    s.t = t;
    for (const Zone* z : pa_->zones()) {
        s.zone_free.push_back(z->free_pages());
        s.zone_boost.push_back(z->watermark_boost);
    }
    s.ctrl_user = stats_.ctrl_user_pages;
    s.ctrl_kernel = stats_.ctrl_kernel_pages;
    s.allocs = stats_.allocs;
    s.failures = stats_.nr_failures;
    s.extfrag = pa_->stats().extfrag_events;
    const unsigned normal = static_cast<unsigned>(layout_.zone_index(ZONE_NORMAL));
    for (const Zone* z : pa_->zones()) {
        if (!z->populated() || z->zone_idx > normal) continue;
        s.kernel_free += z->free_pages() - z->lowmem_reserve[normal] -
                         static_cast<std::int64_t>(z->nr_reserved_highatomic) - z->free_cma_pages();
        s.kernel_min += static_cast<std::int64_t>(z->wmark_pages(WMARK_MIN));
        s.kernel_low += static_cast<std::int64_t>(z->wmark_pages(WMARK_LOW));
        s.kernel_high += static_cast<std::int64_t>(z->wmark_pages(WMARK_HIGH));
    }
    stats_.samples.push_back(std::move(s));
}

} // namespace pagesim
