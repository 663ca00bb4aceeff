// SPDX-License-Identifier: GPL-2.0-only
// A small model of mm/memblock.c for the layout computation: memory regions with node and
// flags (split and merged like memblock), the reserved set, region queries and top-down /
// bottom-up range allocation. Byte-granular, like the kernel's.
#pragma once

#include "allocator/machine.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace pagesim {

/// memblock region flags (include/linux/memblock.h; MEMBLOCK_MOVABLE from the DMB series).
enum MemblockFlag : unsigned {
    MEMBLOCK_NONE = 0,
    MEMBLOCK_HOTPLUG = 0x1,
    MEMBLOCK_MIRROR = 0x2,
    MEMBLOCK_NOMAP = 0x4,
    MEMBLOCK_MOVABLE = 0x10,
};

struct MbRegion {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    int nid = 0;
    unsigned flags = MEMBLOCK_NONE;
    std::uint64_t end() const { return base + size; }
};

class Memblock {
public:
    /// memblock_add_node(): adjacent regions with the same node and flags merge.
    void add(std::uint64_t base, std::uint64_t size, int nid, unsigned flags);
    /// memblock_remove(): drop memory in [base, base + size).
    void remove(std::uint64_t base, std::uint64_t size);
    /// memblock_mark_*(): isolate the range and set `flag` on it.
    void set_flag(std::uint64_t base, std::uint64_t size, unsigned flag);
    /// memblock_set_node(): isolate the range and move it to `nid`.
    void set_node(std::uint64_t base, std::uint64_t size, int nid);
    /// memblock_reserve().
    void reserve(std::uint64_t base, std::uint64_t size);
    /// memblock_cap_memory_range(0, limit) for memory and reserved (arm64 mem=).
    void cap(std::uint64_t limit);

    /// memblock_is_region_memory(): one region holds all of [base, base + size).
    bool is_region_memory(std::uint64_t base, std::uint64_t size) const;
    /// memblock_is_region_reserved(): [base, base + size) overlaps a reservation.
    bool is_region_reserved(std::uint64_t base, std::uint64_t size) const;
    std::uint64_t start_of_dram() const;
    std::uint64_t end_of_dram() const;

    /// for_each_free_mem_range(): memory (not NOMAP, on `nid` unless -1) minus reserved.
    std::vector<AddrRange> free_ranges(int nid = -1) const;
    /// memblock_find_in_range_node() top-down (or bottom-up): the address of a free,
    /// `align`-aligned [addr, addr + size) inside [start, end), or nullopt.
    std::optional<std::uint64_t> find_range(std::uint64_t size, std::uint64_t align,
                                            std::uint64_t start, std::uint64_t end, int nid,
                                            bool bottom_up = false) const;

    const std::vector<MbRegion>& memory() const { return memory_; }
    const std::vector<AddrRange>& reserved() const { return reserved_; }

private:
    void isolate(std::uint64_t base, std::uint64_t end);
    void merge();
    std::vector<MbRegion> memory_;
    std::vector<AddrRange> reserved_;
};

} // namespace pagesim
