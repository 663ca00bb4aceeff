// SPDX-License-Identifier: GPL-2.0-only
// __alloc_pages_slowpath step by step (spec §7.1, errata E4a/E4b/E4e): the DMB/ZONE_MOVABLE
// pressure case (an unmovable request fails in Normal while Movable is free), OOM victim
// choice, __GFP_NORETRY / __GFP_RETRY_MAYFAIL / __GFP_NOFAIL, non-blocking requests, costly
// orders, and compaction's need for __GFP_IO.
#include "owner_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {
AllocatorOptions no_pcp() {
    AllocatorOptions o;
    o.pcp_enabled = false;
    return o;
}

// Fills ZONE_NORMAL with order-0 unmovable pages of `proc` until even the slow path fails.
unsigned fill_normal(TestOwners& own, std::uint32_t proc) {
    unsigned n = 0;
    while (own.alloc(proc, 0, GFP_KERNEL | gfp::kRetryMayfail) != kNoPfn) ++n;
    return n;
}

struct Fixture {
    PageAllocator pa{make_normal_movable_layout(4096), no_pcp()};
    TestOwners own{pa};
    SlowPathModel sp{pa, own};
    TestListener lis;
    Fixture() { sp.set_listener(&lis); }
    Zone& normal() { return zone_of_type(pa, ZONE_NORMAL); }
    Zone& movable() { return zone_of_type(pa, ZONE_MOVABLE); }
    AllocResult alloc(std::uint32_t proc, unsigned order, GfpFlags gfp) {
        AllocResult r;
        own.alloc(proc, order, gfp, -1, &r);
        return r;
    }
};
} // namespace

TEST_CASE("an unmovable request fails in Normal while Movable has free pages", "[slowpath]") {
    Fixture f;
    f.own.procs[1].adj = -1000; // the kernel's own memory: never an OOM victim
    const unsigned filled = fill_normal(f.own, 1);
    CHECK(filled > 3000);
    const std::uint64_t stalls = ev_zone(f.pa, ALLOCSTALL_DMA, ZONE_NORMAL);
    // Again with __GFP_RETRY_MAYFAIL: reclaim finds nothing, the OOM killer may not run.
    const std::uint64_t calls = f.sp.slowpath_calls();
    AllocResult r = f.alloc(1, 0, GFP_KERNEL | gfp::kRetryMayfail);
    REQUIRE(!r);
    CHECK(f.sp.slowpath_calls() == calls + 1);
    CHECK(r.failure == AllocFailure::RetriesExhausted);
    const SlowPathReport& rep = f.sp.last_report();
    // should_reclaim_retry() gives up at once: even with every reclaimable page (none) the
    // zone could not meet its min watermark.
    CHECK(rep.direct_reclaim_stalls == 1);
    CHECK(rep.no_progress_loops == 1);
    CHECK(rep.loops == 1);
    CHECK(rep.pages_reclaimed == 0);
    CHECK(rep.cost_ns > 0);
    CHECK(ev_zone(f.pa, ALLOCSTALL_DMA, ZONE_NORMAL) == stalls + 1);
    CHECK(ev_zone(f.pa, ALLOCSTALL_DMA, ZONE_MOVABLE) == 0);
    // Movable is untouched: almost all of it is free, and a movable request still succeeds.
    CHECK(f.movable().free_pages() > 4000);
    CHECK(f.normal().free_pages() <= static_cast<std::int64_t>(f.normal().watermark[WMARK_MIN]));
    CHECK(f.alloc(2, 0, GFP_HIGHUSER_MOVABLE));
    // kswapd was asked to help (its node was below the low watermark).
    CHECK(!f.lis.kswapd.empty());
    CHECK(f.sp.kswapd_runnable(0));
    // Plain GFP_KERNEL goes on to the OOM killer. Its only candidate is process 2, whose
    // page sits in ZONE_MOVABLE: killing it frees nothing the request can use (the
    // "surprising OOM" of a large ZONE_MOVABLE), and then nobody is left (the kernel panics).
    r = f.alloc(1, 0, GFP_KERNEL);
    CHECK(r.failure == AllocFailure::OomNoVictim);
    CHECK(f.own.killed == std::vector<std::uint32_t>{2});
    CHECK(f.pa.events()[OOM_KILL] == 1);
    f.own.check_records();
}

