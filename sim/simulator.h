// SPDX-License-Identifier: GPL-2.0-only
// The simulator: one machine, one layout, one workload, one seed. It owns the page
// allocator, the owner records, the processes and the event queue, and runs processes on
// simulated CPUs in (time, seq) order. Allocation paths cost simulated time (EngineCosts).
#pragma once

#include "allocator/layout.h"
#include "allocator/page_allocator.h"
#include "allocator/slowpath.h"
#include "sim/bandwidth.h"
#include "sim/capture_placement.h"
#include "sim/event_queue.h"
#include "sim/owner_table.h"
#include "sim/run_stats.h"
#include "workloads/explicit_events.h"
#include "workloads/generators.h"
#include "workloads/id_map.h"
#include "workloads/trace_replay.h"
#include "workloads/workload.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pagesim {

struct SimOptions {
    SimTime until_ns = -1;        ///< stop before the scenario's duration (-1: no)
    SimTime quantum_ns = 50'000;  ///< a process runs at most this long per event
    bool pcp = true;              ///< per-CPU lists (false: the W1–W3 "pcp off" variant)
    KmemTracer* tracer = nullptr; ///< extra kmem tracepoint consumer (ftrace export)
    /// Workload::trace_file: the first malformed line is an FtraceError (else counted).
    bool trace_strict = false;
    /// Workload::trace_file: the layout the capture was taken on, which places its pfns in
    /// zones for the capture's own placement (copied); nullptr: the run's layout.
    const Layout* capture_layout = nullptr;
    /// PageAllocator::check_invariants() after every N-th engine event (0: never).
    std::uint64_t check_invariants_every = 0;
    /// Called now and then with the fraction of simulated time done (progress bar).
    std::function<void(double)> progress;
};

/// A process's view of one of its buffers: the owner of every 4 KiB virtual page.
struct Buffer {
    const BufferSpec* spec = nullptr;
    std::vector<std::uint32_t> pages;       ///< owner id per virtual page, kNone if not faulted
    std::vector<std::uint32_t> page_tables; ///< owner id per 2 MiB region's page-table page
    std::uint64_t touched = 0;              ///< pages faulted so far (address order)
    std::uint64_t next_alloc_vpage = 0;     ///< where an alloc stream appends
    bool pinned = false;
    BufferId bw_buffer = kNoBuffer; ///< registered with the bandwidth model
};

struct Process {
    const ProcessSpec* spec = nullptr;
    std::string name;
    unsigned instance = 0;
    unsigned cpu = 0;
    enum class State : std::uint8_t { Waiting, Running, Blocked, Exited } state = State::Waiting;
    std::uint32_t gen = 0; ///< bumped whenever a scheduled step must be ignored
    std::size_t phase = 0;
    std::uint64_t progress = 0; ///< blocks allocated / pages touched in the current phase
    SimTime phase_start = 0;
    std::vector<unsigned> repeat_left;
    std::vector<Buffer> buffers;
    std::uint32_t owned = kNone; ///< head of the list of blocks this process owns
    std::uint64_t rss_pages = 0;
    std::uint64_t interleave = 0;
    std::uint64_t rng = 0; ///< splitmix64 state for jitter and lifetimes
    SimTime exited_at = -1;
    FlowId flow = ~FlowId{0};    ///< the bandwidth flow the process waits for
    std::size_t flow_record = 0; ///< its entry in RunStats::flows
};

/// The engine's "current" at an allocator call, for kmem tracepoint consumers: the local
/// simulated time of the call and the process making it (kNone: a kernel-wide owner).
/// Kept up to date only while a tracer is installed (SimOptions::tracer).
struct TraceCaller {
    SimTime now = 0;
    std::uint32_t proc = kNone;
};

class Simulator {
public:
    /// Boots `layout` and prepares the workload. Throws std::runtime_error on a workload
    /// that names something the layout lacks (a CPU, a node, a buffer...).
    Simulator(const Scenario& scenario, const Layout& layout, SimOptions opts = {});
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    /// Runs to the scenario's duration (or opts.until_ns).
    void run();
    SimTime now() const { return now_; }
    SimTime end_time() const { return end_; }

