// SPDX-License-Identifier: GPL-2.0-only
// TraceStats: histograms of the real capture checked against hand-derived values, placement
// on a hand-built layout, lifetime matching corner cases, rate bins, LogHistogram.
#include "workloads/trace_stats.h"

#include <catch2/catch.hpp>

using namespace pagesim;

namespace {

const std::string kRef = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";

/// The t_4G_trace machine (snaps/trace_before/zoneinfo.txt): DMA from pfn 1, DMA32 from
/// 0x1000, Normal 0x100000..0x140000; two made-up controllers split at pfn 0x104000.
Layout t4g_layout() {
    Layout l;
    l.zone_types = {ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE};
    l.membership = {{{1, 0x1000}, 0, 0}, {{0x1000, 0xbffe0}, 0, 1}, {{0x100000, 0x140000}, 0, 2}};
    l.controllers = {{"MEMC0", {{0, 0x104000}}, 0, 0}, {"MEMC1", {{0x104000, 0x140000}}, 0, 0}};
    return l;
}

std::uint64_t gfp_count(const TraceStats& s, GfpFlags g) {
    for (const auto& [flags, n] : s.allocs_by_gfp)
        if (flags == g) return n;
    return 0;
}

TraceEvent ev(TraceEventType t, std::int64_t ts, Pfn pfn, unsigned order) {
    TraceEvent e;
    e.type = t;
    e.ts_ns = ts;
    e.pfn = pfn;
    e.order = static_cast<std::uint8_t>(order);
    e.gfp = GFP_KERNEL;
    return e;
}

} // namespace

