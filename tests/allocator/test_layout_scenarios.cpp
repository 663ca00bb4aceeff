// SPDX-License-Identifier: GPL-2.0-only
// The BCM7278 and BCM7445 layouts of dmb.md §4.2 (S1-S4, S9, S12, S13) with their
// zone/controller shares, plus mem=, sticky ranges and the strict mode.
#include "layout_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

TEST_CASE("S1: no movablecore: MEMC0 is ZONE_DMA, MEMC1 is ZONE_NORMAL", "[scenario][S1]") {
    const Layout L = boot(m7278(), "");
    CHECK(pages_on(L, ZONE_DMA, "MEMC0") == MiB(1024));
    CHECK(pages_on(L, ZONE_NORMAL, "MEMC1") == MiB(1024));
    CHECK(pages_on(L, ZONE_NORMAL, "MEMC0") == 0);
    CHECK(zone(L, 0, ZONE_MOVABLE).present == 0);
    CHECK(L.movable_zone == ZONE_NORMAL);
    CHECK(L.controller_of(0x40000) == 0);
    CHECK(L.controller_of(0x300000) == 1);
    CHECK(L.controller_of(0x80000) == -1);
}

TEST_CASE("S2: movablecore=600M is all on MEMC1", "[scenario][S2]") {
    const Layout L = boot(m7278(), "movablecore=600M");
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC1") == MiB(600));
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC0") == 0);
    CHECK(pages_on(L, ZONE_NORMAL, "MEMC1") == MiB(424));
    CHECK(L.nodes[0].zone_movable_pfn == 0x31a800); // 1G - 600M rounded to MAX_ORDER pages
}

TEST_CASE("S3: movablecore=600M@0x50000000 is all on MEMC0", "[scenario][S3]") {
    const Layout L = boot(m7278(), "movablecore=600M@0x50000000");
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC0") == MiB(600));
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC1") == 0);
    CHECK(pages_on(L, ZONE_DMA, "MEMC0") == MiB(424));
    CHECK(pages_on(L, ZONE_NORMAL, "MEMC1") == MiB(1024));
}

TEST_CASE("S4/S5: split DMBs give 300M of ZONE_MOVABLE on each MEMC", "[scenario][S4]") {
    const Layout L = boot(m7278(), "movablecore=300M@0x60000000,300M@0x320000000");
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC0") == MiB(300));
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC1") == MiB(300));
    CHECK(zone(L, 0, ZONE_MOVABLE).zone_start_pfn == 0x60000);
    CHECK(zone(L, 0, ZONE_MOVABLE).spanned == 0x332c00 - 0x60000);
    CHECK(zone(L, 0, ZONE_DMA).present == MiB(724));
    CHECK(zone(L, 0, ZONE_NORMAL).present == MiB(724));
    CHECK(L.warnings.empty());
    const Layout S5 =
        boot(m7278(), "movablecore=300M@0x60000000,300M@0x320000000 page_alloc.shuffle=1");
    CHECK(S5.shuffle);
    CHECK_FALSE(L.shuffle);
}

TEST_CASE("S9: BCM7445, three controllers, HIGHMEM", "[scenario][S9]") {
    const Layout L = boot(m7445(), "");
    CHECK(L.zone_types == std::vector<ZoneType>{ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE});
    CHECK(L.movable_zone == ZONE_HIGHMEM);
    CHECK(zone(L, 0, ZONE_NORMAL).present == MiB(768)); // lowmem: 3G/1G split
    CHECK(zone(L, 0, ZONE_HIGHMEM).present == MiB(2304));
    CHECK(L.unavailable.empty());
    // The v1 DT example as movablecore blocks: 728M, 768M and 764M, one per MEMC.
    const Layout D = boot(m7445(), "movablecore=728M@0x10800000,768M@0x40000000,764M@0x80000000");
    REQUIRE(D.dmbs.size() == 3);
    CHECK(pages_on(D, ZONE_MOVABLE, "MEMC0") == MiB(728));
    CHECK(pages_on(D, ZONE_MOVABLE, "MEMC1") == MiB(768));
    CHECK(pages_on(D, ZONE_MOVABLE, "MEMC2") == MiB(764));
    CHECK(zone(D, 0, ZONE_NORMAL).present == MiB(264)); // what is left of lowmem
    CHECK(has_warning(D, "DMB in lowmem on a HIGHMEM kernel"));
    // Classic movablecore takes the top of HighMem: MEMC2 only.
    const Layout C = boot(m7445(), "movablecore=1G");
    CHECK(pages_on(C, ZONE_MOVABLE, "MEMC2") == MiB(1024));
    CHECK(pages_on(C, ZONE_MOVABLE, "MEMC0") == 0);
}

