// SPDX-License-Identifier: GPL-2.0-only
// OwnerHooks: what the kernel learns through page->mapping and rmap, supplied by the
// simulator. The allocator stores only a 32-bit owner id on each allocated head; reclaim,
// migration and the OOM killer ask the owner side through this interface.
#pragma once

#include "allocator/gfp.h"
#include "allocator/types.h"
#include "allocator/zone.h"

#include <cstdint>
#include <vector>

namespace pagesim {

/// What shrink_folio_list() decided for one block offered to its owner.
enum class ReclaimResult : std::uint8_t {
    Freed,         ///< owner dropped the block (clean page cache, swapped anon, shrunk slab):
                   ///< the allocator frees it through the normal free path
    Referenced,    ///< recently used (mapped and young): rotate, keep
    Busy,          ///< dirty or under writeback: writeback started, retry later (rotate)
    Unreclaimable, ///< mlocked/unevictable: taken off the LRU (the owner may re-add it)
};

/// The scan_control bits an owner needs to answer reclaim().
struct ReclaimContext {
    LruKind lru = LruKind::File;
    bool may_writepage = true; ///< may start writeback of dirty page cache
    bool may_unmap = true;     ///< may unmap mapped pages
    bool may_swap = true;      ///< may swap anon pages out (swap space is checked already)
    bool kswapd = false;       ///< kswapd (true) or a direct reclaimer
};

/// migrate_pages() modes (enum migrate_mode).
enum class MigrateMode : std::uint8_t { Async, SyncLight, Sync };

/// Whether a block may be migrated right now (folio_trylock, writeback, refcount...).
enum class MigrateVerdict : std::uint8_t {
    Ok,   ///< move it
    Busy, ///< transient (-EAGAIN: locked, under writeback): retried by migrate_pages
    Fail, ///< permanent for this attempt (no migrate_folio for this mapping)
};

/// One process the OOM killer may pick (the parts of task_struct oom_badness() reads).
struct OomCandidate {
    std::uint32_t id = 0;            ///< the simulator's process id (reported back)
    std::uint64_t rss_pages = 0;     ///< get_mm_rss()
    std::uint64_t swap_pages = 0;    ///< MM_SWAPENTS
    std::uint64_t pgtable_pages = 0; ///< mm_pgtables_bytes() / PAGE_SIZE
    int oom_score_adj = 0;           ///< -1000..1000; -1000 (OOM_SCORE_ADJ_MIN) is never chosen
    bool unkillable = false;         ///< kernel thread, init, already exiting...
};

/// The oom_control of one out_of_memory() call.
struct OomRequest {
    GfpFlags gfp = 0;
    unsigned order = 0;
    std::uint64_t nodemask = ~std::uint64_t{0};
    std::uint32_t requester = 0; ///< owner id of the allocating request
};

/// What the owner side supplies to reclaim, migration and the OOM killer. Nothing is lost or
/// freed twice: on Freed the *allocator* frees the block; a migration allocates the target,
/// calls migrated(), then the allocator frees the source; oom_kill() frees the victim's
/// blocks itself through PageAllocator::free_pages.
class OwnerHooks {
public:
    virtual ~OwnerHooks() = default;
    /// Offered one allocated block from an LRU tail (shrink_folio_list). On Freed the owner
    /// must forget the block; the allocator frees it right after the call.
    virtual ReclaimResult reclaim(Pfn pfn, unsigned order, std::uint32_t owner,
                                  const ReclaimContext& ctx) = 0;
    /// Asked before a block is migrated (compaction, alloc_contig_range). Pinned blocks
    /// (PG_pinned) are refused before this is asked.
    virtual MigrateVerdict may_migrate(Pfn /*pfn*/, unsigned /*order*/, std::uint32_t /*owner*/,
                                       MigrateMode /*mode*/) {
        return MigrateVerdict::Ok;
    }
    /// The block's contents now live at new_pfn (same order, same owner); old_pfn is freed
    /// by the allocator right after this call.
    virtual void migrated(Pfn old_pfn, Pfn new_pfn, unsigned order, std::uint32_t owner) = 0;
    /// The processes the OOM killer may choose from (select_bad_process walks them in
    /// this order: on equal badness the later one wins, as for_each_process does).
    virtual std::vector<OomCandidate> oom_candidates(const OomRequest& req) = 0;
    /// oom_kill_process(): kill `victim` and free its memory now (through
    /// PageAllocator::free_pages); returns the pages freed.
    virtual std::uint64_t oom_kill(std::uint32_t victim, const OomRequest& req) = 0;
    /// reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK) slept: simulated time went on inside the
    /// call (SlowPathModel::cost_so_far() tells how far), so writeback that completed in
    /// the meantime may rotate its blocks to the LRU tails now (folio_end_writeback). No LRU
    /// walk is in progress when this is called.
    virtual void reclaim_throttled() {}
};

} // namespace pagesim
