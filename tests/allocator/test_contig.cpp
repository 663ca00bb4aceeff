// SPDX-License-Identifier: GPL-2.0-only
// Contiguous allocation (spec dmb.md §1.6 item 7, §4 S15/S17): alloc_contig_range failing on
// a pinned page and succeeding after unpin, retrying busy pages, refusing unmovable pages;
// alloc_contig_pages never picking a range that touches a DMB; CMA areas and their bitmaps.
#include "owner_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {
constexpr GfpFlags kNowaitMovable = GFP_NOWAIT | gfp::kMovable | gfp::kHighmem;

Pfn first_owned_in(const TestOwners& own, Pfn start, Pfn end) {
    const auto it = own.blocks.lower_bound(start);
    return it != own.blocks.end() && it->first < end ? it->first : kNoPfn;
}

bool owned_by(const PageAllocator& pa, Pfn start, Pfn end, std::uint32_t owner) {
    const PageMap& map = pa.page_map();
    for (Pfn p = start; p < end; ++p) {
        const PageInfo& pi = map.info(map.pfn_to_page(p));
        if (!(pi.flags & PG_head) || pi.order != 0 || pi.owner != owner) return false;
    }
    return true;
}
} // namespace

TEST_CASE("alloc_contig_range fails on a pinned page and succeeds after unpin", "[contig]") {
    PageAllocator pa(make_simple_layout(8192, 2));
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    for (int i = 0; i < 4000; ++i) REQUIRE(own.alloc(1, 0, kNowaitMovable) != kNoPfn);
    const Pfn pinned = first_owned_in(own, 1024 + 100, 1536);
    REQUIRE(pinned != kNoPfn);
    pa.set_pinned(pinned, true);
    const Zone& z = only_zone(pa);
    const std::int64_t free0 = z.free_pages();

    ContigResult r = sp.alloc_contig_range(1024, 1536, MIGRATE_MOVABLE, GFP_KERNEL, 9);
    CHECK(!r);
    CHECK(r.failure == ContigFailure::NotIsolated);
    CHECK(r.failed_pfn == pinned);
    CHECK(r.cost_ns > 0);
    CHECK(own.blocks.count(pinned));
    CHECK(z.nr_isolate_pageblock == 0);
    CHECK(pa.page_map().get_pageblock_migratetype(pa.page_map().pfn_to_page(1024)) ==
          MIGRATE_MOVABLE);
    CHECK(z.free_pages() <= free0); // nothing was lost: moved pages were allocated elsewhere
    own.check_records();

    pa.set_pinned(pinned, false);
    r = sp.alloc_contig_range(1024, 1536, MIGRATE_MOVABLE, GFP_KERNEL, 9);
    REQUIRE(r);
    CHECK(r.pfn == 1024);
    CHECK(r.pages_migrated > 0);
    CHECK(owned_by(pa, 1024, 1536, 9));
    CHECK(first_owned_in(own, 1024, 1536) == kNoPfn); // the owner was told of every move
    own.check_records();
    sp.free_contig_range(1024, 512);
    CHECK(!(pa.page_map().info(pa.page_map().pfn_to_page(1024)).flags & PG_head));
    pa.check_invariants();
}

TEST_CASE("alloc_contig_range retries busy pages and gives up on persistent ones", "[contig]") {
    PageAllocator pa(make_simple_layout(8192));
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    for (int i = 0; i < 4000; ++i) REQUIRE(own.alloc(1, 0, kNowaitMovable) != kNoPfn);
    const Pfn busy = first_owned_in(own, 2048, 2560);
    REQUIRE(busy != kNoPfn);
    SECTION("busy for a while: retried, then migrated") {
        own.busy[busy] = 3;
        const ContigResult r = sp.alloc_contig_range(2048, 2560, MIGRATE_MOVABLE, GFP_KERNEL, 9);
        REQUIRE(r);
        CHECK(r.migrate_busy == 3);
        CHECK(owned_by(pa, 2048, 2560, 9));
    }
    SECTION("busy for ever: 5 tries of NR_MAX_MIGRATE_PAGES_RETRY passes, then -EBUSY") {
        own.busy[busy] = 1000;
        const ContigResult r = sp.alloc_contig_range(2048, 2560, MIGRATE_MOVABLE, GFP_KERNEL, 9);
        CHECK(!r);
        CHECK(r.failure == ContigFailure::MigrateFailed);
        CHECK(r.migrate_busy == 5 * NR_MAX_MIGRATE_PAGES_RETRY);
        CHECK(own.blocks.count(busy));
        CHECK(pa.events()[PGMIGRATE_FAIL] > 0);
    }
    SECTION("an unmovable page outside ZONE_MOVABLE fails at isolation") {
        const Pfn k = own.alloc(2, 0, GFP_KERNEL);
        REQUIRE(k != kNoPfn);
        const Pfn start = k & ~Pfn{511};
        const ContigResult r =
            sp.alloc_contig_range(start, start + 512, MIGRATE_MOVABLE, GFP_KERNEL, 9);
        CHECK(r.failure == ContigFailure::Unmovable);
        CHECK(r.failed_pfn == k);
        CHECK(r.pages_migrated == 0);
    }
    own.check_records();
}

