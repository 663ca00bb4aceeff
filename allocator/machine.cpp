// SPDX-License-Identifier: GPL-2.0-only
// Names and per-architecture default kernel configs of machine.h.
#include "allocator/machine.h"

namespace pagesim {

const char* arch_name(Arch a) {
    switch (a) {
    case Arch::X86_64:
        return "x86_64";
    case Arch::Arm64:
        return "arm64";
    case Arch::Arm:
        return "arm";
    }
    return "?";
}

const char* thp_mode_name(ThpMode m) {
    switch (m) {
    case ThpMode::Always:
        return "always";
    case ThpMode::Madvise:
        return "madvise";
    case ThpMode::Never:
        return "never";
    }
    return "?";
}

const char* reservation_kind_name(ReservationKind k) {
    switch (k) {
    case ReservationKind::KernelImage:
        return "kernel";
    case ReservationKind::Initrd:
        return "initrd";
    case ReservationKind::Firmware:
        return "firmware";
    case ReservationKind::NoMap:
        return "no-map";
    case ReservationKind::Reusable:
        return "reusable";
    case ReservationKind::Memblock:
        return "memblock";
    }
    return "?";
}

// Debian 12's x86_64 and arm64 configs (reference/README.md), and an LPAE multi_v7 kernel
// for 32-bit arm. MAX_ORDER and pageblock_order per linux-page-alloc.md §1.2 and §3.2.
KernelConfig default_kernel_config(Arch arch, unsigned page_shift) {
    KernelConfig k;
    k.page_shift = page_shift;
    switch (arch) {
    case Arch::X86_64:
        k.max_order = 11;
        k.pageblock_order = 9;
        k.section_size_bits = 27;
        k.zone_dma = k.zone_dma32 = true;
        k.zone_device = true;
        k.zone_dma_bits = 24;
        k.cma = false;
        k.numa = true;
        k.numa_emu = true;
        k.dmb_count = 19; // CONFIG_DMB_COUNT defaults to 19 with NUMA
        break;
    case Arch::Arm64:
        // ARCH_FORCE_MAX_ORDER: 11 (4K), 12 (16K), 14 (64K); pageblock = PMD hugepage order
        // capped at MAX_ORDER - 1: 9, 11, 13. SECTION_SIZE_BITS 27, or 29 with 64K pages.
        k.max_order = page_shift == 14 ? 12 : page_shift == 16 ? 14 : 11;
        k.pageblock_order = page_shift == 14 ? 11 : page_shift == 16 ? 13 : 9;
        k.section_size_bits = page_shift == 16 ? 29 : 27;
        k.zone_dma = k.zone_dma32 = true;
        k.zone_device = false; // Debian's arm64 kernel: 4 zone types (reference zoneinfo)
        k.zone_dma_bits = 32;
        k.cma = true;
        k.cma_default_bytes = 64ull << 20;
        k.numa = true;
        k.numa_emu = false; // 6.1 arm64 has no NUMA emulation
        k.dmb_count = 19;
        break;
    case Arch::Arm:
        // multi_v7 + ARM_LPAE: HUGETLB_PAGE with PMD_SHIFT 21 gives pageblock_order 9.
        k.max_order = 11;
        k.pageblock_order = 9;
        k.section_size_bits = 28;
        k.sparsemem = false; // FLATMEM: arm's pfn_valid() looks at memblock
        k.zone_dma = false;
        k.zone_dma32 = false;
        k.highmem = true;
        k.zone_device = false;
        k.zone_dma_bits = 32;
        k.lowmem_limit = 0x30000000; // 3G/1G split, 240 MiB vmalloc: 768 MiB of lowmem
        k.cma = true;
        k.cma_default_bytes = 0;
        k.numa = false;
        k.numa_emu = false;
        k.dmb_count = 7;
        k.deferred_struct_page_init = false;
        k.memory_hotplug = false;
        break;
    }
    return k;
}

} // namespace pagesim
