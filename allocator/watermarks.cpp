// SPDX-License-Identifier: GPL-2.0-only
// Watermarks and reserves (§5): min_free_kbytes with the THP raise (E6, E13),
// __setup_per_zone_wmarks, lowmem_reserve, totalreserve, pcp batch/high (§4.2) and the
// sysctl handlers that recompute them.
#include "allocator/page_allocator.h"

#include <algorithm>
#include <string>

namespace pagesim {

namespace {
std::uint64_t int_sqrt(std::uint64_t x) {
    std::uint64_t r = 0;
    for (std::uint64_t bit = std::uint64_t{1} << 62; bit; bit >>= 2) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
    }
    return r;
}

std::uint64_t mult_frac(std::uint64_t x, std::uint64_t n, std::uint64_t d) {
    return (x / d) * n + ((x % d) * n) / d;
}

int rounddown_pow_of_two(int n) {
    int p = 1;
    while (p * 2 <= n) p *= 2;
    return p;
}

} // namespace

// Models nr_free_zone_pages(gfp_zone(GFP_USER)) over the local node's fallback zonelist.
std::uint64_t PageAllocator::nr_free_buffer_pages() const {
    const unsigned normal = static_cast<unsigned>(zone_index_of_type_[ZONE_NORMAL]);
    std::uint64_t sum = 0;
    for (const Zone* z : nodes_[static_cast<std::size_t>(cpu_node_[0])].zonelist_fallback) {
        if (z->zone_idx > normal) continue;
        const std::uint64_t high = z->wmark_pages(WMARK_HIGH);
        if (z->managed_pages > high) sum += z->managed_pages - high;
    }
    return sum;
}

// Models calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), clamped to 128..262144,
// unless the user's value is at least as large (erratum E13).
void PageAllocator::calculate_min_free_kbytes() {
    const std::uint64_t lowmem_kbytes =
        nr_free_buffer_pages() * ((std::uint64_t{1} << layout_.kconfig.page_shift) >> 10);
    const auto new_min = static_cast<long long>(int_sqrt(lowmem_kbytes * 16));
    if (new_min > user_min_free_kbytes_) min_free_kbytes_ = std::clamp(new_min, 128LL, 262144LL);
}

// Models __setup_per_zone_wmarks() (6.1: ZONE_MOVABLE counts as lowmem unless it is
// carved from HIGHMEM), then zone_pcp_update() for every zone and totalreserve.
void PageAllocator::setup_per_zone_wmarks() {
    const std::uint64_t pages_min =
        static_cast<std::uint64_t>(min_free_kbytes_) >> (layout_.kconfig.page_shift - 10);
    std::uint64_t lowmem_pages = 0;
    for (const Zone* z : all_zones_)
        if (!z->is_highmem) lowmem_pages += z->managed_pages;
    for (Zone* z : all_zones_) {
        std::uint64_t tmp = lowmem_pages ? pages_min * z->managed_pages / lowmem_pages : 0;
        if (z->is_highmem) {
            z->watermark[WMARK_MIN] = std::clamp<std::uint64_t>(z->managed_pages / 1024, 32, 128);
        } else {
            z->watermark[WMARK_MIN] = tmp;
        }
        tmp =
            std::max(tmp >> 2, mult_frac(z->managed_pages, sysctl_.watermark_scale_factor, 10000));
        z->watermark_boost = 0;
        z->watermark[WMARK_LOW] = z->watermark[WMARK_MIN] + tmp;
        z->watermark[WMARK_HIGH] = z->watermark[WMARK_LOW] + tmp;
        z->watermark[WMARK_PROMO] = z->watermark[WMARK_HIGH] + tmp;
    }
    calculate_totalreserve_pages();
    for (Zone* z : all_zones_) zone_pcp_update(*z);
}

// Models setup_per_zone_lowmem_reserve(): zone i keeps back, against a request of class j,
// the managed pages of zones i+1..j of the node divided by zone i's ratio.
void PageAllocator::setup_per_zone_lowmem_reserve() {
    for (NodeData& node : nodes_) {
        const std::size_t n = node.zones.size();
        for (std::size_t i = 0; i + 1 < n; ++i) {
            Zone& z = *node.zones[i];
            const unsigned ratio = sysctl_.lowmem_reserve_ratio[z.type];
            const bool clear = ratio == 0 || z.managed_pages == 0;
            std::uint64_t managed = 0;
            for (std::size_t j = i + 1; j < n; ++j) {
                managed += node.zones[j]->managed_pages;
                z.lowmem_reserve[j] = clear ? 0 : static_cast<std::int64_t>(managed / ratio);
            }
        }
    }
    calculate_totalreserve_pages();
}

