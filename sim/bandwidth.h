// SPDX-License-Identifier: GPL-2.0-only
// The bandwidth model: a fluid, event-driven simulation of flows (read, write, copy phases)
// streaming through buffers chunk by chunk and sharing each memory controller's peak
// bandwidth max-min fairly, with per-controller demand / delivered / idle metrics.
#pragma once

#include "sim/bandwidth_buffer.h"
#include "sim/bandwidth_controller_map.h"
#include "sim/bandwidth_maxmin.h"
#include "sim/bandwidth_metrics.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace pagesim {

using FlowId = std::uint32_t;
using BufferId = std::uint32_t;
inline constexpr BufferId kNoBuffer = ~BufferId{0};
/// "No event pending" for next_event_time().
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

struct BandwidthConfig {
    /// Granularity of streaming, bytes in (0, 2GiB]: a flow draws on the controllers of the
    /// chunk it is in. Chunks need not be page multiples.
    std::uint64_t chunk_bytes = std::uint64_t{64} << 10;
    std::int64_t start_ns = 0; ///< model time at construction
    /// Length of the metric intervals (series()); 0 keeps run totals only.
    std::int64_t sample_period_ns = 0;
};

enum class FlowKind : std::uint8_t {
    Read,  ///< streams through `src`
    Write, ///< streams through `dst`
    Copy,  ///< reads `src` and writes `dst` in step: 1 byte of progress = 1 read + 1 written
};

/// A bandwidth phase of a simulated process.
struct FlowSpec {
    FlowKind kind = FlowKind::Copy;
    BufferId src = kNoBuffer; ///< Read and Copy; kNoBuffer otherwise
    BufferId dst = kNoBuffer; ///< Write and Copy; kNoBuffer otherwise
    /// Whole passes over the buffer(s); a pass of a copy is min(src, dst) bytes long.
    std::uint64_t passes = 1;
    double cpu_cap = 0; ///< CPU copy throughput, progress bytes/s, finite and > 0
    TrafficClass traffic = TrafficClass::User;
};

enum class FlowState : std::uint8_t { Active, Done, Removed };

struct FlowStatus {
    FlowState state = FlowState::Active;
    std::int64_t start_ns = 0;
    std::int64_t end_ns = -1;      ///< completion or removal time; -1 while active
    double done_bytes = 0;         ///< progress so far (bytes of the pass sequence)
    std::uint64_t total_bytes = 0; ///< passes * pass length
};

struct FlowCompletion {
    FlowId flow = 0;
    std::int64_t time_ns = 0;
    bool operator==(const FlowCompletion&) const = default;
};

/// How the engine drives it:
///   BandwidthModel bw(ControllerMap(layout.controllers, page_size), {.sample_period_ns = P});
///   BufferId a = bw.add_buffer(pfns_a), b = bw.add_buffer(pfns_b);
///   bw.advance_to(t);                        // bring the model to the engine's clock
///   FlowId f = bw.add_flow({FlowKind::Copy, a, b, 30, cpu_copy_bw, TrafficClass::User});
///   // loop: schedule bw.next_event_time(); when it fires, bw.advance_to(that time), then
///   // resume the processes in bw.completions() and bw.clear_completions().
///   // migration: bw.set_pages(a, index, new_pfns) or bw.remap_pfns(old, new, count).
///
/// Time is integer nanoseconds. Rates are piecewise constant between events; an event is a
/// flow reaching the end of its current piece (a stretch of its pass over which its draws
/// on the controllers do not change; identical consecutive pieces are merged, across pass
/// boundaries too, so a copy between two single-controller buffers is one event however
/// many passes it makes). Mutations (add/remove flow, set_cap, page moves) take effect at
/// now(); rates are recomputed lazily, once, before time next moves or is queried.
///
/// Rounding: a flow that needs `d` real nanoseconds to reach the end of its piece is given
/// the event time now + max(1, ceil(d - 1e-12 d - 1e-9)). At that event its progress is
/// set exactly to the piece end (the snap moves it by at most 1e-12 relative), so a flow
/// always finishes, time strictly advances at each event, and no crossing is skipped. A
/// flow can sit at its piece end for less than 1 ns before its event: wall times are exact
/// to within 1 ns per event the flow goes through. Byte counts are exact (progress is
/// accounted, not rate * time).
class BandwidthModel {
public:
    BandwidthModel(ControllerMap map, BandwidthConfig cfg = {});

    const ControllerMap& controllers() const { return map_; }
    const BandwidthConfig& config() const { return cfg_; }
    std::int64_t now() const { return now_; }

    // --- buffers ---------------------------------------------------------------------
    /// Registers a buffer: its pages in virtual-address order. Every pfn must lie on a
    /// controller. Length = pages * page size.
    BufferId add_buffer(std::vector<Pfn> pages);
    /// Forgets a buffer; BandwidthError if an active flow uses it.
    void remove_buffer(BufferId b);
    std::span<const Pfn> buffer_pages(BufferId b) const;
    /// The buffer's merged segments (recomputed if pages moved).
    const BufferProfile& buffer(BufferId b);
    /// Pages [first, first + pfns.size()) of buffer `b` now live at `pfns`. Flows using `b`
    /// re-derive their draws at their current position.
    void set_pages(BufferId b, std::size_t first, std::span<const Pfn> pfns);
    /// Every buffer page at a pfn in [old_start, old_start + count) moved to the same offset
    /// in [new_start, new_start + count) (a migrated block). Returns how many buffer pages
    /// moved. The first call builds a pfn -> page index (a hash map, off the hot path).
    std::size_t remap_pfns(Pfn old_start, Pfn new_start, std::uint64_t count);

