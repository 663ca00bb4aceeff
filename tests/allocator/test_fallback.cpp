// SPDX-License-Identifier: GPL-2.0-only
// Fallback and stealing (§3.4–3.9): the fallback table order, largest-first steals with
// pageblock ownership changes, the claim threshold, movable smallest-first, and
// ALLOC_NOFRAGMENT sending requests to DMA32 before fragmenting Normal.
#include "alloc_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {
AllocatorOptions no_pcp() {
    AllocatorOptions o;
    o.pcp_enabled = false;
    return o;
}
Pfn alloc(PageAllocator& pa, unsigned order, GfpFlags gfp) {
    AllocRequest r;
    r.gfp = gfp;
    r.order = order;
    const AllocResult res = pa.alloc_pages(r);
    REQUIRE(res);
    return res.pfn;
}
MigrateType block_type(const PageAllocator& pa, Pfn pfn) {
    return pa.page_map().get_pageblock_migratetype(pa.page_map().pfn_to_page(pfn));
}
} // namespace

TEST_CASE("an unmovable request steals a whole order-10 MOVABLE block", "[fallback]") {
    // ZONE_DMA32 is the preferred zone, so ALLOC_NOFRAGMENT is not set.
    PageAllocator pa(make_simple_layout(8192, 1, 0, 11, ZONE_DMA32), no_pcp());
    RecordingTracer tr;
    pa.set_tracer(&tr);
    Zone& z = only_zone(pa);
    CHECK(alloc(pa, 0, GFP_KERNEL) == 0);
    // change_pageblock_range() converted both pageblocks of the stolen block.
    CHECK(block_type(pa, 0) == MIGRATE_UNMOVABLE);
    CHECK(block_type(pa, 512) == MIGRATE_UNMOVABLE);
    CHECK(block_type(pa, 1024) == MIGRATE_MOVABLE);
    for (unsigned o = 0; o < 10; ++o)
        CHECK(free_list(pa, z, o, MIGRATE_UNMOVABLE) == std::vector<Pfn>{Pfn{1} << o});
    CHECK(free_list(pa, z, 10, MIGRATE_MOVABLE).size() == 7);
    const auto ext = tr.named("extfrag");
    REQUIRE(ext.size() == 1);
    // pfn 0, alloc_order 0, fallback_order 10, UNMOVABLE from MOVABLE, change_ownership.
    CHECK(ext[0] == Event{"extfrag", 0, 0, 10, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, 1});
    CHECK(pa.stats().pageblocks_claimed[MIGRATE_UNMOVABLE] == 2);
    CHECK(pa.stats().extfrag_fragmenting == 0);
    // The zone_locked event is the retry's __rmqueue_smallest on the UNMOVABLE list.
    const auto zl = tr.named("zone_locked");
    REQUIRE(zl.size() == 1);
    CHECK(zl[0].a == MIGRATE_UNMOVABLE);
}

TEST_CASE("the fallback table is tried in the kernel's order", "[fallback]") {
    // RECLAIMABLE falls back to UNMOVABLE before MOVABLE; UNMOVABLE to RECLAIMABLE first.
    PageAllocator pa(make_simple_layout(8192, 1, 0, 11, ZONE_DMA32), no_pcp());
    RecordingTracer tr;
    pa.set_tracer(&tr);
    alloc(pa, 0, GFP_KERNEL);                     // makes block 0-1023 UNMOVABLE
    alloc(pa, 0, GFP_KERNEL | gfp::kReclaimable); // RECLAIMABLE: from UNMOVABLE first
    auto ext = tr.named("extfrag");
    REQUIRE(ext.size() == 2);
    // Largest-first: order 10 holds only MOVABLE blocks, so RECLAIMABLE steals one there
    // although its first fallback, UNMOVABLE, has free blocks at lower orders.
    CHECK(ext[1].a == 10);
    CHECK(ext[1].c == MIGRATE_MOVABLE);
    // Now give order 10 an UNMOVABLE block too: RECLAIMABLE must pick UNMOVABLE.
    PageAllocator pb(make_simple_layout(8192, 1, 0, 11, ZONE_DMA32), no_pcp());
    RecordingTracer tb;
    pb.set_tracer(&tb);
    Zone& zb = only_zone(pb);
    pb.set_pageblock_migratetype(pb.page_map().pfn_to_page(1024), MIGRATE_UNMOVABLE);
    pb.set_pageblock_migratetype(pb.page_map().pfn_to_page(1536), MIGRATE_UNMOVABLE);
    pb.move_to_free_list(zb, pb.page_map().pfn_to_page(1024), 10, MIGRATE_UNMOVABLE);
    alloc(pb, 0, GFP_KERNEL | gfp::kReclaimable);
    ext = tb.named("extfrag");
    REQUIRE(ext.size() == 1);
    CHECK(ext[0].pfn == 1024);
    CHECK(ext[0].c == MIGRATE_UNMOVABLE);
    CHECK(block_type(pb, 1024) == MIGRATE_RECLAIMABLE);
}

