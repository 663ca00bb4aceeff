// SPDX-License-Identifier: GPL-2.0-only
// SlowPathModel: the allocator's slow path (__alloc_pages_slowpath), reclaim (direct and
// kswapd), compaction (direct, kcompactd, proactive), contiguous allocation and CMA, and the
// OOM killer. Every operation returns its cost in simulated nanoseconds (SlowPathCosts); the
// engine drives kswapd and kcompactd through step functions and learns of wake-ups from an
// AgentListener. Implemented in slowpath.cpp, reclaim.cpp, kswapd.cpp, compaction.cpp,
// migrate.cpp, kcompactd.cpp, contig.cpp, cma.cpp and oom.cpp.
#pragma once
//
// Deliberate differences from 6.1 (each named where it is implemented):
// - LRU aging is one second-chance (CLOCK) list per kind instead of active/inactive lists;
//   anon/file scan balance is swappiness with equal costs; reclaim throttling is one
//   writeback wait for a pass that met only dirty pages; throttle_direct_reclaim (waiting
//   for kswapd below the pfmemalloc reserve) is not modelled.
// - Compaction scanners are linear (no fast_find_migrateblock / fast_isolate_freepages);
//   allocated blocks of order > 0 count as compound (THP) and are only moved by
//   alloc_contig_range; kcompactd compacts one zone per step.
// - The OOM victim is chosen here (oom_badness over OwnerHooks::oom_candidates) and its
//   memory is freed synchronously by OwnerHooks::oom_kill (the oom_reaper at once).
// - Isolating a HIGHATOMIC pageblock for alloc_contig_range returns its reservation.
// - The retry loop stops after SlowPathConfig::max_loops with AllocFailure::Stuck where the
//   kernel would loop for ever waiting for other tasks.

#include "allocator/page_allocator.h"
#include "allocator/page_owner.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pagesim {

inline constexpr unsigned SWAP_CLUSTER_MAX = 32;
inline constexpr unsigned COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX;
inline constexpr int DEF_PRIORITY = 12;
inline constexpr int MAX_RECLAIM_RETRIES = 16;
inline constexpr int MAX_COMPACT_RETRIES = 16;
inline constexpr unsigned COMPACT_MAX_DEFER_SHIFT = 6;
inline constexpr unsigned NR_MAX_MIGRATE_PAGES_RETRY = 10;

/// enum compact_result, in the kernel's order (try_to_compact_pages takes the max).
enum class CompactResult : std::uint8_t {
    NotSuitableZone,
    Skipped,
    Deferred,
    NoSuitablePage,
    Continue,
    Complete,
    PartialSkipped,
    Contended,
    Success,
};
std::string_view compact_result_name(CompactResult r);

/// enum compact_priority: lower is more thorough.
enum CompactPriority : int {
    COMPACT_PRIO_SYNC_FULL = 0,
    MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL,
    COMPACT_PRIO_SYNC_LIGHT = 1,
    MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
    DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
    COMPACT_PRIO_ASYNC = 2,
    INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC,
};