TEST_CASE("the OOM killer chooses by badness and its victim's pages satisfy the request",
          "[slowpath][oom]") {
    Fixture f;
    f.own.procs[4].adj = -1000;
    for (int i = 0; i < 500; ++i) REQUIRE(f.alloc(1, 0, GFP_KERNEL));
    for (int i = 0; i < 1500; ++i) REQUIRE(f.alloc(2, 0, GFP_KERNEL));
    for (int i = 0; i < 1000; ++i) REQUIRE(f.alloc(3, 0, GFP_KERNEL));
    SECTION("oom_score_adj outweighs a larger RSS") {
        f.own.procs[3].adj = 500; // 1000 + 500 * (8192 / 1000) = 5000 > 1500
        fill_normal(f.own, 4);
        const AllocResult r = f.alloc(5, 0, GFP_KERNEL);
        REQUIRE(r);
        CHECK(f.own.killed == std::vector<std::uint32_t>{3});
        CHECK(f.sp.last_report().oom_kills == 1);
        CHECK(f.sp.last_report().oom_victim == 3);
        CHECK(f.sp.last_report().oom_pages_freed == 1000);
        REQUIRE(f.sp.oom_log().size() == 1);
        CHECK(f.sp.oom_log()[0].points == 1000 + 500 * 8);
        CHECK(f.sp.oom_log()[0].requester == 5);
    }
    SECTION("otherwise the largest RSS") {
        fill_normal(f.own, 4);
        REQUIRE(f.alloc(5, 0, GFP_KERNEL));
        CHECK(f.own.killed == std::vector<std::uint32_t>{2});
        CHECK(f.own.pages_of(2) == 0);
    }
    CHECK(f.pa.events()[OOM_KILL] == 1);
    f.own.check_records();
}

TEST_CASE("__GFP_NORETRY, __GFP_RETRY_MAYFAIL and non-blocking requests are not OOM-killed for",
          "[slowpath]") {
    Fixture f;
    for (int i = 0; i < 1000; ++i) REQUIRE(f.alloc(1, 0, GFP_KERNEL));
    fill_normal(f.own, 2);
    AllocResult r = f.alloc(3, 0, GFP_KERNEL | gfp::kNoretry);
    CHECK(r.failure == AllocFailure::NoRetry);
    CHECK(f.sp.last_report().warn);
    CHECK(f.sp.last_report().loops == 1);
    f.alloc(3, 0, GFP_KERNEL | gfp::kNoretry | gfp::kNowarn);
    CHECK(f.sp.last_report().failure == AllocFailure::NoRetry); // NOWARN: same outcome
    CHECK(!f.sp.last_report().warn);
    CHECK(f.sp.last_report().direct_reclaim_stalls == 1);
    const std::uint64_t stalls = ev_zone(f.pa, ALLOCSTALL_DMA, ZONE_NORMAL);
    r = f.alloc(3, 0, GFP_NOWAIT);
    CHECK(r.failure == AllocFailure::NoReclaim);
    CHECK(ev_zone(f.pa, ALLOCSTALL_DMA, ZONE_NORMAL) == stalls);
    AllocRequest memalloc;
    memalloc.gfp = GFP_KERNEL | gfp::kNomemalloc;
    memalloc.task_flags = kTaskMemalloc; // reclaim recursion: no direct reclaim
    CHECK(f.pa.alloc_pages(memalloc).failure == AllocFailure::NoReclaim);
    CHECK(ev_zone(f.pa, ALLOCSTALL_DMA, ZONE_NORMAL) == stalls);
    CHECK(f.own.killed.empty());
    CHECK(f.pa.events()[OOM_KILL] == 0);
}

TEST_CASE("__GFP_NOFAIL never fails while reserves or victims remain", "[slowpath]") {
    SlowPathConfig cfg;
    cfg.max_loops = 40;
    PageAllocator pa(make_normal_movable_layout(4096), no_pcp());
    TestOwners own(pa);
    SlowPathModel sp(pa, own, cfg);
    own.procs[1].adj = -1000;
    for (int i = 0; i < 300; ++i) REQUIRE(own.alloc(7, 0, GFP_KERNEL) != kNoPfn);
    fill_normal(own, 1);
    // RETRY_MAYFAIL alone fails; with NOFAIL the nopage path dips into the MIN_RESERVE half.
    CHECK(own.alloc(1, 0, GFP_KERNEL | gfp::kRetryMayfail) == kNoPfn);
    unsigned extra = 0;
    AllocResult r;
    while (own.alloc(1, 0, GFP_KERNEL | gfp::kRetryMayfail | gfp::kNofail, -1, &r) != kNoPfn)
        ++extra;
    CHECK(extra > 0);
    CHECK(own.killed.empty()); // RETRY_MAYFAIL keeps the OOM killer away
    // With even the reserve gone, the model stops the livelock instead of hanging.
    CHECK(r.failure == AllocFailure::Stuck);
    CHECK(sp.last_report().loops == cfg.max_loops + 1);
    // Without RETRY_MAYFAIL, NOFAIL succeeds through the OOM killer.
    REQUIRE(own.alloc(8, 0, GFP_KERNEL | gfp::kNofail, -1, &r) != kNoPfn);
    CHECK(r.failure == AllocFailure::None);
    CHECK(own.killed == std::vector<std::uint32_t>{7});
    own.check_records();
}