TEST_CASE("reference capture: histograms match the hand-derived contents", "[trace-stats]") {
    const TraceStats s = trace_stats_from_file(kRef, {}, {});
    CHECK(s.parse.kmem_events() == 38045);
    CHECK(s.kmem_events() == 38045);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PageAlloc)] == 19026);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PageFree)] == 19007);
    CHECK(s.events[static_cast<std::size_t>(TraceEventType::PageAllocExtfrag)] == 12);
    REQUIRE(s.events_by_cpu.size() == 1); // every event on CPU 0
    CHECK(s.events_by_cpu[0] == 38045);

    // README: 48 MiB of pipes = 12288 order-0 unmovable GFP_HIGHUSER|__GFP_ACCOUNT pages.
    CHECK(gfp_count(s, GFP_HIGHUSER | gfp::kAccount) == 12288);
    REQUIRE(!s.allocs_by_gfp.empty());
    CHECK(s.allocs_by_gfp[0].first == (GFP_HIGHUSER | gfp::kAccount));
    // 48 MiB of anon: the MADV_NOHUGEPAGE half faults order-0 movable pages, the THP half
    // order-9 GFP_TRANSHUGE_LIGHT blocks (11 of them; one 2 MiB range fell back to 512
    // order-0 pages); 15 more movable pages are the program's own.
    CHECK(gfp_count(s, GFP_HIGHUSER_MOVABLE | gfp::kComp | gfp::kZero) == 6144 + 512 + 15);
    CHECK(gfp_count(s, GFP_TRANSHUGE_LIGHT | gfp::kNoretry | gfp::kThisnode) == 11);
    CHECK(s.pages_by_mt[MIGRATE_MOVABLE] == 12288 + 15);
    // Kernel allocations around them: page tables (GFP_KERNEL_ACCOUNT|__GFP_ZERO), 12 order-4
    // pipe-buffer arrays, slab pages.
    CHECK(gfp_count(s, GFP_KERNEL_ACCOUNT | gfp::kZero) == 26);
    CHECK(gfp_count(s, GFP_KERNEL_ACCOUNT | gfp::kNowarn | gfp::kComp | gfp::kZero) == 12);
    CHECK(s.allocs_by_gfp.size() == 9);

    CHECK(s.allocs == 19026);
    CHECK(s.failed_allocs == 0);
    CHECK(s.allocs_by_order[0] == 19002);
    CHECK(s.allocs_by_order[1] == 1);
    CHECK(s.allocs_by_order[4] == 12);
    CHECK(s.allocs_by_order[9] == 11);
    CHECK(s.alloc_pages == 19002 + 2 + 12 * 16 + 11 * 512);
    CHECK(s.allocs_by_mt[MIGRATE_UNMOVABLE] == 12288 + 26 + 2 + 14 + 12);
    CHECK(s.allocs_by_mt[MIGRATE_MOVABLE] == 6671 + 11);
    CHECK(s.allocs_by_mt[MIGRATE_RECLAIMABLE] == 2);
    CHECK(s.pages_by_mt[MIGRATE_UNMOVABLE] == 12288 + 26 + 2 + 14 + 12 * 16);
    CHECK(s.pages_by_mt[MIGRATE_RECLAIMABLE] == 1 + 2);

    // Without a layout every allocation is "unknown".
    CHECK_FALSE(s.has_layout);
    REQUIRE(s.zones.size() == 1);
    CHECK(s.zones[0].name == "unknown");
    CHECK(s.zones[0].allocs == 19026);

    // Lifetimes: every free matches an allocation of the capture; 18 order-0 pages and one
    // order-1 block are still allocated at the end.
    const LifetimeStats& lt = s.lifetimes;
    CHECK(s.frees == 19007);
    CHECK(lt.matched == 19007);
    CHECK(lt.pre_capture_frees == 0);
    CHECK(lt.partial_frees == 0);
    CHECK(lt.order_mismatch == 0);
    CHECK(lt.live_at_end == 19);
    CHECK(lt.live_pages_at_end == 20);
    CHECK(lt.live_by_order[0] == 18);
    CHECK(lt.live_by_order[1] == 1);
    CHECK(lt.by_order[0].count() == 18984);
    CHECK(lt.by_order[4].count() == 12);
    CHECK(lt.by_order[9].count() == 11);
    CHECK(lt.by_order[9].min() == 279293000);
    CHECK(lt.by_order[9].max() == 366881000);
    CHECK(lt.by_order[4].min() == 68636000);
    CHECK(lt.by_order[0].min() == 16016000);
    CHECK(lt.by_order[0].max() == 527584000);
    CHECK(lt.by_order[0].mean() == Approx(256442042.0).epsilon(1e-6));
    // The median order-0 lifetime is 211.134 ms; buckets are at most 12.5% wide.
    CHECK(lt.by_order[0].percentile(0.5) == Approx(211134000.0).epsilon(0.07));

    // Extfrag: 12 unmovable requests each stole a whole order-10 movable block.
    CHECK(s.extfrag.events == 12);
    CHECK(s.extfrag.fragmenting == 0);
    CHECK(s.extfrag.change_ownership == 12);
    CHECK(s.extfrag.by_types[MIGRATE_UNMOVABLE][MIGRATE_MOVABLE] == 12);
    CHECK(s.extfrag.by_fallback_order[10] == 12);

    // Rate: 1 ms bins from the first event (2.757871 s) to the last (3.312246 s).
    CHECK(s.rate_interval_ns == 1000000);
    CHECK(s.rate_start_ns == 2757871000);
    CHECK(s.rate.size() == 555);
    std::uint64_t events = 0;
    std::uint64_t alloc_pages = 0;
    std::uint64_t free_pages = 0;
    for (const RateBin& b : s.rate) {
        for (std::uint64_t n : b.events) events += n;
        alloc_pages += b.alloc_pages;
        free_pages += b.free_pages;
    }
    CHECK(events == 38045);
    CHECK(alloc_pages == s.alloc_pages);
    CHECK(free_pages == s.free_pages);
    CHECK(s.free_pages == s.alloc_pages - 20);
}