TEST_CASE("S12: the hot-plug alternative", "[scenario][S12]") {
    const Layout L =
        boot(m7278(), "mem=768M pagesim.hotplug=256M@0x70000000:online_movable,"
                      "768M@0x300000000:online_kernel,256M@0x330000000:online_movable");
    REQUIRE(L.hotplug.size() == 3);
    CHECK(L.hotplug[1].zone == ZONE_NORMAL); // default_kernel_zone_for_pfn()
    CHECK(pages_on(L, ZONE_DMA, "MEMC0") == MiB(768));
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC0") == MiB(256));
    CHECK(pages_on(L, ZONE_NORMAL, "MEMC1") == MiB(768));
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC1") == MiB(256));
    // Boot memory is only the first 768 MiB, so every early allocation lands in MEMC0.
    CHECK(L.reserved_pages_in({0x300000, 0x340000}) == 0);
    CHECK(zone(L, 0, ZONE_MOVABLE).zone_start_pfn == 0x70000);
    // Section granularity (128 MiB on arm64 4K) and no overlap with boot memory.
    CHECK_THROWS_WITH(boot(m7278(), "mem=768M pagesim.hotplug=64M@0x70000000:online_movable"),
                      Catch::Contains("memory blocks of 128 MiB"));
    CHECK_THROWS_WITH(boot(m7278(), "pagesim.hotplug=256M@0x70000000:online_movable"),
                      Catch::Contains("boot memory already"));
    CHECK_THROWS_AS(boot(m7445(), "mem=512M pagesim.hotplug=256M@0x20000000:online_movable"),
                    LayoutError);
}

TEST_CASE("S13: one fake NUMA node per controller", "[scenario][S13]") {
    const Layout L = boot(m7278(), "pagesim.fake_numa=controllers movablecore=600M");
    REQUIRE(L.nodes.size() == 2);
    CHECK(L.fake_numa);
    CHECK(L.node(0).node_start_pfn == 0x40000);
    CHECK(L.node(1).node_start_pfn == 0x300000);
    CHECK(L.cpu_node == std::vector<int>{0, 1, 0, 1}); // numa_init_array() round robin
    CHECK(L.distance == std::vector<std::vector<int>>{{10, 10}, {10, 10}});
    // MEMC0 is all ZONE_DMA, below movable_zone: kernelcore spreading cannot put
    // ZONE_MOVABLE there, so the 600M still lands on MEMC1 (node 1).
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC1") == MiB(600));
    CHECK(L.node(0).zone_movable_pfn == 0);
    CHECK(has_warning(L, "no NUMA emulation on arm64"));
    // With per-node DMBs each node gets its own ZONE_MOVABLE.
    const Layout D = boot(m7278(), "pagesim.fake_numa=controllers movablecore=300M@0x60000000,"
                                   "300M@0x320000000");
    CHECK(zone(D, 0, ZONE_MOVABLE).present == MiB(300));
    CHECK(zone(D, 1, ZONE_MOVABLE).present == MiB(300));
    // arm64 6.1 ignores numa=fake=.
    const Layout F = boot(m7278(), "numa=fake=2");
    CHECK(F.nodes.size() == 1);
    CHECK(has_warning(F, "no NUMA emulation"));
}

TEST_CASE("S14: a reusable pool or a no-map carve-out per controller", "[scenario][S14]") {
    const Layout C = boot(m7278(), "pagesim.rmem=cma0:300M@0x60000000:reusable,"
                                   "cma1:300M@0x320000000:reusable");
    // rmem_cma_setup(): each pool becomes a CMA area in its controller's zone, managed.
    std::vector<std::string> names;
    for (const CmaArea& a : C.cma) names.push_back(a.name);
    CHECK(std::count(names.begin(), names.end(), "cma0") == 1);
    CHECK(std::count(names.begin(), names.end(), "cma1") == 1);
    for (const CmaArea& a : C.cma) {
        if (a.name == "cma0") CHECK(a.range == PfnRange{0x60000, 0x60000 + MiB(300)});
        if (a.name == "cma1") CHECK(a.range == PfnRange{0x320000, 0x320000 + MiB(300)});
    }
    const Layout none = boot(m7278(), "");
    const auto dma = static_cast<unsigned>(none.zone_index(ZONE_DMA));
    const auto normal = static_cast<unsigned>(none.zone_index(ZONE_NORMAL));
    CHECK(C.managed_pages(0, dma) == none.managed_pages(0, dma));
    CHECK(C.managed_pages(0, normal) == none.managed_pages(0, normal));
    // A no-map carve-out stays present but never reaches the buddy allocator.
    const Layout B = boot(m7278(), "pagesim.rmem=bmem0:300M@0x60000000:no-map,"
                                   "bmem1:300M@0x320000000:no-map");
    CHECK(zone(B, 0, ZONE_DMA).present == zone(none, 0, ZONE_DMA).present);
    CHECK(B.managed_pages(0, dma) == none.managed_pages(0, dma) - MiB(300));
    CHECK(B.managed_pages(0, normal) == none.managed_pages(0, normal) - MiB(300));
    CHECK(B.cma.size() == none.cma.size());
    // A name the machine already uses is an error.
    CHECK_THROWS_WITH(boot(m7278(), "pagesim.rmem=" + m7278().reservations.front().name +
                                        ":4M@0x60000000:no-map"),
                      Catch::Contains("already has a reservation"));
}