namespace {
// Normal filled with unmovable order-0 pages, every other one freed again: plenty of free
// memory, no free block above order 0, nothing compaction could move.
void checkerboard_normal(Fixture& f) {
    f.pa.zero_watermarks(); // take every page, then restore the watermarks
    std::vector<Pfn> all;
    Pfn p;
    while ((p = f.own.alloc(1, 0, GFP_KERNEL | gfp::kRetryMayfail)) != kNoPfn) all.push_back(p);
    REQUIRE(f.normal().free_pages() == 0);
    for (Pfn q : all)
        if (q % 2) f.own.free(q);
    f.pa.setup_per_zone_wmarks();
    f.pa.setup_per_zone_lowmem_reserve();
}
} // namespace

TEST_CASE("costly orders: one round unless __GFP_RETRY_MAYFAIL; compaction needs __GFP_IO",
          "[slowpath][compaction]") {
    Fixture f;
    checkerboard_normal(f);
    const std::uint64_t stall0 = f.pa.events()[COMPACTSTALL];
    SECTION("costly without RETRY_MAYFAIL fails after one reclaim/compaction round") {
        const AllocResult r = f.alloc(2, 4, GFP_KERNEL);
        CHECK(r.failure == AllocFailure::Costly);
        CHECK(f.sp.last_report().loops == 1);
        CHECK(f.sp.last_report().compaction_stalls == 2); // initial async + sync-light
        CHECK(f.pa.events()[COMPACTSTALL] == stall0 + 2);
        CHECK(f.pa.events()[COMPACTFAIL] >= 2);
    }
    SECTION("RETRY_MAYFAIL without reclaim progress: no compaction retry, no OOM") {
        // should_compact_retry() is only consulted after reclaim made progress, and the
        // OOM killer never runs for costly orders.
        const AllocResult r = f.alloc(2, 4, GFP_KERNEL | gfp::kRetryMayfail);
        CHECK(r.failure == AllocFailure::RetriesExhausted);
        CHECK(f.sp.last_report().loops == 1);
        CHECK(f.sp.last_report().compact_priority == DEF_COMPACT_PRIORITY);
        CHECK(f.pa.events()[OOM_KILL] == 0);
    }
    SECTION("E4e: without __GFP_IO a costly order fails without any compaction") {
        const AllocResult r = f.alloc(2, 4, GFP_NOIO);
        CHECK(r.failure == AllocFailure::Costly);
        CHECK(f.sp.last_report().compaction_stalls == 0);
        CHECK(f.pa.events()[COMPACTSTALL] == stall0);
        CHECK(f.pa.events()[COMPACTMIGRATE_SCANNED] == 0);
        // ... and with RETRY_MAYFAIL it does not retry compaction for ever.
        const AllocResult r2 = f.alloc(2, 4, GFP_NOIO | gfp::kRetryMayfail);
        CHECK(r2.failure == AllocFailure::RetriesExhausted);
        CHECK(f.pa.events()[COMPACTSTALL] == stall0);
    }
    SECTION("__GFP_NORETRY costly: skipped/deferred initial compaction fails at once") {
        Zone& z = f.normal();
        for (int i = 0; i < 3; ++i) f.sp.defer_compaction(z, 4);
        const AllocResult r = f.alloc(2, 4, GFP_KERNEL | gfp::kNoretry);
        CHECK(r.failure == AllocFailure::NoRetry);
        CHECK(f.sp.last_report().compact_result == CompactResult::Deferred);
        CHECK(f.sp.last_report().loops == 0);
        CHECK(f.sp.last_report().direct_reclaim_stalls == 0);
    }
}

TEST_CASE("gfp_to_alloc_flags follows the 6.1.y backports (E4a)", "[slowpath]") {
    Fixture f;
    // GFP_ATOMIC order 1 may use the highatomic reserve and reserves below MIN: drain the
    // zone to just above the unboosted min with unmovable pages, then check atomic access.
    fill_normal(f.own, 1);
    Zone& z = f.normal();
    const std::int64_t before = z.free_pages();
    const std::uint64_t stalls = ev_zone(f.pa, ALLOCSTALL_DMA, ZONE_NORMAL);
    AllocResult r = f.alloc(2, 0, GFP_ATOMIC);
    CHECK(r); // MIN_RESERVE|NON_BLOCK: the min watermark drops to about 3/8
    CHECK(z.free_pages() == before - 1);
    CHECK(ev_zone(f.pa, ALLOCSTALL_DMA, ZONE_NORMAL) == stalls); // never reclaims
    // An order-1 atomic request gets ALLOC_HIGHATOMIC and reserves a pageblock.
    r = f.alloc(2, 1, GFP_ATOMIC);
    CHECK(r);
    CHECK(z.nr_reserved_highatomic == f.pa.pageblock_nr_pages());
}

TEST_CASE("a request with no eligible zone fails at once, even with __GFP_NOFAIL", "[slowpath]") {
    Fixture f;
    // GFP_DMA on a machine whose DMA zone is empty: nothing can ever satisfy it.
    const AllocResult r = f.alloc(1, 0, GFP_DMA | GFP_KERNEL | gfp::kNofail);
    CHECK(r.failure == AllocFailure::NoZone);
    CHECK(f.sp.last_report().loops == 0);
    CHECK(f.sp.last_report().direct_reclaim_stalls == 0);
}
