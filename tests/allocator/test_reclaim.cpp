// SPDX-License-Identifier: GPL-2.0-only
// Reclaim (spec §7.2, erratum E11): direct reclaim in LRU order with the second chance,
// anon only with swap, zones above the class zone skipped, the LRU bookkeeping, kswapd
// waking below low and stopping at high, boosted reclaim, and hopeless nodes.
#include "owner_test_util.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace pagesim;
using namespace pagesim::test;

namespace {
AllocatorOptions opts(bool checks = true) {
    AllocatorOptions o;
    o.pcp_enabled = false;
    o.debug_checks = checks;
    return o;
}
constexpr GfpFlags kNowaitMovable = GFP_NOWAIT | gfp::kMovable | gfp::kHighmem;
constexpr int kFile = static_cast<int>(LruKind::File);
constexpr int kAnon = static_cast<int>(LruKind::Anon);

// Allocates page-cache pages without direct reclaim until the MIN watermark stops them.
std::vector<Pfn> fill_cache(TestOwners& own, std::uint32_t proc, int lru = kFile,
                            GfpFlags gfp = kNowaitMovable) {
    std::vector<Pfn> v;
    for (Pfn p; (p = own.alloc(proc, 0, gfp, lru)) != kNoPfn;) v.push_back(p);
    return v;
}
} // namespace

TEST_CASE("LRU lists: add, delete, mark_accessed, free unlinks, counters", "[reclaim][lru]") {
    PageAllocator pa(make_simple_layout(4096), opts());
    const Zone& z = only_zone(pa);
    AllocRequest r;
    r.gfp = GFP_HIGHUSER_MOVABLE;
    r.order = 2;
    const Pfn a = pa.alloc_pages(r).pfn;
    const Pfn b = pa.alloc_pages(r).pfn;
    pa.lru_add(a, LruKind::File);
    pa.lru_add(b, LruKind::Anon);
    CHECK(pa.on_lru(a));
    CHECK_THROWS_AS(pa.lru_add(a, LruKind::File), AllocatorError);
    CHECK(z.nr_lru == std::array<std::uint64_t, kNrLruKinds>{4, 4, 0});
    CHECK(z.vm_stat[NR_ZONE_INACTIVE_FILE] == 4);
    pa.mark_accessed(a);
    CHECK(z.vm_stat[NR_ZONE_INACTIVE_FILE] == 0);
    CHECK(z.vm_stat[NR_ZONE_ACTIVE_FILE] == 4);
    CHECK(pa.node(0).vm_stat[NR_ACTIVE_FILE] == 4);
    pa.free_pages(a, 2, 0); // unlinks automatically
    CHECK(z.nr_lru[0] == 0);
    CHECK(z.vm_stat[NR_ZONE_ACTIVE_FILE] == 0);
    pa.lru_del(b);
    CHECK_THROWS_AS(pa.lru_del(b), AllocatorError);
    CHECK(pa.node(0).nr_lru == std::array<std::uint64_t, kNrLruKinds>{0, 0, 0});
    // split_page keeps each piece on the list.
    pa.lru_add(b, LruKind::Slab);
    pa.split_page(b, 2);
    CHECK(z.nr_lru[2] == 4);
    CHECK(pa.node(0).vm_stat[NR_SLAB_RECLAIMABLE_B] == 4 * 4096);
    for (Pfn p = b; p < b + 4; ++p) CHECK(pa.on_lru(p));
    pa.check_invariants();
}

TEST_CASE("direct reclaim frees the oldest unreferenced page cache first", "[reclaim]") {
    PageAllocator pa(make_simple_layout(4096), opts());
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    const std::vector<Pfn> cache = fill_cache(own, 1);
    REQUIRE(cache.size() > 3000);
    for (int i = 0; i < 5; ++i) pa.mark_accessed(cache[static_cast<std::size_t>(i)]);
    pa.set_pinned(cache[5], true); // pinned: reclaim cannot drop it either
    const std::uint64_t activate0 = pa.events()[PGACTIVATE];
    const std::uint64_t calls = sp.slowpath_calls();
    REQUIRE(own.alloc(2, 0, GFP_HIGHUSER_MOVABLE) != kNoPfn);
    CHECK(sp.slowpath_calls() == calls + 1);
    const SlowPathReport& rep = sp.last_report();
    CHECK(rep.direct_reclaim_stalls == 1);
    CHECK(rep.pages_reclaimed >= SWAP_CLUSTER_MAX);
    CHECK(rep.pages_reclaimed == own.reclaimed.size());
    CHECK(pa.events()[PGSTEAL_DIRECT] == rep.pages_reclaimed);
    CHECK(pa.events()[PGSCAN_DIRECT] >= rep.pages_reclaimed);
    // allocstall_* counts the request's class zone: Movable for GFP_HIGHUSER_MOVABLE.
    CHECK(ev_zone(pa, ALLOCSTALL_DMA, ZONE_MOVABLE) == 1);
    CHECK(ev_zone(pa, ALLOCSTALL_DMA, ZONE_NORMAL) == 0);
    // The reclaimed pages are the oldest ones, minus the five that got a second chance and
    // the pinned one.
    std::vector<Pfn> expect(cache.begin() + 6,
                            cache.begin() + 6 + static_cast<long>(own.reclaimed.size()));
    CHECK(own.reclaimed == expect);
    for (int i = 0; i < 6; ++i) CHECK(own.blocks.count(cache[static_cast<std::size_t>(i)]));
    CHECK(!rep.warn);
    CHECK(pa.events()[PGACTIVATE] == activate0 + 5);
    own.check_records();
}

