// SPDX-License-Identifier: GPL-2.0-only
// PageAllocator: the model of mm/page_alloc.c for one booted machine — nodes and zones,
// zonelists, the fast path (__alloc_pages → get_page_from_freelist → rmqueue), freeing
// with buddy merging, per-CPU lists, watermarks and reserves. The slow path plugs in
// through SlowPath; kmem tracepoints go to a KmemTracer.
#pragma once

#include "allocator/gfp.h"
#include "allocator/layout.h"
#include "allocator/page_map.h"
#include "allocator/trace.h"
#include "allocator/types.h"
#include "allocator/vmstat.h"
#include "allocator/zone.h"

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace pagesim {

inline constexpr std::uint64_t kAllNodes = ~std::uint64_t{0};
inline constexpr unsigned kMaxNodes = 32;

/// Task context bits of a request (the parts of `current` the slow path reads).
inline constexpr std::uint8_t kTaskMemalloc = 1; ///< PF_MEMALLOC: reclaim context, may use reserves
inline constexpr std::uint8_t kTaskRealtime = 2; ///< rt_task() in task context: ALLOC_MIN_RESERVE
inline constexpr std::uint8_t kTaskOomVictim = 4; ///< tsk_is_oom_victim(): ALLOC_OOM
inline constexpr std::uint8_t kTaskKthread = 8;   ///< PF_KTHREAD: no compaction capture

/// One allocation request (the arguments of __alloc_pages plus the simulator's context).
struct AllocRequest {
    GfpFlags gfp = GFP_KERNEL;
    unsigned order = 0;
    unsigned cpu = 0;                   ///< the CPU the request runs on (pcp lists, local node)
    int nid = -1;                       ///< preferred node; -1 = the CPU's node
    std::uint64_t nodemask = kAllNodes; ///< allowed nodes (mempolicy bind), bit per node
    std::uint32_t owner = 0;            ///< owner record stored on the head page
    std::uint8_t task_flags = 0;        ///< kTask* bits of the requesting task
};

/// Why the fast path returned no page.
enum class AllocFailure : std::uint8_t {
    None,
    OrderTooLarge, ///< order >= MAX_ORDER: fails at once, no tracepoint (E10)
    BadGfp,        ///< an invalid zone-modifier combination (GFP_ZONES_BUG)
    NoZone,        ///< no populated zone is eligible (zonelist, highest_zoneidx, nodemask)
    Watermark,     ///< every eligible zone failed its watermark check
    NoPage,        ///< a zone passed its watermark but had no free block of this order
    // Slow-path outcomes (SlowPath reports the details of the call):
    NoReclaim,        ///< no __GFP_DIRECT_RECLAIM (GFP_ATOMIC/NOWAIT) or PF_MEMALLOC: no reclaim
    NoRetry,          ///< __GFP_NORETRY after one round of reclaim and compaction
    Costly,           ///< order > PAGE_ALLOC_COSTLY_ORDER without __GFP_RETRY_MAYFAIL
    RetriesExhausted, ///< reclaim/compaction retries gave up and the OOM killer may not run
    OomNoVictim,      ///< OOM with nothing to kill (the kernel panics: "System is deadlocked")
    Stuck,            ///< the retry loop hit SlowPathConfig::max_loops (NOFAIL/NOFS livelock)
};
std::string_view alloc_failure_name(AllocFailure f);

struct AllocResult {
    Pfn pfn = kNoPfn;
    AllocFailure failure = AllocFailure::None;
    explicit operator bool() const { return pfn != kNoPfn; }
};

/// struct pglist_data: a node, its zones (kernel index order) and zonelists.
struct NodeData {
    int nid = 0;
    Pfn node_start_pfn = 0;
    Pfn node_spanned_pages = 0;
    Pfn node_present_pages = 0;
    std::vector<Zone*> zones;               ///< every configured zone, index = zone_idx
    std::vector<Zone*> zonelist_fallback;   ///< ZONELIST_FALLBACK: populated zones, all nodes
    std::vector<Zone*> zonelist_nofallback; ///< ZONELIST_NOFALLBACK (__GFP_THISNODE)
    std::vector<unsigned> cpus;
    std::array<std::int64_t, NR_VM_NODE_STAT_ITEMS> vm_stat{};
    std::uint64_t totalreserve_pages = 0;
    int kswapd_failures = 0;
    /// Node LRU lists by LruKind: head = most recently added, reclaim scans from the tail.
    std::array<PageList, kNrLruKinds> lru;
    std::array<std::uint64_t, kNrLruKinds> nr_lru{}; ///< pages on each list
};

/// struct alloc_context.
struct AllocContext {
    const std::vector<Zone*>* zonelist = nullptr;
    std::uint64_t nodemask = kAllNodes;
    Zone* preferred_zone = nullptr; ///< preferred_zoneref->zone (nullptr: nothing eligible)
    unsigned highest_zoneidx = 0;
    MigrateType migratetype = MIGRATE_UNMOVABLE;
};

class PageAllocator;

/// The slow path (__alloc_pages_slowpath), supplied by the simulator: reclaim, compaction,
/// OOM. Without one, alloc_pages returns the fast path's failure reason.
class SlowPath {
public:
    virtual ~SlowPath() = default;
    /// Called after the fast path failed; returns a pfn or kNoPfn. `why` may be refined.
    virtual Pfn alloc_pages_slowpath(PageAllocator& pa, const AllocRequest& req, AllocContext& ac,
                                     AllocFailure& why) = 0;
    /// wakeup_kswapd(): rmqueue calls it after a boosting fallback (ZONE_BOOSTED_WATERMARK).
    virtual void wakeup_kswapd(PageAllocator& /*pa*/, Zone& /*zone*/, GfpFlags /*gfp*/,
                               unsigned /*order*/, unsigned /*highest_zoneidx*/) {}
    /// Extra invariants of the slow path's own state (CMA bitmaps...); throws AllocatorError.
    virtual void check_invariants(const PageAllocator& /*pa*/) const {}
};

struct AllocatorOptions {
    bool pcp_enabled = true; ///< false: every order bypasses the per-CPU lists (W1-W3 variant)
    std::uint64_t seed = 1;  ///< page_alloc.shuffle's random bits
    /// check_invariants() after every public operation (default: PAGESIM_EXPENSIVE_CHECKS).
    bool debug_checks = kExpensiveChecksDefault;
#ifdef PAGESIM_EXPENSIVE_CHECKS
    static constexpr bool kExpensiveChecksDefault = true;
#else
    static constexpr bool kExpensiveChecksDefault = false;
#endif
};

/// Counters pagesim keeps beyond /proc/vmstat (fallback and pageblock ownership changes).
struct AllocatorStats {
    std::uint64_t extfrag_events = 0;      ///< successful __rmqueue_fallback calls
    std::uint64_t extfrag_fragmenting = 0; ///< ... that took a block below pageblock_order
    std::array<std::uint64_t, kMigrateTypes> pageblocks_claimed{}; ///< by requested type
    std::uint64_t highatomic_reserved = 0; ///< reserve_highatomic_pageblock conversions
    std::uint64_t highatomic_unreserved = 0;
    std::uint64_t pcp_refills = 0;
    std::uint64_t pcp_hits = 0;     ///< allocations served from a pcp list without refilling
    std::uint64_t buddy_allocs = 0; ///< allocations served by rmqueue_buddy
    std::uint64_t pcp_drained_pages = 0;
};

class PageAllocator {
public:
    /// Boots the layout: memmap and pageblock types (memmap_init), memblock_free_all and
    /// deferred init, shuffle, CMA activation, zonelists, watermarks with the THP raise,
    /// then the late frees of erratum E14.
    explicit PageAllocator(const Layout& layout, AllocatorOptions opts = {});
    ~PageAllocator();
    PageAllocator(const PageAllocator&) = delete;
    PageAllocator& operator=(const PageAllocator&) = delete;

    // ---- The API the simulator uses --------------------------------------------------
    /// __alloc_pages(): the fast path, then the slow path if one is installed. Emits
    /// mm_page_alloc once (not for order >= MAX_ORDER, erratum E10).
    AllocResult alloc_pages(const AllocRequest& req);
    /// __free_pages(): frees an allocated block (head pfn and its order) from `cpu`.
    /// Throws AllocatorError if pfn is not the head of an allocated block of that order.
    void free_pages(Pfn pfn, unsigned order, unsigned cpu);
    /// split_page(): an allocated order-k block becomes 2^k allocated order-0 pages with
    /// the same owner and movability.
    void split_page(Pfn pfn, unsigned order);
    /// Marks an allocated block movable (PG_lru: counted by move_freepages_block, migratable
    /// by compaction) or not. Defaults at allocation: movable iff gfp migratetype MOVABLE.
    void set_movable(Pfn pfn, bool movable);
    /// Long-term pin / unpin (FOLL_LONGTERM): pinned blocks refuse migration.
    void set_pinned(Pfn pfn, bool pinned);
    void set_owner(Pfn pfn, std::uint32_t owner);

    // ---- LRU lists (lru.cpp) -----------------------------------------------------------
    /// lru_cache_add(): links an allocated head on its node's `kind` list (newest end,
    /// unreferenced). Throws if pfn is not an allocated head or is already on an LRU.
    void lru_add(Pfn pfn, LruKind kind);
    /// Unlinks an allocated head from its LRU (throws if it is on none). Freeing a block
    /// that is on an LRU unlinks it automatically.
    void lru_del(Pfn pfn);
    /// folio_mark_accessed(): sets the referenced bit (no-op for blocks on no LRU).
    void mark_accessed(Pfn pfn);
    /// folio_rotate_reclaimable(): a block whose writeback reclaim started (PG_reclaim) has
    /// been written; it moves to the oldest end of its LRU, unreferenced, to be reclaimed
    /// next (no-op for blocks on no LRU).
    void lru_rotate_reclaimable(Pfn pfn);
    bool on_lru(Pfn pfn) const;
    /// zone_reclaimable_pages(): file LRU pages, plus anon pages when `anon` (swap space).
    std::uint64_t zone_reclaimable_pages(const Zone& z, bool anon) const {
        return z.nr_lru[static_cast<unsigned>(LruKind::File)] +
               (anon ? z.nr_lru[static_cast<unsigned>(LruKind::Anon)] : 0);
    }
    /// drain_all_pages(zone or all zones): every CPU's lists back to the buddy.
    void drain_all_pages(Zone* zone = nullptr);
    /// drain_local_pages(): one CPU's lists of one zone (or all zones).
    void drain_pages(unsigned cpu, Zone* zone = nullptr);

    /// Sets every zone's watermarks, boost and lowmem_reserve to zero so that every page can
    /// be allocated: the set-up of the allocator-independent W1–W3 workloads and of tests
    /// that fill zones. Undone by the next setup_per_zone_wmarks().
    void zero_watermarks();

    void set_tracer(KmemTracer* t) { tracer_ = t; }
    void set_slowpath(SlowPath* s) { slowpath_ = s; }

    // ---- Sysctl writes (the handlers in mm/page_alloc.c) ------------------------------
    void set_min_free_kbytes(long long kbytes);       ///< min_free_kbytes_sysctl_handler
    void set_watermark_scale_factor(unsigned factor); ///< watermark_scale_factor_sysctl_handler
    void set_watermark_boost_factor(unsigned factor);
    void set_lowmem_reserve_ratio(const std::array<unsigned, kZoneTypes>& ratio);
    void set_percpu_pagelist_high_fraction(unsigned fraction);

    // ---- Introspection ------------------------------------------------------------------
    const Layout& layout() const { return layout_; }
    const KernelConfig& kconfig() const { return layout_.kconfig; }
    const Sysctls& sysctl() const { return sysctl_; }
    long long min_free_kbytes() const { return min_free_kbytes_; }
    const std::vector<NodeData>& nodes() const { return nodes_; }
    NodeData& node(int nid) { return nodes_[static_cast<std::size_t>(nid)]; }
    /// Every zone of every node, node-major, kernel index order.
    const std::vector<Zone*>& zones() const { return all_zones_; }
    Zone* zone_by_id(std::uint8_t id) const { return all_zones_[id]; }
    PageMap& page_map() { return map_; }
    const PageMap& page_map() const { return map_; }
    const VmEvents& events() const { return events_; }
    VmEvents& events() { return events_; }
    const AllocatorStats& stats() const { return stats_; }
    unsigned max_order() const { return max_order_; }
    unsigned pageblock_order() const { return pageblock_order_; }
    std::uint64_t pageblock_nr_pages() const { return pageblock_nr_pages_; }
    unsigned ncpus() const { return ncpus_; }
    int cpu_to_node(unsigned cpu) const { return cpu_node_[cpu]; }
    bool cma_configured() const { return layout_.kconfig.cma; }
    bool page_group_by_mobility_disabled() const { return mobility_disabled_; }
    std::uint64_t vm_total_pages() const { return vm_total_pages_; }
    std::uint64_t totalreserve_pages() const { return totalreserve_pages_; }
    /// Migrate type number the kernel would print (ISOLATE is 4 without CONFIG_CMA).
    int kernel_migratetype(MigrateType mt) const;
    /// Number of migrate types the kernel has (5 or 6).
    unsigned nr_migratetypes() const { return cma_configured() ? 6 : 5; }
    /// The types a block can be allocated as, in /proc/pagetypeinfo's column order
    /// (MIGRATE_ISOLATE is never allocated; MIGRATE_CMA only when configured).
    std::vector<MigrateType> allocatable_migratetypes() const {
        std::vector<MigrateType> t{MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE,
                                   MIGRATE_HIGHATOMIC};
        if (cma_configured()) t.push_back(MIGRATE_CMA);
        return t;
    }
    /// Zone a pfn belongs to, or nullptr.
    Zone* pfn_zone(Pfn pfn) const;
    /// nr_free_zone_pages(gfp_zone(GFP_USER)): Σ max(0, managed − high) over lowmem zones.
    std::uint64_t nr_free_buffer_pages() const;

    /// Walks every list and recounts everything (spec §9). Throws AllocatorError with a
    /// description of the first violated invariant.
    void check_invariants() const;
    /// check_invariants() if debug checks are on and not suppressed (the slow path suppresses
    /// them while pages are in flight and checks once at the end of its public operation).
    void check_after_op() const {
        if (checks_on_) check_invariants();
    }
    /// Suppresses check_after_op(); returns the previous setting.
    bool suppress_checks(bool on) {
        const bool old = checks_suppressed_;
        checks_suppressed_ = on;
        checks_on_ = opts_.debug_checks && !on;
        return old;
    }
    bool debug_checks() const { return opts_.debug_checks; }

    // ---- Kernel internals, public for the slow path, compaction and tests ------------
    /// gfp_zone() as a kernel zone index for this config; false for GFP_ZONES_BUG.
    bool gfp_zone(GfpFlags gfp, unsigned& zoneidx) const;
    MigrateType gfp_migratetype_of(GfpFlags gfp) const;
    /// prepare_alloc_pages(): fills ac, returns the initial alloc flags (WMARK_LOW, CMA).
    bool prepare_alloc_pages(const AllocRequest& req, AllocContext& ac, AllocFlags& flags) const;
    AllocFlags alloc_flags_nofragment(const Zone* zone, GfpFlags gfp) const;
    /// get_page_from_freelist(); `why` reports the reason of a failure.
    PageIdx get_page_from_freelist(GfpFlags gfp, unsigned order, AllocFlags alloc_flags,
                                   const AllocContext& ac, unsigned cpu, AllocFailure* why);
    bool zone_watermark_fast(const Zone& z, unsigned order, std::uint64_t mark,
                             unsigned highest_zoneidx, AllocFlags flags, GfpFlags gfp) const;
    bool zone_watermark_ok(const Zone& z, unsigned order, std::uint64_t mark,
                           unsigned highest_zoneidx, AllocFlags flags) const;
    bool zone_watermark_ok_free(const Zone& z, unsigned order, std::uint64_t mark,
                                unsigned highest_zoneidx, AllocFlags flags,
                                std::int64_t free_pages) const; ///< __zone_watermark_ok
    bool unreserve_highatomic_pageblock(const AllocContext& ac, bool force);
    /// find_suitable_fallback() on zone->free_area[order]: a fallback type with free blocks
    /// of that order, or -1; `can_steal` says whether the whole pageblock may be taken.
    int find_suitable_fallback(const Zone& zone, unsigned order, MigrateType mt,
                               bool only_stealable, bool& can_steal) const;
    /// move_freepages_block(); returns pages moved, `num_movable` counts movable pages.
    std::uint64_t move_freepages_block(Zone& zone, PageIdx page, MigrateType mt, int* num_movable);
    /// set_pageblock_migratetype() (honours page_group_by_mobility_disabled).
    void set_pageblock_migratetype(PageIdx page, MigrateType mt);
    /// __free_one_page(): merge and insert a block into the buddy lists.
    void free_one_page_locked(Zone& zone, PageIdx page, unsigned order, MigrateType mt,
                              FpiFlags fpi);
    /// Takes a free block off its buddy list (del_page_from_free_list) without accounting.
    void del_page_from_free_list(Zone& zone, PageIdx page, unsigned order);
    /// add_to_free_list(): a free block onto `mt`'s list of `order` (head or tail), no
    /// merging and no NR_FREE_PAGES accounting.
    void add_to_free_list(Zone& zone, PageIdx page, unsigned order, MigrateType mt, bool tail);
    /// move_to_free_list(): a free block to the tail of `mt`'s list of its order.
    void move_to_free_list(Zone& zone, PageIdx page, unsigned order, MigrateType mt);
    /// __mod_zone_freepage_state().
    void mod_zone_freepage_state(Zone& zone, std::int64_t nr_pages, MigrateType mt);
    /// prep_new_page(): marks `page` an allocated head of `order` with `owner`.
    void prep_new_page(PageIdx page, unsigned order, GfpFlags gfp, std::uint32_t owner);
    /// The allocated-block head that contains `page`, or kNoPage.
    PageIdx find_allocated_head(PageIdx page) const;
    /// __free_pages() on an allocated head without validation or invariant check: tracepoint,
    /// LRU unlink, then free_the_page (pcp for pcp orders). For reclaim and migration.
    void free_page_block(PageIdx page, unsigned order, unsigned cpu);
    /// free_the_page(): a block whose flags are already clear, into the pcp or buddy.
    void free_the_page_raw(PageIdx page, unsigned order, unsigned cpu) {
        free_the_page(page, order, cpu);
    }
    /// Internal LRU operations on page indices (see lru_add).
    void lru_add_page(PageIdx page, LruKind kind, bool referenced);
    void lru_del_page(PageIdx page);
    /// Moves a block on an LRU to the newest end (rotation), clearing or keeping referenced.
    void lru_rotate_page(PageIdx page, bool referenced);
    /// Recomputes watermarks, pcp high/batch and totalreserve (setup_per_zone_wmarks).
    void setup_per_zone_wmarks();
    void setup_per_zone_lowmem_reserve();
    /// wakeup_kswapd hook: the slow-path layer overrides via SlowPath; counts for now.
    std::uint64_t boosted_wakeups() const { return boosted_wakeups_; }

    KmemTracer* tracer() const { return tracer_; }
    unsigned current_cpu() const { return cur_cpu_; }

private:
    friend class ProcFormatter;
    void boot(const Layout& layout);
    void build_zones(const Layout& layout);
    void build_zonelists();
    void memmap_init(const Layout& layout);
    void memblock_free_all(const Layout& layout);
    void free_pages_core(PageIdx page, unsigned order);
    void shuffle_free_memory();
    void shuffle_zone(Zone& z);
    void activate_cma(const Layout& layout);
    void init_per_zone_wmark_min();
    void set_recommended_min_free_kbytes();
    void calculate_min_free_kbytes();
    void calculate_totalreserve_pages();
    void zone_pcp_update(Zone& z);
    void set_zone_contiguous(Zone& z);
    void free_late_reserved(const Layout& layout);
    void apply_sysctl_writes(const Layout& layout);
    void online_hotplug_blocks(const Layout& layout);

    // rmqueue.cpp
    PageIdx rmqueue(Zone& preferred, Zone& zone, unsigned order, AllocFlags flags, MigrateType mt,
                    unsigned cpu);
    PageIdx rmqueue_pcplist(Zone& preferred, Zone& zone, unsigned order, MigrateType mt,
                            AllocFlags flags, unsigned cpu);
    PageIdx rmqueue_buddy(Zone& preferred, Zone& zone, unsigned order, AllocFlags flags,
                          MigrateType mt);
    int rmqueue_bulk(Zone& zone, unsigned order, int count, PageList& list, MigrateType mt,
                     AllocFlags flags);
    PageIdx rmqueue_one(Zone& zone, unsigned order, MigrateType mt, AllocFlags flags);
    PageIdx rmqueue_smallest(Zone& zone, unsigned order, MigrateType mt);
    bool rmqueue_fallback(Zone& zone, unsigned order, MigrateType start_mt, AllocFlags flags);
    bool can_steal_fallback(unsigned order, MigrateType start_mt) const;
    void steal_suitable_fallback(Zone& zone, PageIdx page, AllocFlags flags, MigrateType start_type,
                                 bool whole_block);
    bool boost_watermark(Zone& zone);
    void expand(Zone& zone, PageIdx page, unsigned low, unsigned high, MigrateType mt);
    void reserve_highatomic_pageblock(PageIdx page, Zone& zone);
    void zone_statistics(Zone& preferred, Zone& z, unsigned cpu);

    // free_page.cpp
    void free_the_page(PageIdx page, unsigned order, unsigned cpu);
    void free_unref_page(PageIdx page, unsigned order, unsigned cpu);
    void free_pages_ok(PageIdx page, unsigned order, FpiFlags fpi);
    void free_pcppages_bulk(Zone& zone, int count, PerCpuPages& pcp, unsigned pindex);
    bool buddy_merge_likely(PageIdx page, PageIdx buddy, unsigned order) const;
    bool shuffle_pick_tail();
    PageIdx find_buddy_page(PageIdx page, unsigned order, std::uint8_t zone_id) const;
    bool compaction_capture(CaptureControl& capc, PageIdx page, unsigned order,
                            MigrateType mt) const;
    template <bool kCapture>
    void free_one_page_impl(Zone& zone, PageIdx page, unsigned order, MigrateType mt, FpiFlags fpi);
    void lru_account(const PageInfo& pi, std::int64_t sign);
    void check_lru_invariants(std::uint64_t flagged) const;

    unsigned order_to_pindex(MigrateType mt, unsigned order) const;
    unsigned pindex_to_order(unsigned pindex) const;
    bool pcp_allowed_order(unsigned order) const {
        return order <= PAGE_ALLOC_COSTLY_ORDER || (thp_pcp_ && order == pageblock_order_);
    }
    PageIdx pfn_to_page_checked(Pfn pfn, const char* what) const;

    Layout layout_;
    AllocatorOptions opts_;
    Sysctls sysctl_;
    PageMap map_;
    std::deque<Zone> zone_storage_;
    std::vector<Zone*> all_zones_;
    std::vector<NodeData> nodes_;
    std::vector<int> cpu_node_;
    std::vector<int> zone_index_of_type_;          ///< ZoneType -> kernel index, -1 if absent
    std::array<std::int8_t, 16> gfp_zone_table_{}; ///< GFP_ZONE_TABLE: zone bits -> index or -1
    /// first_zones_zonelist() of each node's fallback list per highest_zoneidx (no nodemask).
    std::vector<std::array<Zone*, kMaxNrZones>> preferred_zone_;
    std::vector<Pfn> first_deferred_; ///< per node: first_deferred_pfn (kNoPfn: none)

    unsigned max_order_ = 11;
    unsigned pageblock_order_ = 9;
    std::uint64_t pageblock_nr_pages_ = 512;
    unsigned ncpus_ = 1;
    bool thp_pcp_ = true;
    bool mobility_disabled_ = false;
    bool nofragment_supported_ = true; ///< CONFIG_ZONE_DMA32
    long long min_free_kbytes_ = 1024;
    long long user_min_free_kbytes_ = -1;
    std::uint64_t vm_total_pages_ = 0;
    std::uint64_t totalreserve_pages_ = 0;
    std::uint64_t boosted_wakeups_ = 0;

    VmEvents events_{};
    AllocatorStats stats_;
    KmemTracer* tracer_ = nullptr;
    SlowPath* slowpath_ = nullptr;
    unsigned cur_cpu_ = 0;
    bool checks_suppressed_ = false;
    bool checks_on_ = opts_.debug_checks; ///< debug_checks && !checks_suppressed_

    std::uint64_t shuffle_rng_; ///< splitmix64 state for page_alloc.shuffle
    std::uint64_t shuffle_rand_ = 0;
    unsigned shuffle_rand_bits_ = 0;
};

} // namespace pagesim