TEST_CASE("reference capture: placement by zone and controller on a layout", "[trace-stats]") {
    const Layout layout = t4g_layout();
    TraceStatsOptions opt;
    opt.layout = &layout;
    const TraceStats s = trace_stats_from_file(kRef, {}, opt);
    CHECK(s.has_layout);
    REQUIRE(s.zones.size() == 3); // DMA, DMA32, Normal; no "outside" row
    CHECK(s.zones[0].name == "DMA");
    CHECK(s.zones[1].name == "DMA32");
    CHECK(s.zones[2].name == "Normal");
    CHECK(s.zones[2].nid == 0);
    CHECK(s.zones[0].allocs == 0);
    CHECK(s.zones[1].allocs == 0);
    CHECK(s.zones[2].allocs == 19026); // every pfn of the capture is above 4 GiB
    CHECK(s.zones[2].pages == s.alloc_pages);
    // Expected split from the capture's pfns (pfn < 0x104000 on MEMC0).
    REQUIRE(s.controllers.size() == 2);
    CHECK(s.controllers[0].name == "MEMC0");
    CHECK(s.controllers[0].allocs == 4756);
    CHECK(s.controllers[0].pages == 4772);
    CHECK(s.controllers[0].pages_by_mt[MIGRATE_UNMOVABLE] == 711);
    CHECK(s.controllers[0].pages_by_mt[MIGRATE_MOVABLE] == 4058);
    CHECK(s.controllers[0].pages_by_mt[MIGRATE_RECLAIMABLE] == 3);
    CHECK(s.controllers[1].allocs == 14270);
    CHECK(s.controllers[1].pages == 20056);
    CHECK(s.controllers[1].pages_by_mt[MIGRATE_UNMOVABLE] == 11811);
    CHECK(s.controllers[1].pages_by_mt[MIGRATE_MOVABLE] == 8245);
}

TEST_CASE("pfns outside the layout and without a controller get their own rows", "[trace-stats]") {
    Layout layout = t4g_layout();
    layout.controllers.pop_back(); // MEMC1 gone: its pfns have no controller
    TraceStatsOptions opt;
    opt.layout = &layout;
    TraceStatsBuilder b(opt);
    b.add(ev(TraceEventType::PageAlloc, 0, 0x200, 0));    // DMA, MEMC0
    b.add(ev(TraceEventType::PageAlloc, 1, 0x110000, 2)); // Normal, no controller
    b.add(ev(TraceEventType::PageAlloc, 2, 0xc0000, 1));  // PCI hole: no zone
    const TraceStats s = b.finish();
    REQUIRE(s.zones.size() == 4);
    CHECK(s.zones[0].allocs == 1);
    CHECK(s.zones[2].pages == 4);
    CHECK(s.zones[3].name == "outside");
    CHECK(s.zones[3].pages == 2);
    REQUIRE(s.controllers.size() == 2);
    CHECK(s.controllers[0].allocs == 2); // 0x200 and 0xc0000 are below 0x104000
    CHECK(s.controllers[1].name == "none");
    CHECK(s.controllers[1].pages == 4);
}

TEST_CASE("lifetimes: pre-capture frees, split blocks, mismatches, live at the end",
          "[trace-stats]") {
    using T = TraceEventType;
    TraceStatsBuilder b;
    b.add(ev(T::PageFree, 10, 0x5000, 0));  // allocated before the capture
    b.add(ev(T::PageFree, 11, 0x6000, 3));  // likewise, 8 pages
    b.add(ev(T::PageAlloc, 20, 0x8000, 9)); // a THP...
    for (Pfn p = 0; p < 512; ++p) b.add(ev(T::PageFree, 30, 0x8000 + p, 0)); // ...split
    b.add(ev(T::PageAlloc, 40, 0xa000, 0));
    b.add(ev(T::PageFree, 41, 0xa000, 2)); // freed with a larger order: mismatch
    b.add(ev(T::PageAlloc, 50, 0xb000, 0));
    b.add(ev(T::PageAlloc, 51, 0xb000, 0)); // its free was not captured
    b.add(ev(T::PageFree, 60, 0xb000, 0));  // matches the second one: lifetime 9
    b.add(ev(T::PageAlloc, 70, 0xc000, 4)); // live at the end, 4 of 16 pages freed
    b.add(ev(T::PageFree, 71, 0xc004, 2));
    TraceEvent failed = ev(T::PageAlloc, 80, kNoPfn, 9);
    failed.gfp = GFP_TRANSHUGE;
    b.add(failed);
    const TraceStats s = b.finish();
    const LifetimeStats& lt = s.lifetimes;
    CHECK(lt.pre_capture_frees == 2);
    CHECK(lt.pre_capture_pages == 9);
    CHECK(lt.pre_capture_by_order[3] == 1);
    CHECK(lt.partial_frees == 512 + 1);
    CHECK(lt.split_completed == 1);
    CHECK(lt.order_mismatch == 1);
    CHECK(lt.realloc_without_free == 1);
    CHECK(lt.matched == 1);
    CHECK(lt.all.count() == 1);
    CHECK(lt.all.min() == 9);
    CHECK(lt.live_at_end == 1);
    CHECK(lt.live_pages_at_end == 12);
    CHECK(lt.live_by_order[4] == 1);
    CHECK(s.failed_allocs == 1);
    CHECK(s.failed_by_order[9] == 1);
    CHECK(s.allocs == 5);
    CHECK(gfp_count(s, GFP_TRANSHUGE) == 1);
    CHECK(gfp_count(s, GFP_KERNEL) == 5);
}