/// Simulated cost of each slow-path step, in nanoseconds. Defaults are order-of-magnitude
/// figures for a 2020s server core with DDR4/5; every run can override them.
struct SlowPathCosts {
    /// Per page looked at by reclaim (isolate_lru_folios + the referenced/rmap check).
    std::uint64_t reclaim_scan_ns = 100;
    /// Per page reclaimed (unmap, TLB flush share, freeing).
    std::uint64_t reclaim_free_ns = 400;
    /// Per anon page swapped out (add_to_swap + submitting the write; the I/O is async).
    std::uint64_t swap_out_ns = 2000;
    /// reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK): a reclaim pass that met only dirty or
    /// writeback pages and freed nothing waits for writeback (the kernel waits up to HZ/10
    /// and is woken early as writeback completes; 20 ms is a typical wait).
    std::uint64_t writeback_throttle_ns = 20'000'000;
    /// Per pfn visited by the compaction migrate or free scanner.
    std::uint64_t compact_scan_ns = 5;
    /// Extra per pageblock examined when the zone is not contiguous (DMB overlap, holes):
    /// __pageblock_pfn_to_page()'s pfn_valid and page_zone checks (Mel Gorman's point).
    std::uint64_t noncontig_pageblock_ns = 60;
    /// Per block migrated: isolation, unmap, remap, TLB shootdown, putback.
    std::uint64_t migrate_fixed_ns = 2000;
    /// Copy cost per byte migrated (0.1 ns/B = 10 GB/s memcpy).
    double copy_ns_per_byte = 0.1;
    /// Per migration attempt refused with Busy (folio_trylock failure, writeback wait).
    std::uint64_t migrate_retry_ns = 5000;
    /// Per loop of the slow path (`goto retry`): cond_resched, zonelist walks.
    std::uint64_t retry_ns = 1000;
    /// drain_all_pages(): IPI to every CPU and the drain itself.
    std::uint64_t drain_all_ns = 20'000;
    /// An OOM kill: dump_header, selecting and signalling the victim, reaping its memory.
    std::uint64_t oom_kill_ns = 10'000'000;
    /// Per pageblock whose skip bit is cleared (__reset_isolation_suitable).
    std::uint64_t skip_reset_ns = 10;
};

/// Configuration of the slow-path model.
struct SlowPathConfig {
    SlowPathCosts costs;
    /// Swap space in pages; anon LRU pages are reclaimable only while free swap remains
    /// (can_reclaim_anon_pages). 0 = no swap: anon pages are never scanned.
    std::uint64_t swap_pages = 0;
    unsigned swappiness = 60; ///< vm.swappiness (0..200)
    /// The slow path gives up with AllocFailure::Stuck after this many `retry:` loops. The
    /// kernel would loop for ever (__GFP_NOFAIL, GFP_NOFS "too small to fail") waiting for
    /// another task to free memory, which a single request in the model cannot get.
    unsigned max_loops = 1000;
    /// Length of kswapd's short sleep before it sleeps fully (HZ/10).
    std::uint64_t kswapd_nap_ns = 100'000'000;
    /// kcompactd's proactive-compaction check interval (HPAGE_FRAG_CHECK_INTERVAL_MSEC).
    std::uint64_t kcompactd_interval_ns = 500'000'000;
};

/// What one __alloc_pages_slowpath call did.
struct SlowPathReport {
    AllocFailure failure = AllocFailure::None;
    /// warn_alloc() would print "page allocation failure" (a failure without __GFP_NOWARN;
    /// __GFP_NOWARN changes nothing else).
    bool warn = false;
    std::uint64_t cost_ns = 0;
    unsigned loops = 0;                 ///< `goto retry` iterations
    unsigned direct_reclaim_stalls = 0; ///< try_to_free_pages calls (allocstall_*)
    unsigned compaction_stalls = 0;     ///< compact_stall increments
    std::uint64_t pages_scanned = 0;    ///< reclaim scans (pgscan_direct)
    std::uint64_t pages_reclaimed = 0;  ///< pgsteal_direct
    std::uint64_t pages_migrated = 0;   ///< pgmigrate_success during the call
    std::uint64_t compact_scanned = 0;  ///< migrate + free scanner pfns
    CompactResult compact_result = CompactResult::Skipped; ///< last direct compaction
    int compact_priority = DEF_COMPACT_PRIORITY;           ///< priority at the end
    bool captured = false; ///< the page came from compaction capture
    int no_progress_loops = 0;
    unsigned oom_kills = 0;
    std::uint32_t oom_victim = 0; ///< last victim (valid if oom_kills)
    std::uint64_t oom_pages_freed = 0;
};

/// One step of an asynchronous agent (kswapd, kcompactd).
struct AgentStep {
    std::uint64_t cost_ns = 0; ///< run again after this long (busy time, or the nap length)
    bool again = false;        ///< false: asleep until an AgentListener wake
    bool napping = false;      ///< cost_ns is a sleep (kswapd's short nap, kcompactd's timer)
};

