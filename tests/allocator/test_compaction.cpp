// SPDX-License-Identifier: GPL-2.0-only
// Compaction (spec §7.3–7.4, erratum E12): fragmentation index and extfrag values, the
// deferral arithmetic, direct compaction building an order-9 block around pinned pages
// (with capture), kcompactd, proactive compaction, and the extra cost of zones that are
// not contiguous.
#include "owner_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {
AllocatorOptions opts(bool pcp = false) {
    AllocatorOptions o;
    o.pcp_enabled = pcp;
    return o;
}
constexpr GfpFlags kNowaitMovable = GFP_NOWAIT | gfp::kMovable | gfp::kHighmem;

// Fills the zone with order-0 movable pages of process 1, then frees the even pfns: half
// the zone free, nothing above order 0.
void checkerboard(TestOwners& own) {
    std::vector<Pfn> all;
    for (Pfn p; (p = own.alloc(1, 0, kNowaitMovable)) != kNoPfn;) all.push_back(p);
    for (Pfn p : all)
        if (p % 2 == 0) own.free(p);
}
} // namespace

TEST_CASE("fragmentation index and extfrag follow mm/vmstat.c", "[compaction]") {
    PageAllocator pa(make_simple_layout(4096), opts());
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    pa.zero_watermarks();
    Zone& z = only_zone(pa);
    std::vector<Pfn> all;
    for (Pfn p; (p = own.alloc(1, 0, kNowaitMovable)) != kNoPfn;) all.push_back(p);
    REQUIRE(all.size() == 4096);
    CHECK(sp.fragmentation_index(z, 3) == 0); // no free memory at all
    CHECK(sp.extfrag_for_order(z, 3) == 0);
    for (Pfn p = 0; p < 16; p += 2) own.free(p); // 8 isolated free pages
    CHECK(sp.fragmentation_index(z, 0) == -1000);
    CHECK(sp.fragmentation_index(z, 3) == 1000 - (1000 + 8 * 1000 / 8) / 8); // 750
    CHECK(sp.extfrag_for_order(z, 3) == 100);
    for (Pfn p = 16; p < 32; ++p) own.free(p); // + one order-4 block
    CHECK(z.free_area[4].nr_free == 1);
    CHECK(sp.fragmentation_index(z, 3) == -1000);
    CHECK(sp.fragmentation_index(z, 5) == 1000 - (1000 + 24 * 1000 / 32) / 9); // 806
    CHECK(sp.extfrag_for_order(z, 3) == (24 - 16) * 100 / 24);
    CHECK(sp.extfrag_for_order(z, 5) == 100);
    CHECK(sp.fragmentation_index(z, 11) == 0); // order >= MAX_ORDER
}

TEST_CASE("compaction deferral arithmetic", "[compaction]") {
    PageAllocator pa(make_simple_layout(4096), opts());
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    Zone& z = only_zone(pa);
    CHECK(!sp.compaction_deferred(z, 4)); // defer_shift 0: never deferred
    sp.defer_compaction(z, 4);
    CHECK(z.compact.defer_shift == 1);
    CHECK(z.compact.considered == 0);
    CHECK(sp.compaction_deferred(z, 4));  // considered 1 < 2
    CHECK(!sp.compaction_deferred(z, 4)); // considered 2 >= 2: try again
    sp.defer_compaction(z, 4);
    sp.defer_compaction(z, 4);
    CHECK(z.compact.defer_shift == 3);
    int deferred = 0;
    while (sp.compaction_deferred(z, 4)) ++deferred;
    CHECK(deferred == 7); // 2^3 - 1 attempts skipped
    for (int i = 0; i < 10; ++i) sp.defer_compaction(z, 4);
    CHECK(z.compact.defer_shift == COMPACT_MAX_DEFER_SHIFT);
    CHECK(!sp.compaction_restarting(z, 4));
    deferred = 0;
    while (sp.compaction_deferred(z, 4)) ++deferred;
    CHECK(deferred == 63);
    CHECK(z.compact.considered == 64);
    CHECK(sp.compaction_restarting(z, 4));
    // Success at order 4: counters reset, lower orders no longer deferred.
    sp.compaction_defer_reset(z, 4, true);
    CHECK(z.compact.defer_shift == 0);
    CHECK(z.compact.order_failed == 5);
    sp.defer_compaction(z, 6);
    CHECK(!sp.compaction_deferred(z, 4)); // below order_failed
    CHECK(z.compact.considered == 0);     // ... and not counted
    CHECK(sp.compaction_deferred(z, 6));
    sp.defer_compaction(z, 2);
    CHECK(z.compact.order_failed == 2);
}

