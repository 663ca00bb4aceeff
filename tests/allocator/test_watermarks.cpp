// SPDX-License-Identifier: GPL-2.0-only
// Watermarks and reserves (§5): the worked examples, min_free_kbytes with the THP raise
// (E6, E13), __zone_watermark_ok arithmetic (E4a), lowmem_reserve, boost.
#include "alloc_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {
// One node with DMA [0, a), DMA32 [a, a+b), Normal [a+b, a+b+c).
Layout three_zones(Pfn a, Pfn b, Pfn c, ThpMode thp = ThpMode::Always) {
    Layout l = make_simple_layout(a + b + c);
    l.nodes[0].zones[0] = {ZONE_DMA, 0, a, a};
    l.nodes[0].zones[1] = {ZONE_DMA32, a, b, b};
    l.nodes[0].zones[2] = {ZONE_NORMAL, a + b, c, c};
    l.membership = {{{0, a}, 0, 0}, {{a, a + b}, 0, 1}, {{a + b, a + b + c}, 0, 2}};
    l.thp = thp;
    return l;
}
AllocatorOptions unchecked() {
    AllocatorOptions o;
    o.debug_checks = false;
    return o;
}
} // namespace

TEST_CASE("__setup_per_zone_wmarks: the spec's worked example", "[watermarks]") {
    PageAllocator pa(three_zones(4096, 8192, 8192), unchecked());
    NodeData& node = pa.node(0);
    node.zones[0]->managed_pages = 3840;
    node.zones[1]->managed_pages = 700000;
    node.zones[2]->managed_pages = 3400000;
    pa.set_min_free_kbytes(67584);
    pa.setup_per_zone_lowmem_reserve();
    struct Row {
        std::uint64_t min, low, high, promo;
    };
    const std::vector<Row> expect{
        {15, 18, 21, 24}, {2881, 3601, 4321, 5041}, {13998, 17497, 20996, 24495}};
    for (std::size_t i = 0; i < 3; ++i) {
        const Zone& z = *node.zones[i];
        CHECK(z.watermark[WMARK_MIN] == expect[i].min);
        CHECK(z.watermark[WMARK_LOW] == expect[i].low);
        CHECK(z.watermark[WMARK_HIGH] == expect[i].high);
        CHECK(z.watermark[WMARK_PROMO] == expect[i].promo);
    }
    // §5.5: protection arrays, and §5.6: totalreserve_pages.
    CHECK(node.zones[0]->lowmem_reserve ==
          std::array<std::int64_t, kMaxNrZones>{0, 2734, 16015, 16015, 16015, 0});
    CHECK(node.zones[1]->lowmem_reserve ==
          std::array<std::int64_t, kMaxNrZones>{0, 0, 13281, 13281, 13281, 0});
    CHECK(node.zones[2]->lowmem_reserve == std::array<std::int64_t, kMaxNrZones>{});
    CHECK(pa.totalreserve_pages() == 42438);
}

TEST_CASE("min_free_kbytes: int_sqrt(lowmem_kbytes * 16), then the THP raise", "[watermarks]") {
    {
        PageAllocator pa(make_simple_layout(262144), unchecked()); // 1 GiB, THP always
        // sqrt(1 GiB in kB * 16) = 4096; THP: 1 zone -> 512*2 + 512*9 = 5632 pages = 22528 kB.
        CHECK(pa.min_free_kbytes() == 22528);
    }
    {
        Layout l = make_simple_layout(262144);
        l.thp = ThpMode::Never;
        PageAllocator pa(l, unchecked());
        CHECK(pa.min_free_kbytes() == 4096);
    }
    {
        Layout l = make_simple_layout(1 << 20); // 4 GiB
        l.thp = ThpMode::Never;
        PageAllocator pa(l, unchecked());
        CHECK(pa.min_free_kbytes() == 8192);
    }
    {
        // Two populated lowmem zones: 45056 kB; three: 67584 kB (erratum E6).
        PageAllocator two(three_zones(0, 131072, 131072), unchecked());
        CHECK(two.min_free_kbytes() == 45056);
        PageAllocator three(three_zones(4096, 262144, 131072), unchecked());
        CHECK(three.min_free_kbytes() == 67584);
    }
    {
        // The 5% cap, taken after the first watermarks exist: sqrt gives 724 kB, so high
        // is 271 pages; (8192 - 271) / 20 = 396 pages = 1584 kB.
        PageAllocator pa(make_simple_layout(8192), unchecked());
        CHECK(pa.min_free_kbytes() == 1584);
    }
}

TEST_CASE("a user min_free_kbytes wins unless the computed value is larger (E13)", "[watermarks]") {
    Layout l = make_simple_layout(262144);
    l.thp = ThpMode::Never;
    l.sysctl.min_free_kbytes = 16384;
    PageAllocator pa(l, unchecked());
    CHECK(pa.min_free_kbytes() == 16384);
    CHECK(only_zone(pa).watermark[WMARK_MIN] == 4096);
    pa.set_watermark_scale_factor(1000);
    CHECK(only_zone(pa).watermark[WMARK_LOW] == 4096 + 26214);
    CHECK_THROWS(pa.set_watermark_scale_factor(0));
    CHECK_THROWS(pa.set_percpu_pagelist_high_fraction(7));
    pa.set_percpu_pagelist_high_fraction(8);
    CHECK(only_zone(pa).pcp[0].high == 262144 / 8);
}