/// How the engine learns an agent must run: called when a sleeping (or napping) agent is
/// woken. The engine then schedules the agent's step now (cancelling a pending nap timer).
class AgentListener {
public:
    virtual ~AgentListener() = default;
    virtual void kswapd_wake(int nid) = 0;
    virtual void kcompactd_wake(int nid) = 0;
};

/// Why a contiguous allocation failed.
enum class ContigFailure : std::uint8_t {
    None,
    BadRange,      ///< outside one zone, holes, reserved pages, or not in the CMA area
    Isolated,      ///< a pageblock was already isolated (another contig allocation)
    Unmovable,     ///< has_unmovable_pages(): an unmovable page outside ZONE_MOVABLE
    MigrateFailed, ///< -EBUSY: movable pages still busy after the retries
    NotIsolated,   ///< test_pages_isolated(): a page was never freed (pinned, unmovable)
    NoMemory,      ///< -ENOMEM: no migration target could be allocated
    NoRange,       ///< alloc_contig_pages / cma_alloc found no candidate range
};
std::string_view contig_failure_name(ContigFailure f);

/// The result of alloc_contig_range / alloc_contig_pages / cma_alloc.
struct ContigResult {
    Pfn pfn = kNoPfn; ///< first pfn of the range on success
    ContigFailure failure = ContigFailure::None;
    std::uint64_t cost_ns = 0;
    std::uint64_t pages_migrated = 0;
    std::uint64_t pages_reclaimed = 0; ///< clean page cache dropped instead of migrated
    std::uint64_t migrate_busy = 0;    ///< Busy answers (each retried)
    unsigned ranges_tried = 0;         ///< alloc_contig_pages / cma_alloc candidates
    Pfn failed_pfn = kNoPfn;           ///< the page that made the range fail
    explicit operator bool() const { return pfn != kNoPfn; }
};

/// A CMA area (struct cma): its range and allocation bitmap (order_per_bit 0: one bit a page).
struct CmaAreaState {
    std::string name;
    Pfn base_pfn = 0;
    Pfn count = 0;
    std::vector<bool> bitmap;
    std::uint64_t allocated = 0; ///< bits set
};

/// One OOM kill, for the engine's event log.
struct OomEvent {
    std::uint32_t victim = 0;
    long long points = 0;
    std::uint64_t pages_freed = 0;
    GfpFlags gfp = 0;
    unsigned order = 0;
    std::uint32_t requester = 0;
};

namespace detail {
struct ScanControl;
struct CompactControl;
struct MigrateStats;
} // namespace detail

class SlowPathModel final : public SlowPath {
public:
    /// Installs itself as `pa`'s slow path; CMA areas come from the layout.
    SlowPathModel(PageAllocator& pa, OwnerHooks& hooks, SlowPathConfig cfg = {});
    ~SlowPathModel() override;
    SlowPathModel(const SlowPathModel&) = delete;
    SlowPathModel& operator=(const SlowPathModel&) = delete;

    void set_listener(AgentListener* l) { listener_ = l; }
    const SlowPathConfig& config() const { return cfg_; }
    /// The report of the most recent slow-path call.
    const SlowPathReport& last_report() const { return report_; }
    /// Slow-path calls so far: an alloc_pages call reached the slow path iff this changed
    /// across it (kept out of AllocResult so the fast path returns two registers).
    std::uint64_t slowpath_calls() const { return calls_; }
    /// Simulated cost of everything the model did so far. An OwnerHooks answer that depends
    /// on time (writeback completing) adds the part since its operation began to the
    /// operation's start time: the slow path's own waits move time on inside one call.
    std::uint64_t cost_so_far() const { return cost_ns_; }
    const std::vector<OomEvent>& oom_log() const { return oom_log_; }
    /// Free swap space in pages (anon reclaim uses it; the engine returns space with
    /// swap_free when swapped pages are faulted back in or their owner exits).
    std::uint64_t nr_swap_pages() const { return free_swap_; }
    void swap_free(std::uint64_t pages);