namespace {
// Allocates the whole zone as order-0 movable pages, then frees `pfns`.
void fill_then_free(PageAllocator& pa, const std::vector<Pfn>& pfns) {
    pa.zero_watermarks();
    const Zone& z = only_zone(pa);
    for (Pfn i = 0; i < z.managed_pages; ++i) alloc(pa, 0, GFP_HIGHUSER_MOVABLE);
    for (Pfn p : pfns) pa.free_pages(p, 0, 0);
}
} // namespace

TEST_CASE("a movable request with only small foreign blocks steals smallest-first", "[fallback]") {
    PageAllocator pa(make_simple_layout(8192, 1, 0, 11, ZONE_DMA32), no_pcp());
    pa.zero_watermarks();
    Zone& z = only_zone(pa);
    for (Pfn i = 0; i < 8192; ++i) alloc(pa, 0, GFP_HIGHUSER_MOVABLE);
    pa.set_pageblock_migratetype(pa.page_map().pfn_to_page(0), MIGRATE_UNMOVABLE);
    for (Pfn p : std::vector<Pfn>{2, 3, 8, 9, 10, 11}) pa.free_pages(p, 0, 0);
    CHECK(free_list(pa, z, 1, MIGRATE_UNMOVABLE) == std::vector<Pfn>{2});
    CHECK(free_list(pa, z, 2, MIGRATE_UNMOVABLE) == std::vector<Pfn>{8});
    RecordingTracer tr;
    pa.set_tracer(&tr);
    CHECK(alloc(pa, 0, GFP_HIGHUSER_MOVABLE) == 2); // the order-1 block, not the order-2
    const auto ext = tr.named("extfrag");
    REQUIRE(ext.size() == 1);
    CHECK(ext[0] == Event{"extfrag", 2, 0, 1, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, 0});
    CHECK(block_type(pa, 0) == MIGRATE_UNMOVABLE); // no claim
    CHECK(free_list(pa, z, 0, MIGRATE_MOVABLE) == std::vector<Pfn>{3});
    CHECK(pa.stats().extfrag_fragmenting == 1);
}

TEST_CASE("steal_suitable_fallback claims a pageblock at half free-or-alike", "[fallback]") {
    // Pageblock 1 (512..1023) with 200 free pages; the other 312 pages allocated.
    std::vector<Pfn> freed;
    for (Pfn p = 512; p < 712; ++p) freed.push_back(p);

    SECTION("other pages movable: 200 free + 0 alike < 256, moved but not claimed") {
        PageAllocator pa(make_simple_layout(8192, 1, 0, 11, ZONE_DMA32), no_pcp());
        fill_then_free(pa, freed);
        RecordingTracer tr;
        pa.set_tracer(&tr);
        // The retry takes the smallest moved block: 704 (order 3), not the stolen 512.
        const Pfn p = alloc(pa, 0, GFP_KERNEL);
        CHECK(p == 704);
        CHECK(block_type(pa, 512) == MIGRATE_MOVABLE);
        const auto ext = tr.named("extfrag");
        REQUIRE(ext.size() == 1);
        CHECK(ext[0] == Event{"extfrag", 512, 0, 7, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, 0});
        // All the block's free pages were moved to UNMOVABLE lists anyway.
        Zone& z = only_zone(pa);
        for (unsigned o = 0; o < 11; ++o) CHECK(free_list(pa, z, o, MIGRATE_MOVABLE).empty());
    }
    SECTION("other pages unmovable: 200 free + 312 alike >= 256, claimed") {
        PageAllocator pa(make_simple_layout(8192, 1, 0, 11, ZONE_DMA32), no_pcp());
        fill_then_free(pa, freed);
        for (Pfn p = 712; p < 1024; ++p) pa.set_movable(p, false);
        RecordingTracer tr;
        pa.set_tracer(&tr);
        CHECK(alloc(pa, 0, GFP_KERNEL) == 704);
        CHECK(block_type(pa, 512) == MIGRATE_UNMOVABLE);
        const auto ext = tr.named("extfrag");
        REQUIRE(ext.size() == 1);
        CHECK(ext[0].d == 1);
        CHECK(pa.stats().pageblocks_claimed[MIGRATE_UNMOVABLE] == 1);
    }
    SECTION("movable start type counts movable pages as alike") {
        PageAllocator pa(make_simple_layout(8192, 1, 0, 11, ZONE_DMA32), no_pcp());
        fill_then_free(pa, freed);
        pa.set_pageblock_migratetype(pa.page_map().pfn_to_page(512), MIGRATE_UNMOVABLE);
        Zone& z = only_zone(pa);
        // Put the free blocks on UNMOVABLE lists as the block type says.
        pa.move_freepages_block(z, pa.page_map().pfn_to_page(512), MIGRATE_UNMOVABLE, nullptr);
        CHECK(alloc(pa, 0, GFP_HIGHUSER_MOVABLE) == 704); // order-7 block: can steal
        CHECK(block_type(pa, 512) == MIGRATE_MOVABLE);    // 200 free + 312 movable
    }
}