TEST_CASE("__zone_watermark_ok with the 6.1.y reserve flags (E4a)", "[watermarks]") {
    PageAllocator pa(make_simple_layout(65536), unchecked());
    Zone& z = only_zone(pa);
    z.lowmem_reserve = {};
    const auto ok = [&](AllocFlags f, std::int64_t free, unsigned order = 0) {
        return pa.zone_watermark_ok_free(z, order, 1000, 2, f, free);
    };
    CHECK(ok(0, 1001));
    CHECK_FALSE(ok(0, 1000)); // free <= min fails
    // ALLOC_MIN_RESERVE halves the mark; with NON_BLOCK a further quarter; OOM halves.
    CHECK(ok(ALLOC_MIN_RESERVE, 501));
    CHECK_FALSE(ok(ALLOC_MIN_RESERVE, 500));
    CHECK(ok(ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 376));
    CHECK_FALSE(ok(ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 375));
    CHECK_FALSE(ok(ALLOC_NON_BLOCK, 1000)); // plain NON_BLOCK: no reduction
    CHECK(ok(ALLOC_OOM, 501));
    CHECK(ok(ALLOC_OOM | ALLOC_MIN_RESERVE, 251));
    CHECK_FALSE(ok(ALLOC_OOM | ALLOC_MIN_RESERVE, 250));
    // The highatomic reserve is unusable unless some ALLOC_RESERVES flag is set.
    z.nr_reserved_highatomic = 512;
    CHECK_FALSE(ok(0, 1512));
    CHECK(ok(0, 1513));
    CHECK(ok(ALLOC_NON_BLOCK, 1001));
    z.nr_reserved_highatomic = 0;
    // Order > 0: 2^order - 1 pages are unusable, and a block of that order must exist.
    CHECK_FALSE(ok(0, 1003, 2));
    CHECK(ok(0, 1004, 2));
    // lowmem_reserve of the request's class zone is added to the mark.
    z.lowmem_reserve[3] = 100;
    CHECK(pa.zone_watermark_ok_free(z, 0, 1000, 2, 0, 1001));
    CHECK_FALSE(pa.zone_watermark_ok_free(z, 0, 1000, 3, 0, 1100));
}

TEST_CASE("the order check needs a free block of a usable type", "[watermarks]") {
    AllocatorOptions o;
    o.pcp_enabled = false;
    PageAllocator pa(make_simple_layout(8192, 1, 0, 11, ZONE_DMA32), o);
    pa.zero_watermarks();
    Zone& z = only_zone(pa);
    // Take every order-10 block; what is left is free but smaller.
    std::vector<Pfn> big;
    for (int i = 0; i < 8; ++i) {
        AllocRequest r;
        r.gfp = GFP_HIGHUSER_MOVABLE;
        r.order = 10;
        big.push_back(pa.alloc_pages(r).pfn);
    }
    AllocRequest r;
    r.gfp = GFP_HIGHUSER_MOVABLE;
    r.order = 9;
    pa.free_pages(big[0], 10, 0);
    const Pfn half = pa.alloc_pages(r).pfn; // leaves one order-9 MOVABLE block
    CHECK(pa.zone_watermark_ok(z, 9, 0, 2, 0));
    CHECK_FALSE(pa.zone_watermark_ok(z, 10, 0, 2, 0));
    // Moved to the HIGHATOMIC list, the block only counts with ALLOC_HIGHATOMIC or OOM.
    const Pfn other = half ^ 512;
    pa.move_to_free_list(z, pa.page_map().pfn_to_page(other), 9, MIGRATE_HIGHATOMIC);
    CHECK_FALSE(pa.zone_watermark_ok(z, 9, 0, 2, 0));
    CHECK(pa.zone_watermark_ok(z, 9, 0, 2, ALLOC_HIGHATOMIC));
    CHECK(pa.zone_watermark_ok(z, 9, 0, 2, ALLOC_OOM));
    pa.move_to_free_list(z, pa.page_map().pfn_to_page(other), 9, MIGRATE_MOVABLE);
}

TEST_CASE("a fragmenting fallback boosts the watermark and wakes kswapd once", "[watermarks]") {
    PageAllocator pa(make_simple_layout(65536, 1, 0, 11, ZONE_DMA32), unchecked());
    Zone& z = only_zone(pa);
    // Fill the zone with movable pages, then free every fourth page: only order-0 MOVABLE
    // blocks remain, and the watermarks come back.
    pa.zero_watermarks();
    AllocRequest r;
    r.gfp = GFP_HIGHUSER_MOVABLE;
    std::vector<Pfn> pages;
    for (AllocResult res = pa.alloc_pages(r); res; res = pa.alloc_pages(r))
        pages.push_back(res.pfn);
    pa.drain_all_pages();
    for (AllocResult res = pa.alloc_pages(r); res; res = pa.alloc_pages(r))
        pages.push_back(res.pfn);
    REQUIRE(pages.size() == 65536);
    for (Pfn p = 0; p < 65536; p += 4) pa.free_pages(p, 0, 0);
    pa.drain_all_pages();
    pa.setup_per_zone_wmarks();
    pa.setup_per_zone_lowmem_reserve();
    const std::uint64_t high = z.watermark[WMARK_HIGH];
    REQUIRE(high > 0);
    // GFP_KERNEL refills its pcp list: one fallback steals an order-0 MOVABLE block (and
    // moves its pageblock's free pages), boosting by a pageblock; the rest of the batch
    // comes from the moved pages.
    AllocRequest k;
    k.gfp = GFP_KERNEL;
    REQUIRE(pa.alloc_pages(k));
    CHECK(pa.stats().extfrag_events == 1);
    CHECK(pa.stats().extfrag_fragmenting == 1);
    CHECK(z.watermark_boost == 512);
    CHECK(z.wmark_pages(WMARK_HIGH) == high + 512);
    CHECK(pa.boosted_wakeups() == 1);
    CHECK_FALSE(z.boosted_watermark); // cleared by rmqueue when it woke kswapd
    pa.check_invariants();
}