    // ---- SlowPath ----------------------------------------------------------------------
    Pfn alloc_pages_slowpath(PageAllocator& pa, const AllocRequest& req, AllocContext& ac,
                             AllocFailure& why) override;
    void wakeup_kswapd(PageAllocator& pa, Zone& zone, GfpFlags gfp, unsigned order,
                       unsigned highest_zoneidx) override;
    void check_invariants(const PageAllocator& pa) const override;

    // ---- kswapd (kswapd.cpp) -----------------------------------------------------------
    /// Whether kswapd of `nid` is awake (running balance_pgdat or woken, not sleeping).
    bool kswapd_runnable(int nid) const;
    bool kswapd_napping(int nid) const;
    /// One step of kswapd: one priority round of balance_pgdat, or the sleep decision.
    AgentStep kswapd_step(int nid);
    /// pgdat_balanced(): any managed zone <= highest_zoneidx meets its high watermark.
    bool pgdat_balanced(int nid, unsigned order, unsigned highest_zoneidx) const;
    int kswapd_failures(int nid) const {
        return pa_.nodes()[static_cast<std::size_t>(nid)].kswapd_failures;
    }

    // ---- Compaction (compaction.cpp, kcompactd.cpp) ------------------------------------
    /// compaction_suitable(): Success, Skipped or Continue.
    CompactResult compaction_suitable(const Zone& z, int order, AllocFlags alloc_flags,
                                      unsigned highest_zoneidx) const;
    /// fragmentation_index() (mm/vmstat.c): -1000 if a block of `order` is free, else
    /// 0..1000 (0: lack of memory, 1000: fragmentation).
    int fragmentation_index(const Zone& z, unsigned order) const;
    /// extfrag_for_order(): percent of free memory unusable for `order`.
    unsigned extfrag_for_order(const Zone& z, unsigned order) const;
    /// fragmentation_score_node() for proactive compaction.
    unsigned fragmentation_score_node(int nid) const;
    void defer_compaction(Zone& z, int order);
    bool compaction_deferred(Zone& z, int order);
    void compaction_defer_reset(Zone& z, int order, bool alloc_success);
    bool compaction_restarting(const Zone& z, int order) const;
    /// Manual compaction of one zone (echo 1 > /proc/sys/vm/compact_memory): order -1,
    /// sync, whole zone. Returns the cost.
    std::uint64_t compact_zone_manual(Zone& z);
    /// wakeup_kcompactd().
    void wakeup_kcompactd(int nid, unsigned order, unsigned highest_zoneidx);
    bool kcompactd_runnable(int nid) const;
    /// One step of kcompactd: compact one zone of a requested pass, or check proactive
    /// compaction (napping kcompactd_interval_ns between checks when proactiveness > 0).
    AgentStep kcompactd_step(int nid);

    // ---- Contiguous allocation (contig.cpp, cma.cpp) -----------------------------------
    /// alloc_contig_range(): the pages [start, end) of one zone become order-0 allocated
    /// pages owned by `owner`. `migratetype` is MIGRATE_MOVABLE or MIGRATE_CMA.
    ContigResult alloc_contig_range(Pfn start, Pfn end, MigrateType migratetype, GfpFlags gfp,
                                    std::uint32_t owner = 0);
    /// free_contig_range(): frees nr order-0 pages from pfn (each must be allocated).
    void free_contig_range(Pfn pfn, Pfn nr_pages);
    /// alloc_contig_pages(): the first suitable aligned range of nr_pages in the zonelist of
    /// `nid` (never one intersecting a Designated Movable Block).
    ContigResult alloc_contig_pages(Pfn nr_pages, GfpFlags gfp, int nid,
                                    std::uint64_t nodemask = kAllNodes, std::uint32_t owner = 0);
    /// cma_alloc(): `count` pages aligned to 2^align_order pages from area `area`.
    ContigResult cma_alloc(std::size_t area, Pfn count, unsigned align_order, bool no_warn = false,
                           std::uint32_t owner = 0);
    /// cma_release(): false if the pages are not an allocation of this area.
    bool cma_release(std::size_t area, Pfn pfn, Pfn count);
    const std::vector<CmaAreaState>& cma_areas() const { return cma_; }