    // --- flows -----------------------------------------------------------------------
    /// Starts a flow at now(). A flow with no bytes (empty buffer, zero passes) completes at
    /// once: it is in completions() straight away.
    FlowId add_flow(const FlowSpec& spec);
    /// Stops an active flow at now() (no completion is reported); no-op for a finished one.
    void remove_flow(FlowId f);
    /// Changes an active flow's CPU cap from now() on.
    void set_cap(FlowId f, double cpu_cap);
    /// Re-derives an active flow's draws and everyone's rates (after an outside change).
    void invalidate_flow(FlowId f);

    // --- time ------------------------------------------------------------------------
    /// Time of the next event, >= now(), or kNever. Recomputes rates first if a mutation
    /// left them stale; advance_to(now()) runs any event due at now().
    std::int64_t next_event_time();
    /// Runs every event at times <= t, then moves to t. t >= now(), else BandwidthError.
    void advance_to(std::int64_t t);
    /// Flows finished so far, in (time, flow id) order, until cleared.
    const std::vector<FlowCompletion>& completions() const { return completions_; }
    void clear_completions() { completions_.clear(); }

    // --- inspection ------------------------------------------------------------------
    FlowStatus status(FlowId f) const;
    const FlowSpec& spec(FlowId f) const;
    /// Current rate (progress bytes/s) of an active flow; 0 for a finished one.
    double rate(FlowId f);
    /// Current draws of an active flow: bytes from each controller per byte of progress
    /// (a_fc; a copy's sum to 2). Empty for a finished flow.
    std::span<const Draw> draws(FlowId f);
    /// Active flows, by id.
    std::span<const FlowId> active_flows() const { return active_; }
    /// Instantaneous delivered and demanded bandwidth of a controller, bytes/s.
    ClassSplit delivered_rate(ControllerId c);
    ClassSplit demand_rate(ControllerId c);
    bool saturated(ControllerId c);
    std::uint64_t events() const { return events_; }
    std::uint64_t recomputations() const { return recomputations_; }

    // --- metrics ---------------------------------------------------------------------
    /// Integrals from the start to now(), one entry per controller.
    std::span<const ControllerStats> totals() const { return totals_; }
    /// Closed intervals (empty if sample_period_ns == 0).
    const BandwidthSeries& series() const { return series_; }
    /// The interval in progress, [series end, now()).
    std::span<const ControllerStats> open_interval() const { return open_; }
    /// summarize(totals()) over [start_ns, now()).
    std::vector<ControllerSummary> summary() const;

private:
    struct Flow {
        FlowSpec spec;
        FlowState state = FlowState::Active;
        std::uint64_t length = 0; ///< bytes per pass
        std::uint64_t total = 0;
        double done = 0;
        std::uint64_t piece_end = 0; ///< absolute progress where the current draws end
        std::vector<Draw> draws;
        double rate = 0;
        std::int64_t event_ns = kNever;
        std::int64_t start_ns = 0;
        std::int64_t end_ns = -1;
        bool stale = true; ///< draws must be re-derived at `done`
    };
    struct BufferPage {
        BufferId buffer;
        std::uint32_t index;
    };

    Flow& flow_ref(FlowId f, const char* what);
    BufferProfile& live_buffer(BufferId b);
    bool uses(const Flow& f, BufferId b) const { return f.spec.src == b || f.spec.dst == b; }
    void mark_users_stale(BufferId b);
    void derive_piece(Flow& f);
    void refresh();
    std::int64_t event_time(const Flow& f) const;
    void integrate(std::int64_t t);
    void step(std::int64_t t);
    void finish_crossings(std::int64_t t);
    void index_insert(BufferId b, std::size_t index, Pfn pfn);
    void index_erase(BufferId b, std::size_t index, Pfn pfn);

    ControllerMap map_;
    BandwidthConfig cfg_;
    std::int64_t now_ = 0;
    std::vector<std::optional<BufferProfile>> buffers_; ///< by BufferId; empty = removed
    std::vector<Flow> flows_;
    std::vector<FlowId> active_;
    std::vector<FlowCompletion> completions_;

    // Rate state, valid when !stale_rates_.
    bool stale_rates_ = false;
    bool stale_order_ = false;
    std::int64_t next_event_ = kNever;
    std::vector<ClassSplit> delivered_rate_;
    std::vector<ClassSplit> demand_rate_;
    std::vector<std::uint8_t> saturated_;
    std::vector<std::uint8_t> busy_;
    bool any_saturated_ = false;

    // Solver inputs and scratch, reused (no allocation in steady state).
    MaxMinSolver solver_;
    std::vector<double> caps_;
    std::vector<std::uint32_t> offsets_;
    std::vector<ControllerId> ctrl_;
    std::vector<double> coef_;
    std::vector<std::uint32_t> cap_order_;
    std::vector<double> rates_;
    std::vector<Draw> scratch_draws_;

    // Metrics.
    std::vector<ControllerStats> totals_;
    std::vector<ControllerStats> open_;
    BandwidthSeries series_;
    std::int64_t next_sample_ = kNever;

    std::uint64_t events_ = 0;
    std::uint64_t recomputations_ = 0;

    // pfn -> buffer pages, built by the first remap_pfns().
    bool index_built_ = false;
    std::unordered_multimap<Pfn, BufferPage> index_;
};

} // namespace pagesim
