// SPDX-License-Identifier: GPL-2.0-only
// Replaying a kernel kmem capture: TraceReplay turns tracefs text into the Generator stream
// the engine drives (captured mm_page_alloc -> alloc, matching mm_page_free -> free), with
// memory bounded by the live allocations. Also the capture's time span (for a trace-only
// run's duration) and an observer interface for the capture's own placement.
#pragma once

#include "workloads/ftrace_parse.h"
#include "workloads/generators.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pagesim {

struct TraceReplayOptions {
    FtraceParseOptions parse; ///< strict, cma (migratetype numbering), limits
    /// CPUs of the simulated machine: a captured CPU c replays on c % ncpus.
    unsigned ncpus = 1;
    /// Simulated time of the capture's first kmem event; later events keep their offsets.
    std::int64_t start_ns = 0;
};

/// What a replay read from the capture and what became of it. Capture-side counts are
/// final once the stream has ended; replay-side counts come from allocation_result().
struct TraceReplayCounts {
    std::uint64_t kmem_events = 0;   ///< every kmem page event read
    std::uint64_t allocs = 0;        ///< captured mm_page_alloc, failed ones included
    std::uint64_t failed_allocs = 0; ///< ... that failed in the kernel (pfn=0x0, NULL page)
    std::uint64_t frees = 0;         ///< captured mm_page_free
    std::uint64_t matched_frees = 0; ///< ... that freed a block allocated in the capture
    /// Frees of blocks allocated before the capture began: counted, not replayed.
    std::uint64_t pre_capture_frees = 0;
    std::uint64_t pre_capture_pages = 0;
    /// Frees of part of a live higher-order block (a split THP freed page by page); the
    /// simulator frees the whole block when its last page is freed (`split_completed`).
    std::uint64_t partial_frees = 0;
    std::uint64_t split_completed = 0;
    /// A free naming a live block's first pfn with a larger order: the block is freed.
    std::uint64_t order_mismatch = 0;
    /// An allocation of a pfn that was still live (its free was lost): the old block is
    /// freed first.
    std::uint64_t implied_frees = 0;
    std::uint64_t free_batched_ignored = 0; ///< mm_page_free_batched (duplicates, E10/§8.5)
    std::uint64_t not_requests = 0;         ///< mm_page_alloc_zone_locked, mm_page_pcpu_drain
    std::uint64_t extfrag = 0;              ///< mm_page_alloc_extfrag
    std::uint64_t extfrag_fragmenting = 0;
    std::uint64_t extfrag_stolen = 0;   ///< change_ownership=1
    std::uint64_t cpus_folded = 0;      ///< requests whose CPU was >= ncpus (taken modulo)
    std::uint64_t time_regressions = 0; ///< events stamped earlier than the one before
    std::uint64_t live_at_end = 0;      ///< captured blocks never freed (at the end)
    std::int64_t first_ts_ns = 0;       ///< capture clock of the first kmem event
    std::int64_t last_ts_ns = 0;
    // Replay side.
    std::uint64_t replay_failed = 0; ///< succeeded in the capture, failed in the simulator
    /// Failed in the capture but succeeded in the simulator: the block is freed at once
    /// (the kernel never held it), so the replay's memory state follows the capture's.
    std::uint64_t replay_recovered = 0;
    std::uint64_t frees_skipped = 0; ///< frees of blocks whose replayed allocation failed
};

/// Told about every captured request as the replay reads it (the capture's own placement:
/// sim/capture_placement.h).
class TraceReplayObserver {
public:
    virtual ~TraceReplayObserver() = default;
    /// A captured mm_page_alloc, failed ones too (ev.failed()).
    virtual void captured_alloc(const TraceEvent& ev) = 0;
    /// A block allocated in the capture ended (its free, its last partial free, or an
    /// implied free); `mt` is its allocation's migratetype.
    virtual void captured_block_freed(Pfn pfn, unsigned order, MigrateType mt) = 0;
    /// A captured mm_page_free of any kind (matched or not).
    virtual void captured_free(const TraceEvent& ev) = 0;
    virtual void captured_extfrag(const TraceEvent& ev) = 0;
};

/// What lost-events markers mean for a replay (the ending of its parse_warnings() line).
inline constexpr std::string_view kLostFreesPreCapture =
    "frees of lost allocations count as before the capture";

/// The replay stream. Allocation ids are small and reused (below the number of live
/// allocations). A captured failure is re-issued as an allocation followed at the same
/// time by its free (so it is tried, and leaves nothing behind if it succeeds).
/// Throws FtraceError from the constructor (unreadable file) and, with parse.strict, from
/// next() at the first malformed line.
class TraceReplay : public Generator {
public:
    TraceReplay(const std::filesystem::path& path, const TraceReplayOptions& options);
    /// Reads `in` (which must outlive the replay); `source` names it in messages.
    TraceReplay(std::istream& in, const std::string& source, const TraceReplayOptions& options);
    ~TraceReplay() override;

    bool next(GenEvent& out) override;
    void allocation_result(const GenEvent& ev, bool ok) override;

    /// Receives every captured request; nullptr: none. Not owned.
    void set_observer(TraceReplayObserver* observer) { observer_ = observer; }
    /// Counts so far; live_at_end is set once the stream has ended.
    const TraceReplayCounts& counts() const { return counts_; }
    const FtraceParseSummary& parse_summary() const { return reader_->summary(); }
    const std::string& source() const { return reader_->source(); }
    /// True once next() has returned false.
    bool ended() const { return ended_; }
    /// Live captured blocks now (the replay's memory).
    std::size_t live() const { return live_.size(); }

private:
    struct Live {
        std::uint32_t id = 0;
        std::uint8_t order = 0;
        MigrateType mt = MIGRATE_UNMOVABLE;
        Pfn freed_pages = 0; ///< pages already freed by partial frees
    };
    void init(const TraceReplayOptions& options);
    void handle(const TraceEvent& ev);
    void on_alloc(const TraceEvent& ev, std::int64_t t, unsigned cpu);
    void on_free(const TraceEvent& ev, std::int64_t t, unsigned cpu);
    void end_block(std::unordered_map<Pfn, Live>::iterator it, std::int64_t t, unsigned cpu);
    std::uint32_t take_id();
    void push(const GenEvent& ev);

    std::unique_ptr<FtraceReader> reader_;
    TraceReplayObserver* observer_ = nullptr;
    TraceReplayCounts counts_;
    unsigned ncpus_ = 1;
    std::int64_t start_ns_ = 0;
    std::int64_t last_t_ = 0;
    bool seen_ = false;
    bool ended_ = false;
    std::unordered_map<Pfn, Live> live_;
    std::vector<std::uint32_t> free_ids_;
    std::uint32_t next_id_ = 0;
    /// Per id: 1 = a captured failure, 2 = its replayed allocation failed.
    std::vector<std::uint8_t> id_flags_;
    std::array<GenEvent, 4> pending_{};
    std::size_t pending_head_ = 0;
    std::size_t pending_count_ = 0;
};

/// First and last kmem event timestamps of a capture file (ns, capture clock): the first
/// from its start, the last by reading backwards from its end, so neither walks the whole
/// file. nullopt if it has no kmem event. Throws FtraceError if it cannot be read.
std::optional<std::pair<std::int64_t, std::int64_t>>
ftrace_time_span(const std::filesystem::path& path, bool cma = false);

} // namespace pagesim
