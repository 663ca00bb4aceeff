// SPDX-License-Identifier: GPL-2.0-only
// Internal to compute_layout(): the state of a simulated boot between memblock set-up and
// mm_init (memblock, early-parameter results, messages). Split over layout.cpp (order of
// events), early_params.cpp (the early_param handlers) and boot_memory.cpp (reservations,
// CMA, NUMA nodes, hot-plug, page sets).
#pragma once

#include "allocator/cmdline.h"
#include "allocator/layout.h"
#include "allocator/layout_dmesg.h"
#include "allocator/memblock.h"

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace pagesim {

/// "%#llx", for messages.
inline std::string hex(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
    return buf;
}

/// The kernel's %pa (0x and 16 hex digits).
inline std::string pa(std::uint64_t v) {
    return kernel_hex18(v);
}

struct BootState {
    BootState(const Machine& machine, const CmdLine& cmdline, Layout& layout)
        : m(machine), cl(cmdline), L(layout) {}

    const Machine& m;
    const CmdLine& cl;
    Layout& L;
    Memblock mb;

    // Early-parameter results (the kernel's static variables).
    Pfn required_kernelcore = 0;
    Pfn required_kernelcore_percent = 0;
    Pfn required_movablecore = 0;
    Pfn required_movablecore_percent = 0;
    bool movable_node = false;
    bool numa_off = false;
    std::string numa_fake; ///< value after "numa=fake="
    std::uint64_t memory_limit = std::numeric_limits<std::uint64_t>::max(); ///< arm64 mem=
    bool cma_cmdline = false; ///< cma= seen (and CONFIG_CMA)
    std::uint64_t cma_size = 0, cma_base = 0, cma_limit = 0;

    std::vector<AddrRange> dmb_bytes; ///< accepted DMBs
    bool x86_dmb_warned = false;      ///< the x86_64 size@base warning was given
    /// Ranges memblock_reserve()d by a movablecore piece whose dmb_reserve() then failed
    /// (misaligned, no slot): the posted series never releases them.
    std::vector<AddrRange> leaked;
    /// Reservations made after the DMBs that overlap one (the kernel would hand their pages
    /// to the buddy in dmb_init_region(); pagesim keeps them reserved).
    std::vector<AddrRange> conflicts;
    std::vector<AddrRange> placed_cma; ///< reusable pools and the default area, bytes
    std::vector<std::string> cma_names;
    std::vector<std::string> cma_log; ///< "cma: Reserved ..." lines

    void warn(std::string msg) { L.warnings.push_back(std::move(msg)); }
    void klog(std::string msg) { L.early_log.push_back(std::move(msg)); }
    Pfn pfn_down(std::uint64_t a) const { return a >> m.kconfig.page_shift; }
    Pfn pfn_up(std::uint64_t a) const {
        return (a + m.kconfig.page_size() - 1) >> m.kconfig.page_shift;
    }
};

/// Runs the early_param handlers pagesim models, in command-line order (parse_early_param).
void apply_early_params(BootState& bs);
/// Applies one fixed reservation of the machine (memblock_reserve / mark_nomap).
void apply_fixed_reservation(BootState& bs, const Reservation& r);
/// Places the top-down reservations (`after_cma` false or true) in list order.
void place_dynamic_reservations(BootState& bs, bool after_cma);
/// numa=off, numa=fake=, pagesim.fake_numa=controllers: node ids of memblock memory,
/// cpu_node and distance.
void setup_nodes(BootState& bs);
/// Reusable DT pools and the default area / cma= (dma_contiguous_reserve).
void reserve_cma(BootState& bs);
/// After the zones exist: CMA activation check, hot-plugged blocks, page-granular
/// reserved / late_free / dmbs, controllers, sticky ranges.
void finish_memory(BootState& bs);
/// page_alloc.shuffle=, transparent_hugepage=, sysctl.vm.*.
void apply_late_params(BootState& bs);

} // namespace pagesim
