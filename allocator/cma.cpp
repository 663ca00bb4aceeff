// SPDX-License-Identifier: GPL-2.0-only
// CMA areas (mm/cma.c): a bitmap per area (order_per_bit 0), cma_alloc searching aligned
// free bit ranges and retrying the next candidate while alloc_contig_range reports -EBUSY,
// cma_release, the cma_alloc_success/fail events, and the bitmap invariants.
#include "allocator/slowpath_internal.h"

#include <string>

namespace pagesim {

namespace {
// Models bitmap_find_next_zero_area_off().
std::size_t find_next_zero_area(const std::vector<bool>& map, std::size_t start, std::size_t nr,
                                std::size_t align_mask, std::size_t align_offset) {
    const std::size_t size = map.size();
    while (true) {
        std::size_t index = start;
        while (index < size && map[index]) ++index;
        index = ((index + align_offset + align_mask) & ~align_mask) - align_offset;
        const std::size_t end = index + nr;
        if (end > size) return end;
        std::size_t i = index;
        while (i < end && !map[i]) ++i;
        if (i == end) return index;
        start = i + 1;
    }
}
} // namespace

// Models cma_alloc().
ContigResult SlowPathModel::cma_alloc(std::size_t area, Pfn count, unsigned align_order,
                                      bool no_warn, std::uint32_t owner) {
    if (area >= cma_.size()) throw AllocatorError("cma_alloc: no CMA area " + std::to_string(area));
    ScopedNoChecks no_checks(pa_);
    const std::uint64_t c0 = cost_ns_;
    CmaAreaState& a = cma_[area];
    ContigResult res;
    res.failure = ContigFailure::NoRange;
    const std::size_t mask = (std::size_t{1} << align_order) - 1;
    const std::size_t offset = static_cast<std::size_t>(a.base_pfn & mask);
    std::size_t start = 0;
    std::uint64_t migrated = 0, reclaimed = 0, busy = 0;
    while (count > 0 && count <= a.count) {
        const std::size_t bit = find_next_zero_area(a.bitmap, start, count, mask, offset);
        if (bit + count > a.count) break;
        for (std::size_t i = bit; i < bit + count; ++i) a.bitmap[i] = true;
        a.allocated += count;
        const Pfn pfn = a.base_pfn + bit;
        res.ranges_tried++;
        ContigResult r = contig_range(pfn, pfn + count, MIGRATE_CMA,
                                      GFP_KERNEL | (no_warn ? gfp::kNowarn : 0), owner);
        migrated += r.pages_migrated;
        reclaimed += r.pages_reclaimed;
        busy += r.migrate_busy;
        if (r) {
            res.pfn = pfn;
            res.failure = ContigFailure::None;
            res.failed_pfn = kNoPfn;
            break;
        }
        for (std::size_t i = bit; i < bit + count; ++i) a.bitmap[i] = false;
        a.allocated -= count;
        res.failure = r.failure;
        res.failed_pfn = r.failed_pfn;
        if (r.failure == ContigFailure::NoMemory || r.failure == ContigFailure::BadRange) break;
        start = bit + mask + 1; // try again with a bit different memory target
    }
    pa_.events()[res ? CMA_ALLOC_SUCCESS : CMA_ALLOC_FAIL]++;
    res.pages_migrated = migrated;
    res.pages_reclaimed = reclaimed;
    res.migrate_busy = busy;
    res.cost_ns = cost_ns_ - c0;
    no_checks.release();
    after_op();
    return res;
}

// Models cma_release(): false unless [pfn, pfn + count) is allocated from the area.
bool SlowPathModel::cma_release(std::size_t area, Pfn pfn, Pfn count) {
    if (area >= cma_.size()) return false;
    CmaAreaState& a = cma_[area];
    if (pfn < a.base_pfn || pfn + count > a.base_pfn + a.count || count == 0) return false;
    for (Pfn i = pfn - a.base_pfn; i < pfn - a.base_pfn + count; ++i)
        if (!a.bitmap[i]) return false;
    ScopedNoChecks no_checks(pa_);
    free_contig_pages(pfn, count);
    for (Pfn i = pfn - a.base_pfn; i < pfn - a.base_pfn + count; ++i) a.bitmap[i] = false;
    a.allocated -= count;
    no_checks.release();
    after_op();
    return true;
}

// CMA bitmaps: the count of set bits matches `allocated`, and every set bit is an allocated
// order-0 page (cma_alloc's pages are only freed through cma_release).
void SlowPathModel::check_invariants(const PageAllocator& pa) const {
    const PageMap& map = pa.page_map();
    for (const CmaAreaState& a : cma_) {
        std::uint64_t set = 0;
        for (Pfn i = 0; i < a.count; ++i) {
            if (!a.bitmap[i]) continue;
            ++set;
            const PageInfo& pi = map.info(map.pfn_to_page(a.base_pfn + i));
            if (!(pi.flags & PG_head) || pi.order != 0)
                throw AllocatorError("invariant violated: CMA area " + a.name + " bit for pfn " +
                                     std::to_string(a.base_pfn + i) +
                                     " is set but the page is not an allocated order-0 page");
        }
        if (set != a.allocated)
            throw AllocatorError("invariant violated: CMA area " + a.name + " has " +
                                 std::to_string(set) + " bits set but counts " +
                                 std::to_string(a.allocated));
    }
}

} // namespace pagesim