    // ---- OOM (oom.cpp) -----------------------------------------------------------------
    /// oom_badness() as mm/oom_kill.c computes it; LLONG_MIN if never chosen.
    long long oom_badness(const OomCandidate& c) const;

private:
    friend struct detail::CompactControl;
    struct KswapdState;
    struct KcompactdState;

    // slowpath.cpp
    AllocFlags gfp_to_alloc_flags(GfpFlags gfp, unsigned order, std::uint8_t task) const;
    AllocFlags gfp_pfmemalloc_flags(GfpFlags gfp, std::uint8_t task) const;
    void wake_all_kswapds(unsigned order, GfpFlags gfp, const AllocContext& ac);
    PageIdx direct_reclaim(const AllocRequest& req, AllocFlags flags, const AllocContext& ac,
                           std::uint64_t& progress);
    PageIdx direct_compact(const AllocRequest& req, AllocFlags flags, const AllocContext& ac,
                           int prio, CompactResult& result);
    bool should_reclaim_retry(const AllocRequest& req, const AllocContext& ac, AllocFlags flags,
                              bool progress, int& no_progress_loops);
    bool should_compact_retry(const AllocContext& ac, unsigned order, AllocFlags flags,
                              CompactResult result, int& prio, int& retries);
    bool compaction_zonelist_suitable(const AllocContext& ac, unsigned order,
                                      AllocFlags flags) const;
    PageIdx may_oom(const AllocRequest& req, const AllocContext& ac, bool& progress,
                    bool& no_victim);
    PageIdx cpuset_fallback(const AllocRequest& req, AllocFlags flags, const AllocContext& ac);
    PageIdx freelist(const AllocRequest& req, GfpFlags gfp, AllocFlags flags,
                     const AllocContext& ac);

    // reclaim.cpp
    std::uint64_t try_to_free_pages(const AllocRequest& req, const AllocContext& ac);
    void shrink_node(int nid, detail::ScanControl& sc);
    std::uint64_t shrink_list(int nid, LruKind kind, std::uint64_t nr_to_scan,
                              detail::ScanControl& sc);
    bool compaction_ready(const Zone& z, const detail::ScanControl& sc) const;
    bool can_reclaim_anon() const { return free_swap_ > 0; }
    std::uint64_t lru_size_eligible(int nid, LruKind kind, unsigned reclaim_idx) const;

    // kswapd.cpp
    bool prepare_kswapd_sleep(int nid, unsigned order, unsigned highest_zoneidx) const;
    bool pgdat_watermark_boosted(int nid, unsigned highest_zoneidx) const;
    void balance_begin(int nid);
    bool balance_round(int nid); ///< one do-while iteration; true when balance_pgdat ends
    void balance_end(int nid);
    void set_reclaim_active(int nid, unsigned highest, bool on);
    void kswapd_try_to_sleep_begin(int nid, AgentStep& step);
    void kswapd_start_balance(int nid);

    // compaction.cpp
    CompactResult compaction_suitable_target(const Zone& z, int order, AllocFlags alloc_flags,
                                             unsigned highest_zoneidx,
                                             std::int64_t wmark_target) const;
    CompactResult try_to_compact_pages(const AllocRequest& req, AllocFlags flags,
                                       const AllocContext& ac, int prio, PageIdx& capture);
    CompactResult compact_zone_order(Zone& z, const AllocRequest& req, AllocFlags flags,
                                     unsigned highest_zoneidx, int prio, PageIdx& capture);
    CompactResult compact_zone(detail::CompactControl& cc, CaptureControl* capc);
    CompactResult compact_finished(detail::CompactControl& cc);
    bool isolate_migratepages(detail::CompactControl& cc);
    void isolate_migratepages_block(detail::CompactControl& cc, Pfn low, Pfn end);
    void isolate_freepages(detail::CompactControl& cc);
    std::uint64_t isolate_freepages_block(detail::CompactControl& cc, Pfn& start, Pfn end,
                                          unsigned stride);
    PageIdx pageblock_pfn_to_page(Pfn start, Pfn end, const Zone& z);
    bool suitable_migration_source(const detail::CompactControl& cc, PageIdx page) const;
    bool suitable_migration_target(const detail::CompactControl& cc, PageIdx page) const;
    void update_cached_migrate(detail::CompactControl& cc, Pfn pfn);
    void reset_cached_positions(Zone& z);
    void reset_isolation_suitable_zone(Zone& z);
    void reset_isolation_suitable(int nid);

