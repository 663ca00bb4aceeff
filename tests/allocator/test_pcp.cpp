// SPDX-License-Identifier: GPL-2.0-only
// Per-CPU page lists (§4, E4c/E4d): refill sizes, LIFO reuse, drain order, free_factor
// growth, free_high for orders 1..3, batch/high sizing.
#include "alloc_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {
Pfn alloc(PageAllocator& pa, unsigned order, GfpFlags gfp = GFP_HIGHUSER_MOVABLE,
          unsigned cpu = 0) {
    AllocRequest r;
    r.gfp = gfp;
    r.order = order;
    r.cpu = cpu;
    const AllocResult res = pa.alloc_pages(r);
    REQUIRE(res);
    return res.pfn;
}
// 65536 pages (256 MiB): zone_batchsize 15; min_free_kbytes is THP's 5% cap (3238 pages), so
// the low watermark, and pcp high on one CPU, is 3238 + 809 = 4047.
constexpr Pfn kPages = 65536;
} // namespace

TEST_CASE("pcp batch and high follow zone_batchsize and the low watermark", "[pcp]") {
    PageAllocator pa(make_simple_layout(kPages));
    Zone& z = only_zone(pa);
    CHECK(z.pcp[0].batch == 15);
    CHECK(z.wmark_pages(WMARK_LOW) == 4047);
    CHECK(z.pcp[0].high == 4047);
    // Spec §4.2 examples, by recomputing with other managed sizes.
    AllocatorOptions o;
    o.debug_checks = false;
    PageAllocator pb(make_simple_layout(kPages), o);
    Zone& zb = only_zone(pb);
    for (auto [managed, batch] : std::vector<std::pair<std::uint64_t, int>>{
             {262144, 63}, {1 << 22, 63}, {100000, 31}, {20000, 3}, {3840, 1}, {100, 1}}) {
        zb.managed_pages = managed;
        pb.setup_per_zone_wmarks();
        CHECK(zb.pageset_batch == batch);
        CHECK(zb.pcp[0].high >= 4 * batch);
    }
}

TEST_CASE("pcp refill takes max(batch >> order, 2) blocks; LIFO reuse", "[pcp]") {
    PageAllocator pa(make_simple_layout(kPages));
    RecordingTracer tr;
    pa.set_tracer(&tr);
    Zone& z = only_zone(pa);
    CHECK(alloc(pa, 0) == 0);
    auto zl = tr.named("zone_locked");
    REQUIRE(zl.size() == 15);
    for (std::size_t i = 0; i < zl.size(); ++i) {
        CHECK(zl[i].pfn == i); // ascending, appended to the tail
        CHECK(zl[i].b == 1);   // percpu_refill
    }
    CHECK(z.pcp[0].count == 14);
    CHECK(z.free_pages() == static_cast<std::int64_t>(kPages - 15));
    const unsigned movable0 = MIGRATE_PCPTYPES * 0 + MIGRATE_MOVABLE;
    CHECK(pcp_list(pa, z, 0, movable0).front() == 1);

    // LIFO: a freed page is the next one handed out, without touching the buddy.
    pa.free_pages(0, 0, 0);
    CHECK(pcp_list(pa, z, 0, movable0).front() == 0);
    tr.events.clear();
    CHECK(alloc(pa, 0) == 0);
    CHECK(tr.named("zone_locked").empty());

    for (auto [order, blocks] :
         std::vector<std::pair<unsigned, int>>{{1, 7}, {2, 3}, {3, 2}, {9, 2}}) {
        tr.events.clear();
        const int before = z.pcp[0].count;
        alloc(pa, order);
        CHECK(tr.named("zone_locked").size() == static_cast<std::size_t>(blocks));
        CHECK(z.pcp[0].count - before == (blocks - 1) << order);
    }
    // THP blocks of MOVABLE go to pindex 13 (erratum E4c).
    CHECK(z.pcp[0].lists[NR_LOWORDER_PCP_LISTS + 1].size() == 1);
    CHECK(z.pcp[0].lists[NR_LOWORDER_PCP_LISTS].empty());
}

TEST_CASE("free_pcppages_bulk drains from pindex, tail first, a whole list at a time", "[pcp]") {
    PageAllocator pa(make_simple_layout(kPages));
    Zone& z = only_zone(pa);
    alloc(pa, 0, GFP_KERNEL);           // list 0: UNMOVABLE order 0
    alloc(pa, 0, GFP_HIGHUSER_MOVABLE); // list 1: MOVABLE order 0
    alloc(pa, 1, GFP_HIGHUSER_MOVABLE); // list 4: MOVABLE order 1
    std::vector<Pfn> expect;
    for (unsigned pindex : {0u, 1u, 4u}) {
        auto l = pcp_list(pa, z, 0, pindex);
        REQUIRE_FALSE(l.empty());
        expect.insert(expect.end(), l.rbegin(), l.rend());
    }
    RecordingTracer tr;
    pa.set_tracer(&tr);
    pa.drain_pages(0);
    std::vector<Pfn> got;
    for (const Event& e : tr.named("pcpu_drain")) got.push_back(e.pfn);
    CHECK(got == expect);
    CHECK(z.pcp[0].count == 0);
    pa.check_invariants();
}

TEST_CASE("free_factor doubles the drain batch up to CONFIG_PCP_BATCH_SCALE_MAX", "[pcp]") {
    AllocatorOptions o;
    o.debug_checks = false; // 10k operations on 64k pages; checked at the end instead
    PageAllocator pa(make_simple_layout(kPages), o);
    Zone& z = only_zone(pa);
    PerCpuPages& pcp = z.pcp[0];
    std::vector<Pfn> pages;
    for (int i = 0; i < 5000; ++i) pages.push_back(alloc(pa, 0));
    pa.drain_pages(0);
    pcp.free_factor = 0;
    std::vector<int> drains;
    for (Pfn p : pages) {
        const int before = pcp.count;
        pa.free_pages(p, 0, 0);
        if (pcp.count < before + 1) drains.push_back(before + 1 - pcp.count);
    }
    REQUIRE(drains.size() >= 7);
    CHECK(std::vector<int>(drains.begin(), drains.begin() + 7) ==
          std::vector<int>{15, 30, 60, 120, 240, 480, 480});
    CHECK(pcp.free_factor == CONFIG_PCP_BATCH_SCALE_MAX);

    SECTION("an allocation halves free_factor; an order 1..3 free then drains everything") {
        const Pfn p = alloc(pa, 1);
        CHECK(pcp.free_factor == 2);
        CHECK(pcp.count > 0);
        pa.free_pages(p, 1, 0);
        CHECK(pcp.count == 0);
    }
    pa.check_invariants();
}

TEST_CASE("pcp lists are per CPU", "[pcp]") {
    PageAllocator pa(make_simple_layout(kPages, 2));
    Zone& z = only_zone(pa);
    const Pfn a = alloc(pa, 0, GFP_HIGHUSER_MOVABLE, 0);
    const Pfn b = alloc(pa, 0, GFP_HIGHUSER_MOVABLE, 1);
    CHECK(a != b);
    CHECK(z.pcp[0].count == 14);
    CHECK(z.pcp[1].count == 14);
    CHECK(z.pcp[0].high == 4047 / 2);
    pa.free_pages(a, 0, 1); // freed on CPU 1: lands on CPU 1's list
    CHECK(z.pcp[1].count == 15);
    CHECK(alloc(pa, 0, GFP_HIGHUSER_MOVABLE, 1) == a);
}