    PageAllocator& allocator() { return *pa_; }
    const PageAllocator& allocator() const { return *pa_; }
    const RunStats& stats() const { return stats_; }
    const OwnerTable& owners() const { return owners_; }
    const std::vector<Process>& processes() const { return procs_; }
    const Scenario& scenario() const { return sc_; }
    const Layout& layout() const { return layout_; }
    /// The slow path (reclaim, compaction, contiguous allocation, OOM).
    const SlowPathModel& slowpath() const { return *sp_; }
    /// Page-allocator pages held by driver claims now (claimed, not yet released; claims
    /// from a no-map carve-out are not the page allocator's and do not count).
    std::uint64_t held_claim_pages() const;
    /// The bandwidth model (nullptr when the machine declares no controller bandwidths).
    const BandwidthModel* bandwidth() const { return bw_.get(); }
    /// Who is calling the allocator right now (valid inside tracer callbacks).
    const TraceCaller& trace_caller() const { return caller_; }
    /// The replay of Workload::trace_file, or nullptr.
    const TraceReplay* trace_replay() const { return replay_; }
    /// The capture's own placement on capture_layout() (nullptr without a trace), read as
    /// the replay goes: complete when trace_replay()->ended().
    const CapturePlacementBuilder* capture_placement() const { return capture_.get(); }
    /// The layout the capture was taken on (SimOptions::capture_layout, else layout()).
    const Layout& capture_layout() const { return capture_layout_ ? *capture_layout_ : layout_; }

private:
    enum class Step : std::uint8_t { Continue, Yield, Block, Done };

    void dispatch(const Event& e);
    void start_process(const ProcessSpec& spec, unsigned instance, SimTime t);
    void run_process(std::uint32_t idx, SimTime t);
    Step run_phase(Process& p, std::uint32_t idx, SimTime& t, SimTime& wake);
    Step phase_alloc(Process& p, const Phase& ph, SimTime& t, SimTime& wake);
    Step phase_touch(Process& p, const Phase& ph, SimTime& t);
    /// One fault (a page, or a THP block) at the first untouched page of buffer `bi`;
    /// true when the buffer is fully backed.
    bool touch_one(std::uint32_t idx, std::uint32_t bi, SimTime& t);
    Step phase_free(Process& p, const Phase& ph, SimTime& t);
    Step phase_bandwidth(Process& p, const Phase& ph, SimTime& t, SimTime& wake);
    Step phase_pin(Process& p, const Phase& ph, SimTime& t, bool pin);
    void exit_process(std::uint32_t idx, SimTime& t);
    std::size_t buffer_index(const Process& p, const std::string& name) const;

    /// Allocates one block for `proc` (kNone: kernel-wide) and records its owner. Returns
    /// the owner id or kNone on failure; advances `t` by the path's cost.
    std::uint32_t alloc_block(std::uint32_t proc, OwnerKind kind, GfpFlags gfp, unsigned order,
                              std::uint32_t buffer, std::uint32_t vpage, unsigned cpu, SimTime& t);
    /// Frees an owned block through the allocator and forgets its owner. `cpu`: the CPU
    /// that frees (kAllocCpu: the one that allocated it).
    void free_block(std::uint32_t owner, SimTime& t, unsigned cpu = kAllocCpu);
    static constexpr unsigned kAllocCpu = ~0u;
    /// Records the caller for the tracer (one predictable branch when there is none).
    void note_caller(SimTime t, std::uint32_t proc) {
        if (opts_.tracer) caller_ = TraceCaller{t, proc};
    }
    /// Moves an owned block's contents to a new block allocated with `gfp` (a migration the
    /// engine itself performs, e.g. before a long-term pin). False if no target.
    bool migrate_block(std::uint32_t owner, GfpFlags gfp, SimTime& t);
    void link_owner(std::uint32_t proc, std::uint32_t owner);
    void unlink_owner(std::uint32_t owner);
    std::int64_t draw_lifetime(Process* p, const Lifetime& l);
    std::uint64_t next_random(std::uint64_t& state);
    void sample(SimTime t);
    // The owner side of reclaim, migration and OOM, and the kswapd/kcompactd driver
    // (sim_hooks.cpp).
    class Hooks;
    friend class Hooks;
    void init_slowpath();
    SimTime slowpath_cost(std::uint64_t slow_before, bool ok);
    std::uint8_t controller_of(PageIdx page) const; ///< controller id, or the count if none
    void schedule_agent(EventKind kind, int nid, SimTime t);
    void agent_event(EventKind kind, int nid, std::uint32_t gen, SimTime t);
    void forget_block(std::uint32_t owner); ///< the owner gave the block up (reclaim)
    /// Marks the start of an allocator operation at time t (alloc, migration, agent step,
    /// claim): hook_now() is then t plus what the slow path has cost since.
    void enter_allocator(SimTime t) {
        cur_t_ = t;
        sp_base_ = sp_->cost_so_far();
    }
    SimTime hook_now() const {
        return cur_t_ + static_cast<SimTime>(sp_->cost_so_far() - sp_base_);
    }
    void kill_process(std::uint32_t idx, SimTime t); ///< the OOM killer's SIGKILL
    /// Claims a contiguous range as the phase says; the ClaimRecord tells how it went.
    Step phase_claim(Process& p, const Phase& ph, SimTime& t);
    ContigResult claim_windows(const std::vector<PfnRange>& ranges, Pfn pages, GfpFlags gfp);
    ContigResult claim_reserved_on(const ControllerLayout& ctrl, Pfn pages, int& cma_area);
    ContigResult claim_carveout(const std::vector<PfnRange>& ranges, Pfn pages);
    void release_claim(std::uint32_t claim);
    BufferId register_buffer(Process& p, std::size_t buffer);
    void reschedule_bandwidth();
    void bandwidth_event(SimTime t);
    void update_cpu_caps(unsigned cpu);
    /// Replays the next event of source `source` (0: the in-memory list, 1: the streamed
    /// file) and those after it that fall before anything else in the queue.
    void replay_explicit(std::uint32_t source, SimTime t);
    bool run_on(SimTime next, SimTime& t, EventKind kind, std::uint32_t source);
    static constexpr std::uint64_t kNoSlot = ~std::uint64_t{0};
    static void renumber_explicit_ids(std::vector<ExplicitEvent>& evs,
                                      std::vector<std::uint32_t>& slots);
    /// Applies one explicit event whose allocation lives in `slot` (its owner, or kNone).
    void apply_explicit(const ExplicitEvent& ev, std::uint32_t& slot, SimTime t);
    void apply_generated(const GenEvent& ev, std::vector<std::uint32_t>& owners, SimTime t,
                         bool free_on_event_cpu);
    void add_generator(std::unique_ptr<Generator> gen, bool free_on_event_cpu);
    void step_generator(std::uint32_t index, SimTime t);