TEST_CASE("alloc_contig_pages never picks a range that intersects a DMB", "[contig][dmb]") {
    PageAllocator pa(make_dmb_layout(4096));
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    const PfnRange dmb{4096, 8192};
    SECTION("the movable zone is all DMB: the range comes from Normal") {
        const ContigResult r = sp.alloc_contig_pages(1024, GFP_HIGHUSER_MOVABLE, 0, kAllNodes, 5);
        REQUIRE(r);
        const bool outside = r.pfn + 1024 <= dmb.start || r.pfn >= dmb.end;
        CHECK(outside);
        CHECK(r.ranges_tried == 1);
        CHECK(owned_by(pa, r.pfn, r.pfn + 1024, 5));
    }
    SECTION("Normal's first candidates are busy: the next valid one is past the DMB") {
        for (Pfn p = 0; p < 4096; p += 1024) {
            AllocRequest req;
            req.gfp = GFP_KERNEL;
            // An unmovable page in every 1024-page candidate below the DMB.
            while (true) {
                const AllocResult a = pa.alloc_pages(req);
                REQUIRE(a);
                own.blocks[a.pfn] = {0, 2};
                if (a.pfn >= p && a.pfn < p + 1024) break;
            }
        }
        const ContigResult r = sp.alloc_contig_pages(1024, GFP_HIGHUSER_MOVABLE, 0, kAllNodes, 5);
        REQUIRE(r);
        CHECK(r.pfn >= dmb.end);
        CHECK(r.ranges_tried == 5);
    }
    SECTION("alloc_contig_range on the DMB itself is the driver's path") {
        const ContigResult r = sp.alloc_contig_range(4096, 5120, MIGRATE_MOVABLE, GFP_KERNEL, 6);
        REQUIRE(r);
        CHECK(owned_by(pa, 4096, 5120, 6));
    }
    pa.check_invariants();
}

TEST_CASE("CMA areas: cma_alloc, migration out of the area, cma_release", "[contig][cma]") {
    Layout l = make_simple_layout(8192, 2);
    l.kconfig.cma = true;
    l.cma.push_back({"video", {4096, 8192}});
    PageAllocator pa(l);
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    REQUIRE(sp.cma_areas().size() == 1);
    const ContigResult a = sp.cma_alloc(0, 100, 4, false, 3);
    REQUIRE(a);
    CHECK(a.pfn % 16 == 0);
    CHECK(a.pfn >= 4096);
    CHECK(sp.cma_areas()[0].allocated == 100);
    CHECK(owned_by(pa, a.pfn, a.pfn + 100, 3));
    CHECK(pa.events()[CMA_ALLOC_SUCCESS] == 1);
    // User pages spill into the CMA area; a large cma_alloc moves them out.
    for (int i = 0; i < 5000; ++i) REQUIRE(own.alloc(1, 0, kNowaitMovable) != kNoPfn);
    REQUIRE(first_owned_in(own, 4096, 8192) != kNoPfn);
    const ContigResult b = sp.cma_alloc(0, 1024, 9, false, 4);
    REQUIRE(b);
    CHECK(b.pfn % 512 == 0);
    CHECK(b.pages_migrated > 0);
    CHECK(first_owned_in(own, b.pfn, b.pfn + 1024) == kNoPfn);
    CHECK(sp.cma_areas()[0].allocated == 1124);
    // More than is left fails and is counted.
    const ContigResult c = sp.cma_alloc(0, 4096, 0);
    CHECK(!c);
    CHECK(c.failure == ContigFailure::NoRange);
    CHECK(pa.events()[CMA_ALLOC_FAIL] == 1);
    // Release: only what was allocated.
    CHECK(!sp.cma_release(0, 100, 10));        // outside the area
    CHECK(!sp.cma_release(0, a.pfn + 100, 1)); // not allocated
    CHECK(sp.cma_release(0, a.pfn, 100));
    CHECK(sp.cma_release(0, b.pfn, 1024));
    CHECK(sp.cma_areas()[0].allocated == 0);
    own.check_records();
    pa.check_invariants();
}

TEST_CASE("alloc_contig_range over a highatomic pageblock gives the reservation back", "[contig]") {
    // pagesim's deliberate difference: 6.1 retypes the block but leaves
    // nr_reserved_highatomic counting it for ever.
    PageAllocator pa(make_simple_layout(8192));
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    Zone& z = only_zone(pa);
    AllocRequest r;
    r.gfp = GFP_ATOMIC;
    r.order = 1;
    AllocContext ac;
    AllocFlags flags = 0;
    REQUIRE(pa.prepare_alloc_pages(r, ac, flags));
    const PageIdx page = pa.get_page_from_freelist(
        r.gfp, 1, ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_HIGHATOMIC, ac, 0,
        nullptr);
    REQUIRE(page != kNoPage);
    pa.prep_new_page(page, 1, r.gfp, 0);
    const Pfn pfn = pa.page_map().page_to_pfn(page);
    REQUIRE(z.nr_reserved_highatomic == 512);
    pa.free_pages(pfn, 1, 0);
    const Pfn start = pfn & ~Pfn{511};
    REQUIRE(pa.page_map().get_pageblock_migratetype(pa.page_map().pfn_to_page(start)) ==
            MIGRATE_HIGHATOMIC);
    const ContigResult c =
        sp.alloc_contig_range(start, start + 512, MIGRATE_MOVABLE, GFP_KERNEL, 4);
    REQUIRE(c);
    CHECK(z.nr_reserved_highatomic == 0);
    CHECK(pa.page_map().get_pageblock_migratetype(pa.page_map().pfn_to_page(start)) ==
          MIGRATE_MOVABLE);
    sp.free_contig_range(start, 512);
    pa.check_invariants();
}