    // migrate.cpp
    std::uint64_t isolate_free_page(Zone& z, PageIdx page, unsigned order,
                                    std::vector<PageIdx>& out);
    void release_freepages(detail::CompactControl& cc);
    PageIdx compaction_alloc(detail::CompactControl& cc);
    /// migrate_pages(): moves every block of `list` (heads) whose owner agrees; returns
    /// false on -ENOMEM. Failed blocks stay in `list`, migrated ones leave it.
    bool migrate_pages(std::vector<PageIdx>& list, detail::CompactControl* cc, int target_nid,
                       MigrateMode mode, detail::MigrateStats& st);
    void move_block(PageIdx src, PageIdx dst, unsigned cpu);

    // kcompactd.cpp
    bool kcompactd_node_suitable(int nid) const;
    bool should_proactive_compact_node(int nid) const;

    // contig.cpp
    bool start_isolate_page_range(Zone& z, Pfn start, Pfn end, MigrateType mt, ContigResult& res);
    void undo_isolate_page_range(Zone& z, Pfn start, Pfn end, MigrateType mt);
    void set_migratetype_isolate(Zone& z, PageIdx block);
    void unset_migratetype_isolate(Zone& z, PageIdx block, MigrateType mt);
    Pfn has_unmovable_pages(const Zone& z, Pfn start, Pfn end, MigrateType mt) const;
    ContigResult contig_range(Pfn start, Pfn end, MigrateType mt, GfpFlags gfp,
                              std::uint32_t owner);
    void free_contig_pages(Pfn pfn, Pfn nr_pages);
    bool alloc_contig_migrate_range(Zone& z, Pfn start, Pfn end, GfpFlags gfp, ContigResult& res);
    bool test_pages_isolated(Pfn start, Pfn end, Pfn& bad) const;
    void split_free_block_to_pageblocks(Zone& z, PageIdx head);
    bool dmb_intersects(Pfn start, Pfn end) const;

    // oom.cpp
    bool out_of_memory(const AllocRequest& req, const AllocContext& ac, bool& no_victim);

    void add_cost(std::uint64_t ns) { cost_ns_ += ns; }
    std::uint64_t migrate_cost(unsigned order) const;
    unsigned agent_cpu(int nid) const;
    void after_op() const { pa_.check_after_op(); }

    PageAllocator& pa_;
    OwnerHooks& hooks_;
    SlowPathConfig cfg_;
    AgentListener* listener_ = nullptr;
    SlowPathReport report_;
    SlowPathReport* cur_ = nullptr; ///< the report of the slow-path call in progress
    std::uint64_t calls_ = 0;
    std::vector<OomEvent> oom_log_;
    std::vector<CmaAreaState> cma_;
    std::vector<KswapdState> kswapd_;
    std::vector<KcompactdState> kcompactd_;
    std::uint64_t free_swap_ = 0;
    std::uint64_t cost_ns_ = 0; ///< running total; operations report deltas
    unsigned page_shift_ = 12;
};

/// Suppresses the allocator's per-operation invariant checks for a scope.
class ScopedNoChecks {
public:
    explicit ScopedNoChecks(PageAllocator& pa) : pa_(pa), old_(pa.suppress_checks(true)) {}
    ~ScopedNoChecks() { release(); }
    /// Restores the previous setting early (so the operation can check once at its end).
    void release() {
        if (!released_) pa_.suppress_checks(old_);
        released_ = true;
    }
    ScopedNoChecks(const ScopedNoChecks&) = delete;
    ScopedNoChecks& operator=(const ScopedNoChecks&) = delete;

private:
    PageAllocator& pa_;
    bool old_;
    bool released_ = false;
};

} // namespace pagesim