    Scenario sc_;
    Layout layout_;
    SimOptions opts_;
    std::unique_ptr<PageAllocator> pa_;
    OwnerTable owners_;
    std::vector<Process> procs_;
    EventQueue queue_;
    RunStats stats_;
    SimTime now_ = 0;
    SimTime end_ = 0;
    unsigned next_cpu_ = 0;
    std::uint64_t kernel_rng_ = 0;
    IdMap<std::uint32_t> explicit_owner_; ///< events_file id -> owner
    std::size_t explicit_next_ = 0;       ///< next event of sc_.workload.events
    /// The in-memory list's ids, renumbered densely at construction (sc_ holds its own
    /// copy): an id is a slot, reused after its free, so replay indexes a small vector.
    std::vector<std::uint32_t> explicit_slots_;
    std::unique_ptr<EventFileReader> event_file_; ///< sc_.workload.events_file, streamed
    ExplicitEvent file_pending_;                  ///< its next event
    struct GeneratorState {
        std::unique_ptr<Generator> gen;
        GenEvent pending;
        std::vector<std::uint32_t> owner; ///< generator id -> owner id (kNone: none)
        bool free_on_event_cpu = false;   ///< frees run on the event's CPU (trace replay)
    };
    std::vector<GeneratorState> gens_;
    std::unique_ptr<BandwidthModel> bw_;
    std::uint32_t bw_gen_ = 0; ///< generation of the scheduled Bandwidth event
    SimTime bw_scheduled_ = -1;
    std::vector<std::uint32_t> flow_proc_; ///< flow id -> process index
    TraceCaller caller_;
    std::unique_ptr<Hooks> hooks_;
    std::unique_ptr<SlowPathModel> sp_;
    std::vector<std::uint32_t> kswapd_gen_, kcompactd_gen_; ///< lazy cancellation of naps
    struct HeldClaim {
        Pfn pfn = 0;
        Pfn pages = 0;
        int cma_area = -1; ///< cma_alloc'ed from this area (-1: alloc_contig_range, -2: carve-out)
        std::uint32_t proc = kNone; ///< released at this process's exit (UntilExit)
        bool live = false;
    };
    SimTime cur_t_ = 0;                   ///< start of the allocator operation in progress
    std::uint64_t sp_base_ = 0;           ///< the slow path's cost_so_far() at that start
    std::vector<SimTime> writeback_done_; ///< owner id -> when its writeback completes
    struct PendingWriteback {
        SimTime done = 0;
        std::uint32_t owner = 0;
        std::uint32_t gen = 0;
    };
    std::deque<PendingWriteback> writebacks_; ///< in start order (= completion order)
    SimTime writeback_busy_until_ = 0;        ///< the backing device's queue
    SimTime writeback_event_ = -1;            ///< the pending Writeback event's time
    /// Reclaim met a dirty page: the flusher writes back its whole file (sim_writeback.cpp).
    void start_writeback(std::uint32_t owner);
    /// folio_end_writeback() for every write done by `now`: the block goes to its LRU tail.
    void complete_writebacks(SimTime now);
    std::vector<HeldClaim> held_claims_;
    TraceReplay* replay_ = nullptr; ///< owned by its GeneratorState
    std::unique_ptr<CapturePlacementBuilder> capture_;
    std::unique_ptr<Layout> capture_layout_;
};

} // namespace pagesim