TEST_CASE("direct compaction makes an order-9 block and leaves pinned pages alone",
          "[compaction]") {
    const bool pcp = GENERATE(false, true);
    PageAllocator pa(make_simple_layout(8192), opts(pcp));
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    checkerboard(own);
    const Zone& z = only_zone(pa);
    REQUIRE(z.free_area[1].nr_free == 0);
    for (Pfn p : {Pfn{1}, Pfn{513}, Pfn{1025 + 510}}) {
        REQUIRE(own.blocks.count(p));
        pa.set_pinned(p, true);
    }
    CHECK(sp.fragmentation_index(z, 9) > 500);
    const std::uint64_t calls = sp.slowpath_calls();
    const Pfn huge = own.alloc(2, 9, GFP_TRANSHUGE);
    REQUIRE(huge != kNoPfn);
    CHECK(sp.slowpath_calls() == calls + 1);
    CHECK(huge % 512 == 0);
    CHECK(huge >= 1536); // not a pageblock holding a pinned page
    const SlowPathReport& rep = sp.last_report();
    CHECK(rep.compaction_stalls == 1);
    CHECK(rep.captured); // the freed block was handed over by compaction_capture()
    CHECK(rep.compact_result == CompactResult::Success);
    CHECK(rep.pages_migrated > 0);
    CHECK(rep.direct_reclaim_stalls == 0); // costly + movable: compaction first
    CHECK(pa.events()[COMPACTSTALL] == 1);
    CHECK(pa.events()[COMPACTSUCCESS] == 1);
    CHECK(pa.events()[PGMIGRATE_SUCCESS] == rep.pages_migrated);
    CHECK(pa.events()[COMPACTISOLATED] >= 2 * rep.pages_migrated);
    CHECK(pa.events()[COMPACTMIGRATE_SCANNED] > 0);
    CHECK(pa.events()[COMPACTFREE_SCANNED] > 0);
    for (Pfn p : {Pfn{1}, Pfn{513}, Pfn{1025 + 510}}) {
        CHECK(own.blocks.count(p));
        for (const auto& [from, to] : own.moves) CHECK(from != p);
    }
    CHECK(own.moves.size() == rep.pages_migrated);
    CHECK(z.nr_isolated_pages == 0);
    own.check_records();
}