TEST_CASE("anon pages are reclaimed only while swap space remains", "[reclaim]") {
    const std::uint64_t swap = GENERATE(std::uint64_t{0}, std::uint64_t{1000});
    SlowPathConfig cfg;
    cfg.swap_pages = swap;
    PageAllocator pa(make_simple_layout(4096), opts());
    TestOwners own(pa);
    SlowPathModel sp(pa, own, cfg);
    fill_cache(own, 1, kAnon);
    AllocResult r;
    own.alloc(2, 0, GFP_KERNEL | gfp::kRetryMayfail, -1, &r);
    if (swap == 0) {
        CHECK(r.failure == AllocFailure::RetriesExhausted);
        CHECK(pa.events()[PGSCAN_ANON] == 0);
        CHECK(pa.events()[PSWPOUT] == 0);
    } else {
        CHECK(r);
        CHECK(pa.events()[PGSTEAL_ANON] > 0);
        CHECK(pa.events()[PSWPOUT] == pa.events()[PGSTEAL_ANON]);
        CHECK(sp.nr_swap_pages() == swap - pa.events()[PSWPOUT]);
        for (const ReclaimContext& c : own.contexts) CHECK(c.lru == LruKind::Anon);
    }
}

TEST_CASE("reclaim for a Normal request skips ZONE_MOVABLE pages on the node LRU", "[reclaim]") {
    PageAllocator pa(make_normal_movable_layout(4096), opts());
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    const Zone& normal = zone_of_type(pa, ZONE_NORMAL);
    // Interleave page cache in Movable (HIGHUSER_MOVABLE) and in Normal (no __GFP_HIGHMEM).
    std::vector<Pfn> in_normal;
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(own.alloc(1, 0, GFP_HIGHUSER_MOVABLE, kFile) != kNoPfn);
        const Pfn p = own.alloc(1, 0, GFP_USER | gfp::kMovable, kFile);
        REQUIRE(p < 4096);
        in_normal.push_back(p);
    }
    own.procs[3].adj = -1000;
    while (own.alloc(3, 0, GFP_NOWAIT) != kNoPfn) {}
    AllocResult r;
    REQUIRE(own.alloc(3, 0, GFP_KERNEL, -1, &r) != kNoPfn);
    CHECK(!own.reclaimed.empty());
    for (Pfn p : own.reclaimed) CHECK(p < 4096); // only Normal's pages
    CHECK(ev_zone(pa, PGSKIP_DMA, ZONE_MOVABLE) > 0);
    CHECK(ev_zone(pa, PGSKIP_DMA, ZONE_NORMAL) == 0);
    CHECK(normal.nr_lru[0] == 1000 - own.reclaimed.size());
    own.check_records();
}

