// SPDX-License-Identifier: GPL-2.0-only
// Boot reservations, NUMA node set-up and CMA placement: the memblock side of
// compute_layout() before free_area_init().
#include "allocator/boot_state.h"

#include "allocator/memblock.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace pagesim {
namespace {

std::string range_str(const AddrRange& r) {
    return "[" + hex(r.base) + ", " + hex(r.end()) + ")";
}

// A reservation made after the DMBs that overlaps one: dmb_init_region() would free its
// pages to the buddy allocator (the series does not check). pagesim keeps them reserved.
void check_dmb_conflict(BootState& bs, const Reservation& r, const AddrRange& where) {
    for (const AddrRange& d : bs.dmb_bytes) {
        if (!d.overlaps(where)) continue;
        bs.conflicts.push_back(where);
        bs.warn("reservation '" + r.name + "' " + range_str(where) + " overlaps the DMB " +
                range_str(d) + "; it is made after parse_early_param() on " + arch_name(bs.m.arch) +
                ", so the movablecore parser could not see it, and "
                "dmb_init_region() would free these reserved pages to the buddy allocator "
                "(memory corruption); pagesim keeps them reserved");
        return;
    }
}

} // namespace

// Models memblock_reserve() / early_init_dt_reserve_memory() for a fixed reservation.
void apply_fixed_reservation(BootState& bs, const Reservation& r) {
    if (r.kind == ReservationKind::NoMap) {
        // early_init_dt_reserve_memory(nomap): refused when the range is memory that is
        // already reserved (e.g. by a DMB); otherwise memblock_mark_nomap().
        if (bs.mb.is_region_reserved(r.range.base, r.range.size)) {
            bs.klog("Reserved memory: failed to reserve memory for node '" + r.name + "': base " +
                    pa(r.range.base) + ", size " + std::to_string(r.range.size >> 20) + " MiB");
            bs.warn("no-map region '" + r.name + "' " + range_str(r.range) +
                    " overlaps an existing reservation: the kernel refuses it (-EBUSY)");
            return;
        }
        bs.mb.set_flag(r.range.base, r.range.size, MEMBLOCK_NOMAP);
    } else {
        if (!r.before_early_params) check_dmb_conflict(bs, r, r.range);
        bs.mb.reserve(r.range.base, r.range.size);
    }
    bs.L.placed.push_back({r.name, r.kind, r.range, r.freed_late});
}

// Models memblock_alloc_try_nid() for the machine's top-down allocations.
void place_dynamic_reservations(BootState& bs, bool after_cma) {
    for (const Reservation& r : bs.m.reservations) {
        if (!r.top_down || r.after_cma != after_cma) continue;
        const std::uint64_t limit = r.limit ? r.limit : ~std::uint64_t{0};
        auto at = bs.mb.find_range(r.range.size, r.align, 0, limit, r.nid);
        if (!at && r.nid >= 0) at = bs.mb.find_range(r.range.size, r.align, 0, limit, -1);
        if (!at)
            throw LayoutError("reservation '" + r.name + "' (" + std::to_string(r.range.size) +
                              " bytes) does not fit: " + "memblock_alloc() would panic at boot");
        bs.mb.reserve(*at, r.range.size);
        bs.L.placed.push_back({r.name, r.kind, {*at, r.range.size}, r.freed_late});
    }
}