TEST_CASE("kcompactd compacts when woken; proactive compaction lowers the score",
          "[compaction][kcompactd]") {
    PageAllocator pa(make_simple_layout(8192), opts());
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    TestListener lis;
    sp.set_listener(&lis);
    checkerboard(own);
    Zone& z = only_zone(pa);
    SECTION("woken for an order") {
        sp.wakeup_kcompactd(0, 9, z.zone_idx);
        CHECK(lis.kcompactd == std::vector<int>{0});
        CHECK(sp.kcompactd_runnable(0));
        AgentStep st = sp.kcompactd_step(0);
        CHECK(st.again);
        CHECK(st.cost_ns > 0);
        while (sp.kcompactd_runnable(0)) st = sp.kcompactd_step(0);
        CHECK(pa.events()[KCOMPACTD_WAKE] == 1);
        CHECK(pa.events()[KCOMPACTD_MIGRATE_SCANNED] > 0);
        CHECK(sp.fragmentation_index(z, 9) == -1000); // an order-9 block is free now
        CHECK(pa.events()[COMPACTSTALL] == 0);        // not a direct compactor
    }
    SECTION("proactive") {
        run_kswapd(sp, 0); // woken while filling; proactive compaction waits for it
        CHECK(!sp.kswapd_runnable(0));
        const unsigned before = sp.fragmentation_score_node(0);
        CHECK(before > 90); // above min(max(100 - 20, 5) + 10, 100)
        const AgentStep st = sp.kcompactd_step(0);
        CHECK(st.napping);
        CHECK(st.cost_ns >= sp.config().kcompactd_interval_ns);
        CHECK(sp.fragmentation_score_node(0) <= 80);
        CHECK(pa.events()[KCOMPACTD_MIGRATE_SCANNED] > 0);
    }
    own.check_records();
}

TEST_CASE("a zone that is not contiguous pays the pageblock validity cost", "[compaction]") {
    {
        PageAllocator pa(make_dmb_layout(4096), opts());
        CHECK(!zone_of_type(pa, ZONE_NORMAL).contiguous);
        CHECK(zone_of_type(pa, ZONE_MOVABLE).contiguous);
    }
    std::uint64_t cost[2];
    for (int contiguous = 0; contiguous < 2; ++contiguous) {
        PageAllocator pa(make_simple_layout(8192), opts());
        TestOwners own(pa);
        SlowPathModel sp(pa, own);
        checkerboard(own);
        Zone& z = only_zone(pa);
        z.contiguous = contiguous == 1;
        cost[contiguous] = sp.compact_zone_manual(z);
        CHECK(pa.events()[PGMIGRATE_SUCCESS] > 0);
    }
    CHECK(cost[0] > cost[1]);
}

TEST_CASE("a fragmenting fallback wakes kswapd; its boosted pass wakes kcompactd",
          "[compaction][kswapd]") {
    AllocatorOptions o;
    o.debug_checks = false;
    PageAllocator pa(make_simple_layout(65536, 1, 0, 11, ZONE_DMA32), o);
    Zone& z = only_zone(pa);
    // Movable pages everywhere, every fourth page freed: only order-0 MOVABLE blocks remain.
    TestOwners own(pa); // no slow path yet: the set-up must not wake anything
    pa.zero_watermarks();
    while (own.alloc(1, 0, GFP_HIGHUSER_MOVABLE) != kNoPfn) {}
    pa.drain_all_pages();
    while (own.alloc(1, 0, GFP_HIGHUSER_MOVABLE) != kNoPfn) {}
    REQUIRE(own.blocks.size() == 65536);
    for (Pfn p = 0; p < 65536; p += 4) own.free(p);
    pa.drain_all_pages();
    pa.setup_per_zone_wmarks();
    pa.setup_per_zone_lowmem_reserve();
    SlowPathModel sp(pa, own);
    TestListener lis;
    sp.set_listener(&lis);
    REQUIRE(own.alloc(2, 0, GFP_KERNEL) != kNoPfn); // fast path: fallback, boost, wake
    CHECK(z.watermark_boost == 512);
    CHECK(lis.kswapd == std::vector<int>{0});
    CHECK(sp.slowpath_calls() == 0);
    run_kswapd(sp, 0);
    CHECK(z.watermark_boost == 0);               // paid back (nothing to reclaim here)
    CHECK(lis.kcompactd == std::vector<int>{0}); // woken at pageblock_order after a boost
    CHECK(sp.fragmentation_index(z, 9) > 500);
    while (sp.kcompactd_runnable(0)) sp.kcompactd_step(0);
    CHECK(pa.events()[KCOMPACTD_WAKE] == 1);
    CHECK(sp.fragmentation_index(z, 9) == -1000);
    pa.check_invariants();
    own.check_records();
}