TEST_CASE("numa=fake= on x86 and numa=off", "[scenario]") {
    const Layout F = boot(bundled("qemu_x86_4G"), "numa=fake=2");
    CHECK(F.nodes.size() == 2);
    const Layout O = boot(bundled("qemu_x86_8G_2nodes"), "numa=off");
    CHECK(O.nodes.size() == 1);
    CHECK(O.cpu_node == std::vector<int>{0, 0});
}

TEST_CASE("mem= per architecture", "[scenario]") {
    // arm64: an amount of memory (memblock_mem_limit_remove_map).
    const Layout A = boot(m7278(), "mem=1536M");
    CHECK(zone(A, 0, ZONE_NORMAL).present == MiB(512));
    // x86: a cap address (e820 above it removed).
    const Layout X = boot(bundled("qemu_x86_4G"), "mem=2G");
    CHECK(X.node(0).node_end_pfn == 0x80000);
    // arm: replaces the memory map with size[@start].
    const Layout R = boot(m7445(), "mem=256M mem=256M@0x40000000");
    CHECK(R.memory.size() == 2);
    CHECK(R.node(0).node_start_pfn == 0);
    CHECK(R.node(0).node_end_pfn == 0x50000);
}

TEST_CASE("sticky movable pageblocks and kernelcore=mirror", "[scenario]") {
    const Layout S = boot(m7278(), "pagesim.sticky_movable=300M@0x60000000,300M@0x320000000");
    CHECK(S.sticky_movable);
    REQUIRE(S.sticky_ranges.size() == 2);
    CHECK(S.sticky_ranges[0] == PfnRange{0x60000, 0x72c00});
    CHECK(zone(S, 0, ZONE_MOVABLE).present == 0);
    CHECK_THROWS_AS(boot(m7278(), "pagesim.sticky_movable=1M@0x60000000"), LayoutError);
    CHECK(boot(m7278(), "pagesim.sticky_movable=1").sticky_ranges.empty());

    // No mirrored memory: the kernel ignores kernelcore=mirror.
    const Layout N = boot(m7278(), "kernelcore=mirror");
    CHECK(has_log(N, "The system has no mirror memory, ignore kernelcore=mirror."));
    // Mirror MEMC1's low half: the non-mirrored rest above 4G becomes ZONE_MOVABLE,
    // overlapping ZONE_NORMAL.
    Machine m = m7278();
    m.memory[1].range.size = 512u << 20;
    m.memory[1].mirror = true;
    m.memory.push_back({{0x320000000, 512u << 20}, 0, false, false});
    const Layout M = boot(m, "kernelcore=mirror");
    CHECK(has_log(M, "This configuration results in unmirrored kernel memory."));
    CHECK(M.nodes[0].zone_movable_pfn == 0x320000);
    CHECK(zone(M, 0, ZONE_NORMAL).present == MiB(512));
    CHECK(zone(M, 0, ZONE_MOVABLE).present == MiB(512));
    CHECK(zone(M, 0, ZONE_NORMAL).spanned == 0x240000); // spans overlap
}

TEST_CASE("strict mode turns warnings into errors", "[scenario]") {
    CHECK_NOTHROW(boot(m7278(), "movablecore=300M@0x60000000", true));
    CHECK_THROWS_WITH(boot(m7278(), "movablecore=256M@2G", true), Catch::Contains("strict"));
    CHECK_THROWS_WITH(boot(m7278(), "oracle=1", true), Catch::Contains("oracle=1"));
}

TEST_CASE("sysctls on the command line", "[scenario]") {
    const Layout L = boot(bundled("qemu_x86_4G"),
                          "sysctl.vm.min_free_kbytes=16384 sysctl.vm.watermark_scale_factor=100 "
                          "sysctl.vm.lowmem_reserve_ratio=\"128 128 16 0 0\" "
                          "sysctl.vm.percpu_pagelist_high_fraction=8 transparent_hugepage=madvise");
    CHECK(L.sysctl.min_free_kbytes == 16384);
    CHECK(L.sysctl.watermark_scale_factor == 100);
    CHECK(L.sysctl.lowmem_reserve_ratio[ZONE_DMA] == 128);
    CHECK(L.sysctl.lowmem_reserve_ratio[ZONE_NORMAL] == 16);
    CHECK(L.sysctl.percpu_pagelist_high_fraction == 8);
    CHECK(L.sysctl_writes.size() == 4);
    CHECK(L.thp == ThpMode::Madvise);
    CHECK(L.warnings.empty());
    const Layout B =
        boot(bundled("qemu_x86_4G"),
             "sysctl.vm.watermark_scale_factor=5000 sysctl.vm.lowmem_reserve_ratio=1,2 "
             "sysctl.vm.percpu_pagelist_high_fraction=4 transparent_hugepage=sometimes");
    CHECK(B.sysctl.watermark_scale_factor == 10);
    CHECK(B.sysctl_writes.empty());
    CHECK(has_warning(B, "whitespace-separated"));
    CHECK(has_warning(B, "transparent_hugepage= cannot parse, ignored"));
}