// numa=off, numa=fake=N|size (x86 numa_emulation, approximated) and
// pagesim.fake_numa=controllers (one node per memory controller).
void setup_nodes(BootState& bs) {
    Layout& L = bs.L;
    int nr_phys = 1;
    for (const MemoryRange& r : bs.m.memory) nr_phys = std::max(nr_phys, r.nid + 1);
    L.cpu_node = bs.m.cpu_node;
    L.cpu_node.resize(bs.m.ncpus, 0);
    L.distance = bs.m.distance;
    if (!bs.m.kconfig.numa || bs.numa_off) {
        for (const MbRegion& r : std::vector<MbRegion>(bs.mb.memory()))
            bs.mb.set_node(r.base, r.size, 0);
        std::fill(L.cpu_node.begin(), L.cpu_node.end(), 0);
        L.distance = {{10}};
        if (bs.cl.fake_numa_per_controller)
            bs.warn("pagesim.fake_numa=controllers needs CONFIG_NUMA and no numa=off; ignored");
        return;
    }
    std::vector<AddrRange> cuts; // fake node boundaries: node i covers cuts[i]
    if (bs.cl.fake_numa_per_controller) {
        if (bs.m.controllers.empty())
            throw LayoutError("pagesim.fake_numa=controllers: the "
                              "machine has no memory controllers");
        for (std::size_t c = 0; c < bs.m.controllers.size(); ++c)
            for (const AddrRange& a : bs.m.controllers[c].ranges)
                bs.mb.set_node(a.base, a.size, static_cast<int>(c));
        L.fake_numa = true;
        if (bs.m.arch != Arch::X86_64)
            bs.warn("pagesim.fake_numa=controllers: 6.1 has no NUMA emulation on " +
                    std::string(arch_name(bs.m.arch)) +
                    " (and GKI has no CONFIG_NUMA); "
                    "this models a kernel that describes each controller as a node");
        for (const MbRegion& r : bs.mb.memory()) {
            bool covered = false;
            for (const MemoryController& c : bs.m.controllers)
                for (const AddrRange& a : c.ranges)
                    if (a.base <= r.base && r.end() <= a.end()) covered = true;
            if (!covered)
                throw LayoutError("pagesim.fake_numa=controllers: memory " +
                                  range_str({r.base, r.size}) + " is on no controller");
        }
    } else if (!bs.numa_fake.empty()) {
        // Approximates split_nodes_interleave(): N nodes of equal present memory, borders
        // rounded up to FAKE_NODE_MIN_SIZE (32 MiB); "size" forms give the node size.
        std::uint64_t total = 0;
        for (const MbRegion& r : bs.mb.memory()) total += r.size;
        std::size_t end = 0;
        const std::uint64_t n = memparse(bs.numa_fake, &end);
        const bool by_size = end > 0 && end <= bs.numa_fake.size() &&
                             std::isalpha(static_cast<unsigned char>(bs.numa_fake[end - 1]));
        if (n == 0) {
            bs.warn("'numa=fake=" + bs.numa_fake + "': not a node count or size; ignored");
            return;
        }
        const std::uint64_t kMin = 32ull << 20;
        std::uint64_t per = by_size ? n : total / n;
        per = std::max(kMin, per / kMin * kMin);
        std::uint64_t acc = 0;
        int nid = 0;
        for (const MbRegion& r : std::vector<MbRegion>(bs.mb.memory())) {
            std::uint64_t base = r.base;
            while (base < r.end()) {
                const std::uint64_t room = per - acc;
                std::uint64_t len = std::min(r.end() - base, room);
                if (nid == static_cast<int>(by_size ? 1u << 30 : n) - 1) len = r.end() - base;
                std::uint64_t cut = base + len;
                if (cut < r.end()) cut = std::min(r.end(), (cut + kMin - 1) / kMin * kMin);
                bs.mb.set_node(base, cut - base, nid);
                acc += cut - base;
                base = cut;
                if (acc >= per && base <= r.end()) {
                    acc = 0;
                    ++nid;
                }
            }
        }
        L.fake_numa = true;
        bs.warn("numa=fake=" + bs.numa_fake +
                ": node borders approximate x86 "
                "split_nodes_interleave() (equal present memory, 32 MiB granules)");
    } else {
        return;
    }
    int nodes = 0;
    for (const MbRegion& r : bs.mb.memory()) nodes = std::max(nodes, r.nid + 1);
    // numa_init_array(): CPUs without a node go round-robin over the online nodes. With
    // one physical node that is every CPU.
    for (std::size_t c = 0; c < L.cpu_node.size(); ++c) {
        if (nr_phys == 1) {
            L.cpu_node[c] = static_cast<int>(c % static_cast<std::size_t>(nodes));
        } else {
            const int phys = bs.m.cpu_node.empty() ? 0 : bs.m.cpu_node[c];
            for (const MbRegion& r : bs.mb.memory()) {
                bool on_phys = false;
                for (const MemoryRange& mr : bs.m.memory)
                    if (mr.nid == phys && mr.range.contains(r.base)) on_phys = true;
                if (on_phys) {
                    L.cpu_node[c] = r.nid;
                    break;
                }
            }
        }
    }
    // Fake nodes of one physical node are all at LOCAL_DISTANCE (numa_emulation()).
    L.distance.assign(static_cast<std::size_t>(nodes),
                      std::vector<int>(static_cast<std::size_t>(nodes), 10));
}