TEST_CASE("rate bins double their width to stay bounded", "[trace-stats]") {
    TraceStatsBuilder b;
    constexpr std::int64_t kSec = 1000000000;
    for (std::int64_t t = 0; t <= 10 * kSec; t += kSec / 100)
        b.add(ev(TraceEventType::PageAlloc, 5 * kSec + t, static_cast<Pfn>(t / 1000), 0));
    const TraceStats s = b.finish();
    // 10 s in 1 ms bins would be 10001 bins: 16 ms bins give 626.
    CHECK(s.rate_interval_ns == 16000000);
    CHECK(s.rate.size() == 626);
    CHECK(s.rate_start_ns == 5 * kSec);
    std::uint64_t n = 0;
    for (const RateBin& r : s.rate) n += r.events[0];
    CHECK(n == 1001);
    CHECK(s.rate.size() <= TraceStats::kMaxRateBins);

    TraceStatsOptions opt;
    opt.rate_interval_ns = kSec;
    TraceStatsBuilder wide(opt);
    wide.add(ev(TraceEventType::PageAlloc, 0, 1, 0));
    wide.add(ev(TraceEventType::PageFree, 2 * kSec + 1, 1, 0));
    const TraceStats w = wide.finish();
    REQUIRE(w.rate.size() == 3);
    CHECK(w.rate[0].alloc_pages == 1);
    CHECK(w.rate[2].free_pages == 1);
}

TEST_CASE("LogHistogram buckets and percentiles", "[trace-stats]") {
    for (std::uint64_t v : {0ull, 1ull, 7ull, 8ull, 9ull, 15ull, 16ull, 17ull, 1000ull,
                            123456789ull, (1ull << 62) + 5}) {
        const unsigned b = LogHistogram::bucket_of(v);
        INFO(v);
        CHECK(LogHistogram::bucket_lo(b) <= v);
        CHECK(v < LogHistogram::bucket_lo(b + 1));
    }
    CHECK(LogHistogram::bucket_of(~std::uint64_t{0}) < LogHistogram::kBuckets);
    LogHistogram h;
    CHECK(h.percentile(0.5) == 0);
    for (std::int64_t v = 1; v <= 1000; ++v) h.add(v * 1000);
    CHECK(h.count() == 1000);
    CHECK(h.min() == 1000);
    CHECK(h.max() == 1000000);
    CHECK(h.mean() == Approx(500500.0));
    CHECK(h.percentile(0.5) == Approx(500000.0).epsilon(0.07));
    CHECK(h.percentile(0.99) == Approx(990000.0).epsilon(0.07));
    CHECK(h.percentile(1.0) == 1000000);
    CHECK(h.percentile(0.0) == 1000);
    h.add(-5); // clamps to 0
    CHECK(h.min() == 0);
    std::uint64_t total = 0;
    for (const auto& o : h.octaves()) total += o.count;
    CHECK(total == 1001);
    CHECK(h.octaves().front().lo == 0);
    CHECK(h.octaves().back().lo == 524288);
}
