// SPDX-License-Identifier: GPL-2.0-only
// Buddy structure: boot population (§2.6), expand() split order (§2.5), __free_one_page
// merging and head/tail placement with buddy_merge_likely (§2.4), bad input.
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
Pfn alloc(PageAllocator& pa, unsigned order, GfpFlags gfp = GFP_HIGHUSER_MOVABLE) {
    AllocRequest r;
    r.gfp = gfp;
    r.order = order;
    const AllocResult res = pa.alloc_pages(r);
    REQUIRE(res);
    return res.pfn;
}
} // namespace

TEST_CASE("boot frees ascending MOVABLE order-10 blocks to the tail", "[buddy][boot]") {
    PageAllocator pa(make_simple_layout(8192));
    Zone& z = only_zone(pa);
    CHECK(z.managed_pages == 8192);
    CHECK(z.free_pages() == 8192);
    CHECK(free_list(pa, z, 10, MIGRATE_MOVABLE) ==
          std::vector<Pfn>{0, 1024, 2048, 3072, 4096, 5120, 6144, 7168});
    CHECK(z.free_area[10].nr_free == 8);
    for (unsigned o = 0; o < 10; ++o) CHECK(z.free_area[o].nr_free == 0);
    for (Pfn pfn = 0; pfn < 8192; pfn += 512)
        CHECK(pa.page_map().get_pageblock_migratetype(pa.page_map().pfn_to_page(pfn)) ==
              MIGRATE_MOVABLE);
    CHECK(pa.events()[PGFREE] == 8192);
    CHECK_FALSE(pa.page_group_by_mobility_disabled());
}

TEST_CASE("a boot range that is not MAX_ORDER aligned is freed in natural blocks",
          "[buddy][boot]") {
    // __free_pages_memory(): order = min(MAX_ORDER-1, ffs(start)), shrunk to fit the end.
    // Pageblock 0 starts with a hole (pfn 0), so it stays UNMOVABLE (erratum E1) and its
    // pages go to the UNMOVABLE lists, like x86's ZONE_DMA.
    PageAllocator pa(make_simple_layout(8192 - 1 - 512, 1, 1));
    Zone& z = only_zone(pa);
    for (unsigned o = 0; o < 9; ++o) {
        CHECK(free_list(pa, z, o, MIGRATE_UNMOVABLE) == std::vector<Pfn>{Pfn{1} << o});
        CHECK(free_list(pa, z, o, MIGRATE_MOVABLE).empty());
    }
    CHECK(free_list(pa, z, 10, MIGRATE_MOVABLE) ==
          std::vector<Pfn>{1024, 2048, 3072, 4096, 5120, 6144});
    // The range ends at 7680: 7168 + order 9.
    CHECK(free_list(pa, z, 9, MIGRATE_MOVABLE) == std::vector<Pfn>{512, 7168});
    const PageMap& map = pa.page_map();
    CHECK(map.get_pageblock_migratetype(map.pfn_to_page(1)) == MIGRATE_UNMOVABLE);
    CHECK(map.get_pageblock_migratetype(map.pfn_to_page(512)) == MIGRATE_MOVABLE);
    CHECK(z.zone_start_pfn == 1);
}

TEST_CASE("an order-0 allocation splits the lowest order-10 block (expand)", "[buddy][expand]") {
    PageAllocator pa(make_simple_layout(8192), no_pcp());
    Zone& z = only_zone(pa);
    CHECK(alloc(pa, 0) == 0);
    for (unsigned o = 0; o < 10; ++o)
        CHECK(free_list(pa, z, o, MIGRATE_MOVABLE) == std::vector<Pfn>{Pfn{1} << o});
    CHECK(free_list(pa, z, 10, MIGRATE_MOVABLE).size() == 7);
    CHECK(z.free_pages() == 8191);

    // Freeing it merges all the way back; order 10 >= MAX_ORDER-2 goes to the head.
    pa.free_pages(0, 0, 0);
    CHECK(free_list(pa, z, 10, MIGRATE_MOVABLE) ==
          std::vector<Pfn>{0, 1024, 2048, 3072, 4096, 5120, 6144, 7168});
    for (unsigned o = 0; o < 10; ++o) CHECK(z.free_area[o].nr_free == 0);
}

