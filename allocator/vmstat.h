// SPDX-License-Identifier: GPL-2.0-only
// Every counter, listed once under its vmstat name (include/linux/mmzone.h zone/node stat
// items, include/linux/vm_event_item.h events, 6.1 order). Zone-family events
// (pgalloc_*, allocstall_*, pgskip_*) are indexed by ZoneType.
#pragma once

#include "allocator/types.h"

#include <array>
#include <cstdint>
#include <string_view>

namespace pagesim {

enum ZoneStatItem : std::uint8_t {
    NR_FREE_PAGES,
    NR_ZONE_INACTIVE_ANON,
    NR_ZONE_ACTIVE_ANON,
    NR_ZONE_INACTIVE_FILE,
    NR_ZONE_ACTIVE_FILE,
    NR_ZONE_UNEVICTABLE,
    NR_ZONE_WRITE_PENDING,
    NR_MLOCK,
    NR_BOUNCE,
    NR_ZSPAGES,
    NR_FREE_CMA_PAGES,
    NR_VM_ZONE_STAT_ITEMS
};

enum NumaStatItem : std::uint8_t {
    NUMA_HIT,
    NUMA_MISS,
    NUMA_FOREIGN,
    NUMA_INTERLEAVE_HIT,
    NUMA_LOCAL,
    NUMA_OTHER,
    NR_VM_NUMA_EVENT_ITEMS
};

enum NodeStatItem : std::uint8_t {
    NR_INACTIVE_ANON,
    NR_ACTIVE_ANON,
    NR_INACTIVE_FILE,
    NR_ACTIVE_FILE,
    NR_UNEVICTABLE,
    NR_SLAB_RECLAIMABLE_B,
    NR_SLAB_UNRECLAIMABLE_B,
    NR_ISOLATED_ANON,
    NR_ISOLATED_FILE,
    WORKINGSET_NODES,
    WORKINGSET_REFAULT_ANON,
    WORKINGSET_REFAULT_FILE,
    WORKINGSET_ACTIVATE_ANON,
    WORKINGSET_ACTIVATE_FILE,
    WORKINGSET_RESTORE_ANON,
    WORKINGSET_RESTORE_FILE,
    WORKINGSET_NODERECLAIM,
    NR_ANON_MAPPED,
    NR_FILE_MAPPED,
    NR_FILE_PAGES,
    NR_FILE_DIRTY,
    NR_WRITEBACK,
    NR_WRITEBACK_TEMP,
    NR_SHMEM,
    NR_SHMEM_THPS,
    NR_SHMEM_PMDMAPPED,
    NR_FILE_THPS,
    NR_FILE_PMDMAPPED,
    NR_ANON_THPS,
    NR_VMSCAN_WRITE,
    NR_VMSCAN_IMMEDIATE,
    NR_DIRTIED,
    NR_WRITTEN,
    NR_THROTTLED_WRITTEN,
    NR_KERNEL_MISC_RECLAIMABLE,
    NR_FOLL_PIN_ACQUIRED,
    NR_FOLL_PIN_RELEASED,
    NR_KERNEL_STACK_KB,
    NR_PAGETABLE,
    NR_SECONDARY_PAGETABLE,
    NR_SWAPCACHE,
    PGPROMOTE_SUCCESS,
    PGPROMOTE_CANDIDATE,
    NR_VM_NODE_STAT_ITEMS
};

/// Events; the three zone families take ZoneType offsets (PGALLOC_DMA + ZONE_MOVABLE...).
enum VmEventItem : std::uint16_t {
    PGPGIN,
    PGPGOUT,
    PSWPIN,
    PSWPOUT,
    PGALLOC_DMA,
    PGALLOC_LAST = PGALLOC_DMA + kZoneTypes - 1,
    ALLOCSTALL_DMA,
    ALLOCSTALL_LAST = ALLOCSTALL_DMA + kZoneTypes - 1,
    PGSKIP_DMA,
    PGSKIP_LAST = PGSKIP_DMA + kZoneTypes - 1,
    PGFREE,
    PGACTIVATE,
    PGDEACTIVATE,
    PGLAZYFREE,
    PGFAULT,
    PGMAJFAULT,
    PGLAZYFREED,
    PGREFILL,
    PGREUSE,
    PGSTEAL_KSWAPD,
    PGSTEAL_DIRECT,
    PGDEMOTE_KSWAPD,
    PGDEMOTE_DIRECT,
    PGSCAN_KSWAPD,
    PGSCAN_DIRECT,
    PGSCAN_DIRECT_THROTTLE,
    PGSCAN_ANON,
    PGSCAN_FILE,
    PGSTEAL_ANON,
    PGSTEAL_FILE,
    PGSCAN_ZONE_RECLAIM_FAILED,
    PGINODESTEAL,
    SLABS_SCANNED,
    KSWAPD_INODESTEAL,
    KSWAPD_LOW_WMARK_HIT_QUICKLY,
    KSWAPD_HIGH_WMARK_HIT_QUICKLY,
    PAGEOUTRUN,
    PGROTATED,
    DROP_PAGECACHE,
    DROP_SLAB,
    OOM_KILL,
    NUMA_PTE_UPDATES,
    NUMA_HUGE_PTE_UPDATES,
    NUMA_HINT_FAULTS,
    NUMA_HINT_FAULTS_LOCAL,
    NUMA_PAGE_MIGRATE,
    PGMIGRATE_SUCCESS,
    PGMIGRATE_FAIL,
    THP_MIGRATION_SUCCESS,
    THP_MIGRATION_FAIL,
    THP_MIGRATION_SPLIT,
    COMPACTMIGRATE_SCANNED,
    COMPACTFREE_SCANNED,
    COMPACTISOLATED,
    COMPACTSTALL,
    COMPACTFAIL,
    COMPACTSUCCESS,
    KCOMPACTD_WAKE,
    KCOMPACTD_MIGRATE_SCANNED,
    KCOMPACTD_FREE_SCANNED,
    HTLB_BUDDY_PGALLOC,
    HTLB_BUDDY_PGALLOC_FAIL,
    CMA_ALLOC_SUCCESS,
    CMA_ALLOC_FAIL,
    UNEVICTABLE_PGCULLED,
    UNEVICTABLE_PGSCANNED,
    UNEVICTABLE_PGRESCUED,
    UNEVICTABLE_PGMLOCKED,
    UNEVICTABLE_PGMUNLOCKED,
    UNEVICTABLE_PGCLEARED,
    UNEVICTABLE_PGSTRANDED,
    THP_FAULT_ALLOC,
    THP_FAULT_FALLBACK,
    THP_FAULT_FALLBACK_CHARGE,
    THP_COLLAPSE_ALLOC,
    THP_COLLAPSE_ALLOC_FAILED,
    THP_FILE_ALLOC,
    THP_FILE_FALLBACK,
    THP_FILE_FALLBACK_CHARGE,
    THP_FILE_MAPPED,
    THP_SPLIT_PAGE,
    THP_SPLIT_PAGE_FAILED,
    THP_DEFERRED_SPLIT_PAGE,
    THP_SPLIT_PMD,
    THP_SCAN_EXCEED_NONE_PTE,
    THP_SCAN_EXCEED_SWAP_PTE,
    THP_SCAN_EXCEED_SHARED_PTE,
    THP_SPLIT_PUD,
    THP_ZERO_PAGE_ALLOC,
    THP_ZERO_PAGE_ALLOC_FAILED,
    THP_SWPOUT,
    THP_SWPOUT_FALLBACK,
    BALLOON_INFLATE,
    BALLOON_DEFLATE,
    BALLOON_MIGRATE,
    SWAP_RA,
    SWAP_RA_HIT,
    KSM_SWPIN_COPY,
    COW_KSM,
    ZSWPIN,
    ZSWPOUT,
    DIRECT_MAP_LEVEL2_SPLIT,
    DIRECT_MAP_LEVEL3_SPLIT,
    NR_VM_EVENT_ITEMS
};

std::string_view zone_stat_name(ZoneStatItem i);
std::string_view numa_stat_name(NumaStatItem i);
std::string_view node_stat_name(NodeStatItem i);
/// Event name; zone families print as pgalloc_dma, pgalloc_dma32, pgalloc_normal,
/// pgalloc_high, pgalloc_movable, pgalloc_device.
std::string_view vm_event_name(VmEventItem i);

/// Which architecture-/config-dependent events exist (x86_64: PUD THP and direct-map
/// splits; CMA: cma_alloc_*; zone families only for configured zones).
struct VmEventConfig {
    bool cma = false;
    bool x86 = true;
    std::array<bool, kZoneTypes> zones{};
};
bool vm_event_printed(VmEventItem i, const VmEventConfig& cfg);

using VmEvents = std::array<std::uint64_t, NR_VM_EVENT_ITEMS>;

} // namespace pagesim
