// SPDX-License-Identifier: GPL-2.0-only
// A machine as pagesim sees it: architecture and kernel config, physical memory ranges by
// NUMA node, memory controllers with their bandwidth, and boot reservations. Plain data:
// workloads/machine_yaml.cpp fills it from YAML, layout.cpp turns it into zones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pagesim {

enum class Arch { X86_64, Arm64, Arm };

/// "x86_64", "arm64", "arm".
const char* arch_name(Arch a);

/// transparent_hugepage= mode: khugepaged (and its min_free_kbytes raise) runs for
/// always and madvise.
enum class ThpMode { Always, Madvise, Never };

/// "always", "madvise", "never".
const char* thp_mode_name(ThpMode m);

/// A physical address range [base, base + size), in bytes.
struct AddrRange {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::uint64_t end() const { return base + size; }
    bool contains(std::uint64_t a) const { return a >= base && a - base < size; }
    bool overlaps(const AddrRange& o) const { return base < o.end() && o.base < end(); }
    bool operator==(const AddrRange&) const = default;
};

/// One range of RAM (memblock.memory region) on a NUMA node. Byte-granular like
/// memblock: the layout uses PFN_UP(base)..PFN_DOWN(end), as for_each_mem_pfn_range does.
struct MemoryRange {
    AddrRange range;
    int nid = 0;
    bool hotpluggable = false; ///< MEMBLOCK_HOTPLUG (SRAT hot-pluggable; used by movable_node)
    bool mirror = false;       ///< MEMBLOCK_MIRROR (used by kernelcore=mirror)
};

/// A memory controller (MEMC): the address ranges it serves and its peak bandwidth.
struct MemoryController {
    std::string name;
    std::vector<AddrRange> ranges;
    double bandwidth = 0; ///< peak bytes per second
    /// What-if hardware interleave across all controllers at this granularity (bytes);
    /// 0 = no interleave (the Broadcom MEMCs are not interleaved).
    std::uint64_t interleave_granularity = 0;
};

enum class ReservationKind {
    KernelImage, ///< kernel text/data/bss (part of it freed late: initmem)
    Initrd,      ///< initramfs (freed late)
    Firmware,    ///< firmware / ACPI / BIOS area reserved inside RAM
    NoMap,       ///< DT reserved-memory with no-map: MEMBLOCK_NOMAP, never in the buddy
    Reusable,    ///< DT reserved-memory `reusable` shared-dma-pool: becomes a CMA area
    Memblock,    ///< early memblock allocations (memmap, percpu, page tables, swiotlb...)
};

/// "kernel", "initrd", "firmware", "no-map", "reusable", "memblock".
const char* reservation_kind_name(ReservationKind k);

/// A boot-time reservation: pages the buddy allocator never receives (or receives late).
struct Reservation {
    std::string name;
    /// The reserved bytes. For a `top_down` allocation only `size` is given; compute_layout
    /// places it (Layout::placed) like memblock_alloc_range_nid() would.
    AddrRange range;
    ReservationKind kind = ReservationKind::Memblock;
    /// Reserved before parse_early_param()? If not (arm64 and arm reserve the kernel image,
    /// initrd and DT reserved-memory after it), an early parameter such as
    /// movablecore=size@base cannot see it (dmb.md §1.6 item 9).
    bool before_early_params = true;
    /// Freed to the buddy allocator after the boot-time watermark set-up (initrd, initmem;
    /// erratum E14). Late-freed pages count in managed but not in the first watermarks.
    bool freed_late = false;
    /// Placed top-down at layout time (memblock_alloc): after the fixed reservations and
    /// the DMBs, in list order, within `nid` (-1: any node), below `limit` (0: no limit),
    /// aligned to `align` bytes.
    bool top_down = false;
    int nid = -1;
    std::uint64_t limit = 0;
    std::uint64_t align = 4096;
    /// top_down only: allocated after the default CMA area (arm64: swiotlb in mem_init()
    /// comes after dma_contiguous_reserve() in bootmem_init()).
    bool after_cma = false;
};

/// Kernel configuration facts of the machine's kernel that shape the allocator.
struct KernelConfig {
    unsigned page_shift = 12;
    unsigned max_order = 11;         ///< MAX_ORDER, exclusive (6.1): orders 0..max_order-1
    unsigned pageblock_order = 9;    ///< from HUGETLB_PAGE_ORDER, capped at max_order-1
    unsigned section_size_bits = 27; ///< SECTION_SIZE_BITS (128 MiB sections)
    bool sparsemem = true;           ///< SPARSEMEM (pfn_valid by section) vs FLATMEM (arm)
    bool zone_dma = true;
    bool zone_dma32 = true;
    bool highmem = false;
    bool zone_device = true;
    unsigned zone_dma_bits = 24;           ///< arm64: min(32, DT/IORT limits); x86: 24 (16 MiB)
    std::uint64_t lowmem_limit = 0;        ///< arm 32-bit: first highmem byte (arm_lowmem_limit)
    bool cma = false;                      ///< CONFIG_CMA: 6 migrate types instead of 5
    std::uint64_t cma_default_bytes = 0;   ///< CONFIG_CMA_SIZE_MBYTES area, 0 = none
    bool numa = true;                      ///< CONFIG_NUMA (numa_* counters in zoneinfo)
    bool numa_emu = false;                 ///< CONFIG_NUMA_EMU (x86: numa=fake=)
    bool thp = true;                       ///< CONFIG_TRANSPARENT_HUGEPAGE (pcp THP lists)
    ThpMode thp_default = ThpMode::Always; ///< TRANSPARENT_HUGEPAGE_ALWAYS / _MADVISE
    bool deferred_struct_page_init = true;
    bool shuffle_page_allocator = true; ///< CONFIG_SHUFFLE_PAGE_ALLOCATOR (compiled in)
    bool memory_hotplug = true;         ///< CONFIG_MEMORY_HOTPLUG (movable_node, onlining)
    unsigned dmb_count = 7;             ///< CONFIG_DMB_COUNT (DMB patch set)

    std::uint64_t page_size() const { return std::uint64_t{1} << page_shift; }
    std::uint64_t pageblock_bytes() const { return page_size() << pageblock_order; }
    std::uint64_t section_bytes() const { return std::uint64_t{1} << section_size_bits; }
};

struct Machine {
    std::string name;
    Arch arch = Arch::X86_64;
    KernelConfig kconfig;
    unsigned ncpus = 1;
    std::vector<int> cpu_node;              ///< node of each CPU; empty = all on node 0
    std::vector<MemoryRange> memory;        ///< sorted by base, non-overlapping
    std::vector<std::vector<int>> distance; ///< node distance matrix; empty = 10 local/20 remote
    std::vector<MemoryController> controllers;
    std::vector<Reservation> reservations; ///< in the order the kernel makes them
    double cpu_copy_bandwidth = 0;         ///< per-CPU memcpy throughput, bytes per second
    std::string default_cmdline;           ///< command line the machine boots with by default
    std::string source;                    ///< file it was loaded from (for messages)
};

/// The kernel config an architecture's distro kernel has (Debian 12's for x86_64 and
/// arm64; multi_v7 with LPAE for arm), for a page size of 2^page_shift. machine YAML
/// `kernel:` keys override single fields.
KernelConfig default_kernel_config(Arch arch, unsigned page_shift = 12);

} // namespace pagesim