TEST_CASE("ALLOC_NOFRAGMENT tries DMA32 before fragmenting Normal", "[fallback][nofragment]") {
    constexpr Pfn n = 8192;
    // Normal has only scattered order-0 MOVABLE pages; DMA32 is pristine.
    PageAllocator pa(make_dma32_normal_layout(n), no_pcp());
    pa.zero_watermarks();
    std::vector<Pfn> normal_pages;
    for (Pfn i = 0; i < n; ++i) {
        AllocRequest r;
        r.gfp = GFP_HIGHUSER_MOVABLE; // zonelist Normal, DMA32: fills Normal first
        const AllocResult res = pa.alloc_pages(r);
        REQUIRE(res);
        REQUIRE(res.pfn >= n);
        normal_pages.push_back(res.pfn);
    }
    for (Pfn p = n; p < 2 * n; p += 2) pa.free_pages(p, 0, 0);
    RecordingTracer tr;
    pa.set_tracer(&tr);

    SECTION("the first pass skips Normal's small blocks and steals a whole DMA32 block") {
        const Pfn p = alloc(pa, 0, GFP_KERNEL);
        CHECK(p < n);
        for (Pfn b = n; b < 2 * n; b += 512) CHECK(block_type(pa, b) == MIGRATE_MOVABLE);
        const auto ext = tr.named("extfrag");
        REQUIRE(ext.size() == 1);
        CHECK(ext[0].a == 10);
    }
    SECTION("when DMA32 cannot give a whole pageblock either, Normal gets fragmented") {
        for (Pfn i = 0; i < n; ++i) alloc(pa, 0, GFP_DMA32 | gfp::kMovable | GFP_USER);
        for (Pfn p = 1; p < n; p += 2) pa.free_pages(p, 0, 0);
        tr.events.clear();
        const Pfn p = alloc(pa, 0, GFP_KERNEL);
        const auto ext = tr.named("extfrag");
        REQUIRE(ext.size() == 1);
        CHECK(ext[0].a == 0); // fallback_order 0: fragmenting
        // Every free went to the head, so the last one freed is stolen first; its pageblock
        // is half free and half movable: 256 free + 0 alike reaches the claim threshold.
        CHECK(ext[0].pfn == 2 * n - 2);
        CHECK(ext[0].d == 1);
        CHECK(block_type(pa, 2 * n - 512) == MIGRATE_UNMOVABLE);
        // Preferred zone Normal, second pass without NOFRAGMENT: the head of the moved pages.
        CHECK(p == 2 * n - 512);
    }
}

TEST_CASE("high-order atomic allocations reserve a HIGHATOMIC pageblock",
          "[fallback][highatomic]") {
    PageAllocator pa(make_simple_layout(65536, 1, 0, 11, ZONE_DMA32), no_pcp());
    Zone& z = only_zone(pa);
    AllocRequest r;
    r.gfp = GFP_ATOMIC;
    r.order = 2;
    // The fast path never sets ALLOC_HIGHATOMIC; the slow path's flags do (E4a).
    AllocContext ac;
    AllocFlags flags = 0;
    REQUIRE(pa.prepare_alloc_pages(r, ac, flags));
    flags = ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_HIGHATOMIC;
    AllocFailure why{};
    const PageIdx page = pa.get_page_from_freelist(r.gfp, 2, flags, ac, 0, &why);
    REQUIRE(page != kNoPage);
    const Pfn pfn = pa.page_map().page_to_pfn(page);
    CHECK(z.nr_reserved_highatomic == 512);
    CHECK(block_type(pa, pfn) == MIGRATE_HIGHATOMIC);
    // The rest of the block's free pages went to the HIGHATOMIC lists.
    std::uint64_t ha_free = 0;
    for (unsigned o = 0; o < 11; ++o)
        ha_free += z.free_area[o].free_list[MIGRATE_HIGHATOMIC].size() << o;
    CHECK(ha_free == 512 - 4);
    pa.prep_new_page(page, 2, r.gfp, 0);

    // A second atomic order-2 request uses the reserve first (rmqueue_buddy).
    const PageIdx page2 = pa.get_page_from_freelist(r.gfp, 2, flags, ac, 0, &why);
    REQUIRE(page2 != kNoPage);
    pa.prep_new_page(page2, 2, r.gfp, 0);
    CHECK(block_type(pa, pa.page_map().page_to_pfn(page2)) == MIGRATE_HIGHATOMIC);
    CHECK(z.nr_reserved_highatomic == 512);

    // unreserve keeps the last block unless forced.
    CHECK_FALSE(pa.unreserve_highatomic_pageblock(ac, false));
    CHECK(pa.unreserve_highatomic_pageblock(ac, true));
    CHECK(z.nr_reserved_highatomic == 0);
    CHECK(block_type(pa, pfn) == MIGRATE_UNMOVABLE); // ac.migratetype of GFP_ATOMIC
    pa.check_invariants();
}
