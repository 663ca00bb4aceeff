// SPDX-License-Identifier: GPL-2.0-only
// Section-based memmap set-up (sparse_init / memmap_alloc, without the struct page cost).
#include "allocator/page_map.h"

#include <algorithm>

namespace pagesim {

void PageMap::init(const std::vector<std::pair<Pfn, Pfn>>& present, unsigned section_shift,
                   unsigned pageblock_order, std::size_t extra_heads) {
    if (section_shift < pageblock_order)
        throw AllocatorError("section size must be at least a pageblock");
    section_shift_ = section_shift;
    section_mask_ = (Pfn{1} << section_shift) - 1;
    pageblock_order_ = pageblock_order;

    Pfn max_section = 0;
    for (const auto& [s, e] : present)
        if (e > s) max_section = std::max(max_section, ((e - 1) >> section_shift) + 1);
    section_offset_.assign(max_section, kNoSection);
    for (const auto& [s, e] : present)
        for (Pfn sec = s >> section_shift; e > s && sec <= (e - 1) >> section_shift; ++sec)
            section_offset_[sec] = 0; // mark present; numbered below in ascending order

    section_pfn_.clear();
    std::int64_t next = 0;
    for (Pfn sec = 0; sec < max_section; ++sec) {
        if (section_offset_[sec] == kNoSection) continue;
        const auto first_pfn = static_cast<std::int64_t>(sec << section_shift);
        section_offset_[sec] = next - first_pfn;
        section_pfn_.push_back(sec << section_shift);
        next += std::int64_t{1} << section_shift;
    }
    if (next + static_cast<std::int64_t>(extra_heads) >= INT32_MAX)
        throw AllocatorError("simulated memory too large (more than 2^31 pages of memmap)");
    const auto n = static_cast<std::size_t>(next);
    info_.assign(n, PageInfo{});
    links_.assign(n + extra_heads, PageLink{});
    pb_flags_.assign(n >> pageblock_order, 0);
    pb_controller_.assign(n >> pageblock_order, 0xff);
}

double PageMap::bytes_per_page() const {
    if (info_.empty()) return 0;
    const double bytes = static_cast<double>(info_.size() * (sizeof(PageInfo) + sizeof(PageLink)) +
                                             pb_flags_.size() + pb_controller_.size());
    return bytes / static_cast<double>(info_.size());
}

} // namespace pagesim