// Models cma_declare_contiguous_nid() for the default area (dma_contiguous_reserve) and
// rmem_cma_setup() for `reusable` DT pools.
void reserve_cma(BootState& bs) {
    const KernelConfig& k = bs.m.kconfig;
    for (const Reservation& r : bs.m.reservations) {
        if (r.kind != ReservationKind::Reusable) continue;
        const bool placed =
            std::any_of(bs.L.placed.begin(), bs.L.placed.end(),
                        [&](const PlacedReservation& p) { return p.name == r.name; });
        if (!placed) continue;
        if (!k.cma) {
            bs.warn("reusable region '" + r.name + "': no CONFIG_CMA, it stays reserved");
            continue;
        }
        if ((r.range.base | r.range.size) % k.pageblock_bytes()) {
            bs.klog("Reserved memory: incorrect alignment of CMA region");
            bs.warn("reusable region '" + r.name +
                    "' is not pageblock-aligned: the kernel "
                    "keeps it reserved and creates no CMA pool");
            continue;
        }
        bs.placed_cma.push_back(r.range);
        bs.cma_names.push_back(r.name);
        bs.klog("Reserved memory: created CMA memory pool at " + pa(r.range.base) + ", size " +
                std::to_string(r.range.size >> 20) + " MiB");
    }
    if (!k.cma) return;
    std::uint64_t size = k.cma_default_bytes, base = 0, limit = 0;
    bool fixed = false;
    // The arch's dma_contiguous_reserve(limit) argument.
    std::uint64_t arch_limit = 0;
    std::uint64_t highmem_start = bs.mb.end_of_dram();
    if (bs.m.arch == Arch::Arm64) {
        arch_limit = bs.L.arch_zone_highest_possible_pfn[k.zone_dma ? ZONE_DMA : ZONE_NORMAL]
                     << k.page_shift;
    } else if (bs.m.arch == Arch::Arm) {
        arch_limit = 0xffffffffull;
        highmem_start = bs.L.arch_zone_highest_possible_pfn[ZONE_NORMAL] << k.page_shift;
    } else {
        arch_limit = bs.mb.end_of_dram();
    }
    if (bs.cma_cmdline) {
        size = bs.cma_size;
        base = bs.cma_base;
        limit = bs.cma_limit ? std::min(bs.cma_limit, arch_limit) : arch_limit;
        if (bs.cma_limit && bs.cma_base + bs.cma_size == bs.cma_limit) fixed = true;
    } else {
        limit = arch_limit;
    }
    if (!size) return;
    const std::uint64_t align = k.pageblock_bytes();
    auto fail = [&](const std::string& why) {
        bs.cma_log.push_back("cma: Failed to reserve " + std::to_string(size >> 20) + " MiB");
        bs.warn("CMA default area not reserved: " + why);
    };
    if (fixed && base % align) return fail("base " + hex(base) + " is not pageblock-aligned");
    base = (base + align - 1) / align * align;
    size = (size + align - 1) / align * align;
    limit &= ~(align - 1);
    if (!base) fixed = false;
    if (fixed && base < highmem_start && base + size > highmem_start)
        return fail("the region crosses the low/high memory boundary");
    const std::uint64_t memblock_end = bs.mb.end_of_dram();
    if (limit == 0 || limit > memblock_end) limit = memblock_end;
    if (base + size > limit) return fail("size exceeds the limit " + hex(limit));
    std::uint64_t addr = 0;
    if (fixed) {
        if (bs.mb.is_region_reserved(base, size)) return fail("the range is already reserved");
        addr = base;
    } else {
        if (base < highmem_start && limit > highmem_start) {
            if (auto a = bs.mb.find_range(size, align, highmem_start, limit, -1)) addr = *a;
            limit = highmem_start;
        }
        // CONFIG_PHYS_ADDR_T_64BIT on every modelled arch (arm with LPAE).
        if (!addr && memblock_end >= (4ull << 30) + size)
            if (auto a = bs.mb.find_range(size, align, 4ull << 30, limit, -1, true)) addr = *a;
        if (!addr) {
            auto a = bs.mb.find_range(size, align, base, limit, -1);
            if (!a) return fail("no free range below " + hex(limit) + " (-ENOMEM)");
            addr = *a;
        }
    }
    bs.mb.reserve(addr, size);
    bs.placed_cma.push_back({addr, size});
    bs.cma_names.push_back("reserved");
    bs.cma_log.push_back("cma: Reserved " + std::to_string(size >> 20) + " MiB at " + pa(addr));
}

} // namespace pagesim