// Models calculate_totalreserve_pages().
void PageAllocator::calculate_totalreserve_pages() {
    totalreserve_pages_ = 0;
    for (NodeData& node : nodes_) {
        node.totalreserve_pages = 0;
        for (std::size_t i = 0; i < node.zones.size(); ++i) {
            const Zone& z = *node.zones[i];
            std::int64_t max = 0;
            for (std::size_t j = i; j < node.zones.size(); ++j)
                max = std::max(max, z.lowmem_reserve[j]);
            std::uint64_t r = static_cast<std::uint64_t>(max) + z.wmark_pages(WMARK_HIGH);
            r = std::min(r, z.managed_pages);
            node.totalreserve_pages += r;
            totalreserve_pages_ += r;
        }
    }
}

// Models zone_set_pageset_high_and_batch(): zone_batchsize() and zone_highsize().
void PageAllocator::zone_pcp_update(Zone& z) {
    if (!z.populated()) return; // unpopulated zones keep the boot pageset
    const std::uint64_t page_size = std::uint64_t{1} << layout_.kconfig.page_shift;
    int batch =
        static_cast<int>(std::min<std::uint64_t>(z.managed_pages >> 10, (1024 * 1024) / page_size));
    batch /= 4;
    if (batch < 1) batch = 1;
    batch = rounddown_pow_of_two(batch + batch / 2) - 1;
    batch = std::max(1, batch);

    std::uint64_t total = sysctl_.percpu_pagelist_high_fraction
                              ? z.managed_pages / sysctl_.percpu_pagelist_high_fraction
                              : z.wmark_pages(WMARK_LOW);
    std::size_t nr_split = nodes_[static_cast<std::size_t>(z.nid)].cpus.size();
    if (nr_split == 0) nr_split = ncpus_;
    const int high = std::max(static_cast<int>(total / nr_split), batch << 2);
    z.pageset_high = high;
    z.pageset_batch = batch;
    for (PerCpuPages& p : z.pcp) {
        p.high = high;
        p.batch = batch;
    }
}

// Models init_per_zone_wmark_min() (postcore_initcall).
void PageAllocator::init_per_zone_wmark_min() {
    calculate_min_free_kbytes();
    setup_per_zone_wmarks();
    setup_per_zone_lowmem_reserve();
}

// Models set_recommended_min_free_kbytes() (khugepaged start, erratum E6): two pageblocks
// per populated lowmem zone plus 3x3 for the fallback types, at most 5% of lowmem.
void PageAllocator::set_recommended_min_free_kbytes() {
    const unsigned normal = static_cast<unsigned>(zone_index_of_type_[ZONE_NORMAL]);
    std::uint64_t nr_zones = 0;
    for (const Zone* z : all_zones_)
        if (z->populated() && z->zone_idx <= normal) nr_zones++;
    std::uint64_t rec = pageblock_nr_pages_ * nr_zones * 2;
    rec += pageblock_nr_pages_ * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
    rec = std::min(rec, nr_free_buffer_pages() / 20);
    rec <<= (layout_.kconfig.page_shift - 10);
    if (static_cast<long long>(rec) > min_free_kbytes_)
        min_free_kbytes_ = static_cast<long long>(rec);
    setup_per_zone_wmarks();
}

void PageAllocator::zero_watermarks() {
    for (Zone* z : all_zones_) {
        z->watermark = {};
        z->watermark_boost = 0;
        z->lowmem_reserve = {};
    }
}

int PageAllocator::kernel_migratetype(MigrateType mt) const {
    if (!cma_configured() && mt == MIGRATE_ISOLATE) return 4;
    return static_cast<int>(mt);
}

// ---- sysctl handlers ----------------------------------------------------------------

void PageAllocator::set_min_free_kbytes(long long kbytes) {
    if (kbytes < 0) throw AllocatorError("min_free_kbytes must be >= 0");
    min_free_kbytes_ = kbytes;
    user_min_free_kbytes_ = kbytes;
    setup_per_zone_wmarks();
    check_after_op();
}

void PageAllocator::set_watermark_scale_factor(unsigned factor) {
    if (factor < 1 || factor > 3000)
        throw AllocatorError("watermark_scale_factor must be 1..3000, got " +
                             std::to_string(factor));
    sysctl_.watermark_scale_factor = factor;
    setup_per_zone_wmarks();
    check_after_op();
}

void PageAllocator::set_watermark_boost_factor(unsigned factor) {
    sysctl_.watermark_boost_factor = factor;
}

void PageAllocator::set_lowmem_reserve_ratio(const std::array<unsigned, kZoneTypes>& ratio) {
    sysctl_.lowmem_reserve_ratio = ratio;
    setup_per_zone_lowmem_reserve();
    check_after_op();
}

void PageAllocator::set_percpu_pagelist_high_fraction(unsigned fraction) {
    if (fraction != 0 && fraction < 8)
        throw AllocatorError("percpu_pagelist_high_fraction must be 0 or >= 8, got " +
                             std::to_string(fraction));
    sysctl_.percpu_pagelist_high_fraction = fraction;
    for (Zone* z : all_zones_) zone_pcp_update(*z);
    check_after_op();
}

} // namespace pagesim