TEST_CASE("__free_one_page merges and places blocks by buddy_merge_likely", "[buddy][merge]") {
    PageAllocator pa(make_simple_layout(8192), no_pcp());
    pa.zero_watermarks();
    Zone& z = only_zone(pa);
    for (Pfn i = 0; i < 8192; ++i) REQUIRE(alloc(pa, 0) == i);
    CHECK(z.free_pages() == 0);
    const auto o0 = [&] { return free_list(pa, z, 0, MIGRATE_MOVABLE); };
    const auto o1 = [&] { return free_list(pa, z, 1, MIGRATE_MOVABLE); };

    pa.free_pages(2, 0, 0); // buddy 3 busy; 0 is not a free order-1 block: head
    CHECK(o0() == std::vector<Pfn>{2});
    pa.free_pages(9, 0, 0); // head
    CHECK(o0() == std::vector<Pfn>{9, 2});
    pa.free_pages(4, 0, 0);
    pa.free_pages(5, 0, 0); // merges with 4 into an order-1 block at 4
    CHECK(o0() == std::vector<Pfn>{9, 2});
    CHECK(o1() == std::vector<Pfn>{4});
    pa.free_pages(1, 0, 0); // 0 busy; block 2 is order 0, not 1: head
    CHECK(o0() == std::vector<Pfn>{1, 9, 2});
    pa.free_pages(6, 0, 0); // parent 6's buddy 4 is a free order-1 block: merge likely, tail
    CHECK(o0() == std::vector<Pfn>{1, 9, 2, 6});
    pa.free_pages(3, 0, 0); // merges with 2; block 4 is order 1 not 2: head
    CHECK(o0() == std::vector<Pfn>{1, 9, 6});
    CHECK(o1() == std::vector<Pfn>{2, 4});
    pa.free_pages(7, 0, 0); // 6+7 -> 6, 4+6 -> order 2 at 4; 8 busy
    CHECK(o0() == std::vector<Pfn>{1, 9});
    CHECK(o1() == std::vector<Pfn>{2});
    CHECK(free_list(pa, z, 2, MIGRATE_MOVABLE) == std::vector<Pfn>{4});
    pa.free_pages(0, 0, 0); // 0+1, +2, +4 -> order 3 at 0; 8 busy
    CHECK(o0() == std::vector<Pfn>{9});
    CHECK(o1().empty());
    CHECK(free_list(pa, z, 2, MIGRATE_MOVABLE).empty());
    CHECK(free_list(pa, z, 3, MIGRATE_MOVABLE) == std::vector<Pfn>{0});
    CHECK(z.free_pages() == 9);
}

TEST_CASE("merging stops at MAX_ORDER-1 and at unmergeable pageblock types", "[buddy][merge]") {
    PageAllocator pa(make_simple_layout(8192), no_pcp());
    pa.zero_watermarks();
    Zone& z = only_zone(pa);
    PageMap& map = pa.page_map();
    // Two order-9 halves of block 0: make the upper pageblock HIGHATOMIC-typed.
    CHECK(alloc(pa, 9) == 0);
    CHECK(alloc(pa, 9) == 512);
    pa.set_pageblock_migratetype(map.pfn_to_page(512), MIGRATE_HIGHATOMIC);
    z.nr_reserved_highatomic = 512;
    pa.free_pages(0, 9, 0);
    pa.free_pages(512, 9, 0);
    // HIGHATOMIC and MOVABLE never merge at order >= pageblock_order.
    CHECK(free_list(pa, z, 9, MIGRATE_MOVABLE) == std::vector<Pfn>{0});
    CHECK(free_list(pa, z, 9, MIGRATE_HIGHATOMIC) == std::vector<Pfn>{512});
    CHECK(free_list(pa, z, 10, MIGRATE_MOVABLE).size() == 7);

    // UNMOVABLE and MOVABLE pageblocks do merge; the result goes to the freeing page's type.
    PageAllocator pb(make_simple_layout(8192), no_pcp());
    pb.zero_watermarks();
    Zone& zb = only_zone(pb);
    CHECK(alloc(pb, 9) == 0);
    CHECK(alloc(pb, 9) == 512);
    pb.set_pageblock_migratetype(pb.page_map().pfn_to_page(0), MIGRATE_UNMOVABLE);
    pb.free_pages(512, 9, 0); // lands on MOVABLE
    pb.free_pages(0, 9, 0);   // UNMOVABLE block merges with it: order 10 on UNMOVABLE
    CHECK(free_list(pb, zb, 10, MIGRATE_UNMOVABLE) == std::vector<Pfn>{0});
    CHECK(zb.free_area[9].nr_free == 0);
}

TEST_CASE("bad frees and requests are errors, not undefined behaviour", "[buddy][errors]") {
    PageAllocator pa(make_simple_layout(8192), no_pcp());
    const Pfn p = alloc(pa, 2);
    CHECK_THROWS_WITH(pa.free_pages(p, 1, 0), Catch::Contains("allocated at order 2"));
    CHECK_THROWS_WITH(pa.free_pages(p + 1, 0, 0), Catch::Contains("not the head"));
    CHECK_THROWS_WITH(pa.free_pages(999999, 0, 0), Catch::Contains("outside every zone"));
    CHECK_THROWS_WITH(pa.free_pages(p, 2, 7), Catch::Contains("cpu 7"));
    pa.free_pages(p, 2, 0);
    CHECK_THROWS_WITH(pa.free_pages(p, 2, 0), Catch::Contains("double free"));
    AllocRequest r;
    r.order = 11;
    CHECK(pa.alloc_pages(r).failure == AllocFailure::OrderTooLarge);
    r.order = 0;
    r.gfp = gfp::kDma | gfp::kDma32;
    CHECK(pa.alloc_pages(r).failure == AllocFailure::BadGfp);
    pa.check_invariants();
}

TEST_CASE("the page map costs 16 bytes per simulated page", "[buddy][memory]") {
    PageAllocator pa(make_simple_layout(262144));
    CHECK(pa.page_map().bytes_per_page() < 16.01);
    CHECK(pa.page_map().bytes_per_page() >= 16.0);
}
