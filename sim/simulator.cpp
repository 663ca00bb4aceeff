// SPDX-License-Identifier: GPL-2.0-only
// The event loop: boot the layout, start the processes, dispatch events in (time, seq)
// order until the end, sample periodically, replay explicit events and expire lifetimes.
#include "sim/simulator.h"

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
        GeneratorState g;
        g.gen = make_generator(sc_.workload.generators[i], sc_.seed * 0x9E3779B97F4A7C15ULL + i + 1,
                               pa_->ncpus());
        const bool any = g.gen->next(g.pending);
        gens_.push_back(std::move(g));
        if (any) queue_.push(gens_.back().pending.time_ns, EventKind::Generator, static_cast<std::uint32_t>(i));
    }
    if (sc_.sample_period_ns > 0) queue_.push(0, EventKind::Sample);
    queue_.push(end_, EventKind::Stop);
}

Simulator::~Simulator() = default;

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
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void Simulator::start_process(const ProcessSpec& spec, unsigned instance, SimTime t) {
    Process p;
    p.spec = &spec;
    p.instance = instance;
    p.name = spec.instances > 1 ? spec.name + "/" + std::to_string(instance) : spec.name;
    p.rng = sc_.seed * 0x100000001B3ULL + procs_.size() * 0x9E3779B97F4A7C15ULL + 1;
    // CPU placement: the affinity list in instance order, else round-robin over CPUs.
    p.cpu = spec.cpus.empty() ? (next_cpu_++ % pa_->ncpus())
                              : spec.cpus[instance % spec.cpus.size()];
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
        if (opts_.progress && now_ >= next_report) {
            opts_.progress(static_cast<double>(now_) / static_cast<double>(end_));
            next_report = now_ + report_every;
        }
    }
    now_ = end_;
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
        if (!queue_.empty() && next < queue_.top().time) {
            t = now_ = next;
            ++stats_.events;
            continue;
        }
        queue_.push(next, EventKind::Explicit, source);
        return;
    }
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
        if (owners_[slot].live()) free_block(slot, t);
        slot = kNone;
    }
}

// Generated streams: kernel-wide owners indexed by the generator's (reused) ids.
void Simulator::apply_generated(const GenEvent& ev, std::vector<std::uint32_t>& owners, SimTime t) {
    if (ev.id >= owners.size()) owners.resize(ev.id + 1, kNone);
    std::uint32_t& slot = owners[ev.id];
    if (ev.op == ExplicitEvent::Alloc) {
        const MigrateType mt = gfp_migratetype(ev.gfp);
        const OwnerKind kind = mt == MIGRATE_MOVABLE ? OwnerKind::Anon
                               : mt == MIGRATE_RECLAIMABLE ? OwnerKind::SlabReclaimable
                                                           : OwnerKind::Kernel;
        slot = alloc_block(kNone, kind, ev.gfp, ev.order, kNone, 0, ev.cpu % pa_->ncpus(), t);
    } else if (slot != kNone) {
        if (owners_[slot].live()) free_block(slot, t);
        slot = kNone;
    }
}

// Like explicit lists, a generator runs on while its next event precedes the queue's.
void Simulator::step_generator(std::uint32_t index, SimTime t) {
    GeneratorState& g = gens_[index];
    for (;;) {
        apply_generated(g.pending, g.owner, t);
        if (!g.gen->next(g.pending)) return;
        const SimTime next = std::max(g.pending.time_ns, t);
        if (!queue_.empty() && next < queue_.top().time) {
            t = now_ = next;
            ++stats_.events;
            continue;
        }
        queue_.push(next, EventKind::Generator, index);
        return;
    }
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
    stats_.samples.push_back(std::move(s));
}

} // namespace pagesim
