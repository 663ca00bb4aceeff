// SPDX-License-Identifier: GPL-2.0-only
// Compact per-pfn metadata (pagesim's memmap): 16 bytes per page, in two arrays (flags/
// order/owner and list linkage), organised in sections like SPARSEMEM so that holes between
// memory ranges cost nothing; per-pageblock migratetype bits, skip hints and controller ids.
#pragma once

#include "allocator/page_list.h"
#include "allocator/types.h"

#include <cstdint>
#include <vector>

namespace pagesim {

/// Page state bits (the subset of page->flags and page_type the model needs).
enum PageFlag : std::uint8_t {
    PG_buddy = 1 << 0,    ///< head of a free block on a buddy free list (PageBuddy)
    PG_pcp = 1 << 1,      ///< on a per-CPU list (order and cached migratetype valid)
    PG_head = 1 << 2,     ///< first page of an allocated block (order and owner valid)
    PG_reserved = 1 << 3, ///< never handed to the buddy allocator (hole, memblock reserved)
    PG_lru = 1 << 4,      ///< allocated block is movable: on an LRU or __PageMovable
    PG_pinned = 1 << 5,   ///< long-term pinned (FOLL_LONGTERM): migration must fail
    PG_isolated = 1 << 6, ///< taken off the buddy by compaction/isolation, not owned
    PG_onlru = 1 << 7,    ///< allocated head linked on a node LRU list (see PageInfo::mt)
};

/// While an allocated head is on an LRU (PG_onlru), PageInfo::mt — the cached migratetype,
/// unused between allocation and free — holds the list: bits 0-1 the LruKind, bit 2 the
/// referenced bit of the second-chance (CLOCK) aging. Freeing rewrites mt as before.
inline constexpr std::uint8_t kLruKindMask = 0x3;
inline constexpr std::uint8_t kLruReferenced = 0x4;

/// Per-page metadata other than list linkage: 8 bytes.
struct PageInfo {
    std::uint8_t order = 0; ///< buddy order, pcp order or allocation order (head pages)
    std::uint8_t flags = PG_reserved;
    std::uint8_t mt = 0; ///< cached migratetype (`set_pcppage_migratetype`); LRU list if PG_onlru
    std::uint8_t zone = kNoZone; ///< global zone id (`page_zone`), kNoZone for holes
    std::uint32_t owner = 0;     ///< owner record of an allocated block (head page)
    static constexpr std::uint8_t kNoZone = 0xff;
};
static_assert(sizeof(PageInfo) == 8 && sizeof(PageLink) == 8, "16 bytes per simulated page");

/// Pageblock bits: migratetype in bits 0-2, PB_migrate_skip in bit 3 (pageblock-flags.h).
inline constexpr std::uint8_t kPbMigrateMask = 0x7;
inline constexpr std::uint8_t kPbSkip = 0x8;

class PageMap {
public:
    PageMap() = default;
    PageMap(const PageMap&) = delete;
    PageMap& operator=(const PageMap&) = delete;

    /// Sets up sections covering `present` pfn ranges (each rounded out to sections), with
    /// `extra_heads` list-head nodes appended after the pages. Every page starts
    /// PG_reserved with no zone; every pageblock UNMOVABLE (type 0), like a zeroed memmap.
    void init(const std::vector<std::pair<Pfn, Pfn>>& present, unsigned section_shift,
              unsigned pageblock_order, std::size_t extra_heads);

    /// `pfn_to_page`: kNoPage if the pfn has no memmap (outside every present section).
    PageIdx pfn_to_page(Pfn pfn) const {
        const Pfn s = pfn >> section_shift_;
        if (s >= section_offset_.size()) return kNoPage;
        const std::int64_t off = section_offset_[s];
        if (off == kNoSection) return kNoPage;
        return static_cast<PageIdx>(static_cast<std::int64_t>(pfn) + off);
    }
    /// `page_to_pfn`.
    Pfn page_to_pfn(PageIdx page) const {
        return section_pfn_[page >> section_shift_] + (page & section_mask_);
    }
    /// `pfn_valid`: has memmap (holes inside present sections are valid but reserved).
    bool pfn_valid(Pfn pfn) const { return pfn_to_page(pfn) != kNoPage; }

    PageInfo& info(PageIdx p) { return info_[p]; }
    const PageInfo& info(PageIdx p) const { return info_[p]; }
    PageLink* link_base() { return links_.data(); }
    /// Index of the `i`-th extra list-head node.
    PageIdx head_node(std::size_t i) const { return static_cast<PageIdx>(info_.size() + i); }

    std::size_t nr_pages() const { return info_.size(); }
    unsigned pageblock_order() const { return pageblock_order_; }
    unsigned section_shift() const { return section_shift_; }

    /// Pageblock of a page (dense numbering; sections are pageblock aligned).
    std::size_t pageblock(PageIdx p) const { return p >> pageblock_order_; }
    MigrateType get_pageblock_migratetype(PageIdx p) const {
        return static_cast<MigrateType>(pb_flags_[pageblock(p)] & kPbMigrateMask);
    }
    void set_pageblock_migratetype_raw(PageIdx p, MigrateType mt) {
        std::uint8_t& f = pb_flags_[pageblock(p)];
        f = static_cast<std::uint8_t>((f & ~kPbMigrateMask) | mt);
    }
    bool get_pageblock_skip(PageIdx p) const { return pb_flags_[pageblock(p)] & kPbSkip; }
    void set_pageblock_skip(PageIdx p, bool on) {
        std::uint8_t& f = pb_flags_[pageblock(p)];
        f = static_cast<std::uint8_t>(on ? (f | kPbSkip) : (f & ~kPbSkip));
    }
    /// Memory controller of a page (per pageblock), 0xff if none.
    std::uint8_t controller(PageIdx p) const { return pb_controller_[pageblock(p)]; }
    void set_controller(PageIdx p, std::uint8_t c) { pb_controller_[pageblock(p)] = c; }

    /// Bytes of metadata per simulated page (page arrays + pageblock tables), for reports.
    double bytes_per_page() const;

private:
    static constexpr std::int64_t kNoSection = INT64_MIN;

    unsigned section_shift_ = 15;
    Pfn section_mask_ = 0;
    unsigned pageblock_order_ = 9;
    std::vector<std::int64_t> section_offset_; ///< page index = pfn + offset
    std::vector<Pfn> section_pfn_;             ///< first pfn of each dense section
    std::vector<PageInfo> info_;
    std::vector<PageLink> links_; ///< pages, then list heads
    std::vector<std::uint8_t> pb_flags_;
    std::vector<std::uint8_t> pb_controller_;
};

} // namespace pagesim
