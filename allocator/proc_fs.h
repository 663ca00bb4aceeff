// SPDX-License-Identifier: GPL-2.0-only
// The allocator's state in the kernel's exact text formats (mm/vmstat.c, spec §8):
// /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo, /proc/vmstat, and debugfs
// extfrag/unusable_index. Pure string building; callers decide where it goes.
#pragma once

#include <string>

namespace pagesim {

class PageAllocator;
struct Zone;

std::string format_buddyinfo(const PageAllocator& pa);
std::string format_pagetypeinfo(const PageAllocator& pa);
std::string format_zoneinfo(const PageAllocator& pa);
std::string format_vmstat(const PageAllocator& pa);
/// /sys/kernel/debug/extfrag/extfrag_index and unusable_index.
std::string format_extfrag_index(const PageAllocator& pa);
std::string format_unusable_index(const PageAllocator& pa);

/// `fragmentation_index()` (mm/vmstat.c) in thousandths: -1000 when a block of `order` is
/// free, 0 without free pages, else 1000 - (1000 + free*1000/2^order) / blocks.
int fragmentation_index(const PageAllocator& pa, const Zone& z, unsigned order);
/// `unusable_free_index()` in thousandths: the fraction of free pages in blocks < order.
int unusable_free_index(const PageAllocator& pa, const Zone& z, unsigned order);

/// `calculate_normal_threshold()`: the per-CPU vmstat threshold zoneinfo prints.
int vm_stats_threshold(unsigned online_cpus, unsigned long long managed, unsigned page_shift);

} // namespace pagesim