TEST_CASE("kswapd wakes below the low watermark and sleeps once the high one is met",
          "[reclaim][kswapd]") {
    PageAllocator pa(make_simple_layout(8192), opts());
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    TestListener lis;
    sp.set_listener(&lis);
    const Zone& z = only_zone(pa);
    // Above the low watermark nothing wakes kswapd.
    while (z.free_pages() > static_cast<std::int64_t>(z.watermark[WMARK_LOW]) + 1)
        REQUIRE(own.alloc(1, 0, kNowaitMovable, kFile) != kNoPfn);
    CHECK(lis.kswapd.empty());
    CHECK(!sp.kswapd_runnable(0));
    // Below it the fast path fails and the slow path wakes kswapd (once).
    for (int i = 0; i < 3; ++i) REQUIRE(own.alloc(1, 0, kNowaitMovable, kFile) != kNoPfn);
    CHECK(lis.kswapd == std::vector<int>{0});
    CHECK(sp.kswapd_runnable(0));
    CHECK(!sp.pgdat_balanced(0, 0, z.zone_idx));
    AgentStep st = sp.kswapd_step(0);
    CHECK(st.again);
    CHECK(st.cost_ns > 0);
    CHECK(pa.events()[PAGEOUTRUN] == 1);
    unsigned steps = 1;
    bool napped = st.napping;
    if (!st.napping) CHECK(z.reclaim_active); // ZONE_RECLAIM_ACTIVE while balancing
    while (st.again && steps < 100) {
        st = sp.kswapd_step(0);
        napped |= st.napping;
        ++steps;
    }
    CHECK(!st.again);
    CHECK(napped);
    CHECK(!sp.kswapd_runnable(0));
    CHECK(!z.reclaim_active);
    CHECK(sp.pgdat_balanced(0, 0, z.zone_idx));
    CHECK(z.free_pages() >= static_cast<std::int64_t>(z.watermark[WMARK_HIGH]));
    CHECK(z.free_pages() < static_cast<std::int64_t>(z.managed_pages / 2)); // no over-reclaim
    CHECK(pa.events()[PGSTEAL_KSWAPD] > 0);
    CHECK(pa.events()[PGSTEAL_DIRECT] == 0);
    for (const ReclaimContext& c : own.contexts) CHECK(c.kswapd);
    // Balanced and unboosted: a wake-up request does not wake it.
    sp.wakeup_kswapd(pa, const_cast<Zone&>(z), GFP_KERNEL, 0, z.zone_idx);
    CHECK(lis.kswapd.size() == 1);
    own.check_records();
}

TEST_CASE("boosted reclaim pays back the boost without writeback (E11)", "[reclaim][kswapd]") {
    PageAllocator pa(make_simple_layout(65536), opts(false));
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    TestListener lis;
    sp.set_listener(&lis);
    Zone& z = only_zone(pa);
    const bool balanced_first = GENERATE(true, false);
    // Page cache down to just above high (+ the boost when the boosted pass should run).
    const std::uint64_t boost = 1024;
    const std::int64_t target =
        static_cast<std::int64_t>(z.watermark[WMARK_HIGH] + (balanced_first ? boost + 64 : 64));
    while (z.free_pages() > target) REQUIRE(own.alloc(1, 0, kNowaitMovable, kFile) != kNoPfn);
    for (auto& [pfn, b] : own.blocks) b.dirty = (pfn % 4) == 0;
    pa.check_invariants();
    z.watermark_boost = boost; // as boost_watermark() leaves it after fallbacks
    sp.wakeup_kswapd(pa, z, 0, 0, z.zone_idx);
    REQUIRE(lis.kswapd == std::vector<int>{0});
    run_kswapd(sp, 0);
    pa.check_invariants();
    CHECK(z.watermark_boost == 0);
    CHECK(pa.events()[PAGEOUTRUN] == 1);
    CHECK(pa.events()[PGSTEAL_KSWAPD] > 0);
    REQUIRE(!own.contexts.empty());
    const bool any_writeback = std::any_of(own.contexts.begin(), own.contexts.end(),
                                           [](const ReclaimContext& c) { return c.may_writepage; });
    if (balanced_first) {
        // Boosted: no writeback or swap, at least the boost reclaimed (or it gave up).
        CHECK(!any_writeback);
        for (const ReclaimContext& c : own.contexts) CHECK(!c.may_swap);
        CHECK(pa.events()[PGSTEAL_KSWAPD] >= boost);
    } else {
        // Not balanced even before the boost: normal reclaim with writeback.
        CHECK(any_writeback);
    }
    own.check_records();
}

TEST_CASE("a node with nothing reclaimable becomes hopeless for kswapd", "[reclaim][kswapd]") {
    PageAllocator pa(make_simple_layout(4096), opts());
    TestOwners own(pa);
    SlowPathModel sp(pa, own);
    TestListener lis;
    sp.set_listener(&lis);
    Zone& z = only_zone(pa);
    while (own.alloc(1, 0, GFP_NOWAIT) != kNoPfn) {}
    REQUIRE(lis.kswapd.size() == 1);
    // Unbalanced and nothing to reclaim: balance_pgdat runs again and again until the
    // failures reach MAX_RECLAIM_RETRIES, then kswapd sleeps and leaves it to direct reclaim.
    run_kswapd(sp, 0, 10000);
    CHECK(sp.kswapd_failures(0) == MAX_RECLAIM_RETRIES);
    CHECK(!sp.kswapd_runnable(0));
    CHECK(pa.events()[PAGEOUTRUN] == MAX_RECLAIM_RETRIES);
    CHECK(pa.events()[KSWAPD_HIGH_WMARK_HIT_QUICKLY] == MAX_RECLAIM_RETRIES - 1);
    sp.wakeup_kswapd(pa, z, GFP_KERNEL, 0, z.zone_idx);
    CHECK(lis.kswapd.size() == 1);
    CHECK(!sp.kswapd_runnable(0));
}
