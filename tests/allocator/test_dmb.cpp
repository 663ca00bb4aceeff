// SPDX-License-Identifier: GPL-2.0-only
// Designated Movable Blocks on the BCM7278 map (dmb.md §1.5-1.6, scenarios S7-S11): span
// rules v2 and v3, overlapping zones, empty zones, the parser's rejection paths and the
// kernelcore/movablecore interplay.
#include "allocator/layout_dmesg.h"
#include "layout_test_util.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace pagesim;
using namespace pagesim::test;

namespace {

bool dmesg_has(const Layout& L, const std::string& line) {
    const auto v = layout_dmesg_lines(L);
    return std::find(v.begin(), v.end(), line) != v.end();
}

} // namespace

TEST_CASE("S7 v3: a DMB alone gets a minimal ZONE_MOVABLE span", "[dmb][S7]") {
    const Layout L = boot(m7278(), "movablecore=256M@0x70000000");
    const ZoneSpan& mv = zone(L, 0, ZONE_MOVABLE);
    CHECK(mv.zone_start_pfn == 0x70000);
    CHECK(mv.spanned == 0x10000);
    CHECK(mv.present == 0x10000);
    // DMB pages are absent in ZONE_DMA, whose span still covers them.
    CHECK(zone(L, 0, ZONE_DMA).spanned == 786432);
    CHECK(zone(L, 0, ZONE_DMA).present == 196608);
    CHECK(zone(L, 0, ZONE_NORMAL).present == 262144);
    // No classic part: nothing under "Movable zone start for each node".
    CHECK(L.nodes[0].zone_movable_pfn == 0);
    CHECK(L.nodes[0].zone_movable_pfn_final == 0x340000);
    // memblock_mark_movable() splits the memory region: three "node 0" lines.
    CHECK(dmesg_has(L, "  node   0: [mem 0x0000000070000000-0x000000007fffffff]"));
    CHECK(dmesg_has(L, "  node   0: [mem 0x0000000040000000-0x000000006fffffff]"));
    REQUIRE(L.dmbs.size() == 1);
    CHECK(L.zone_of(0x70000)->zone_idx == static_cast<unsigned>(L.zone_index(ZONE_MOVABLE)));
    CHECK(L.zone_of(0x6ffff)->zone_idx == static_cast<unsigned>(L.zone_index(ZONE_DMA)));
    // The DMB is released to the buddy (not reserved); CMA and swiotlb move below it.
    CHECK(L.reserved_pages_in({0x70000, 0x80000}) == 0);
    REQUIRE(L.cma.size() == 1);
    CHECK(L.cma[0].range.end == 0x70000);
}

TEST_CASE("S7 v2: ZONE_MOVABLE spans from the lowest DMB to the end of the node", "[dmb][S7]") {
    const Layout L = boot(m7278(), "movablecore=256M@0x70000000 pagesim.dmb=v2");
    const ZoneSpan& mv = zone(L, 0, ZONE_MOVABLE);
    CHECK(mv.zone_start_pfn == 0x70000);               // 0x7000_0000
    CHECK(mv.zone_start_pfn + mv.spanned == 0x340000); // ... 0x3_3FFF_FFFF
    CHECK(mv.present == 0x10000);
}

TEST_CASE("S7: 256M@0x70000000,512M puts the classic part at 0x330000000", "[dmb][S7]") {
    const Layout L = boot(m7278(), "movablecore=256M@0x70000000,512M");
    CHECK(dmesg_has(L, "  Node 0: 0x0000000330000000"));
    const ZoneSpan& mv = zone(L, 0, ZONE_MOVABLE);
    CHECK(mv.zone_start_pfn == 0x70000);
    CHECK(mv.spanned == 0x2d0000);
    CHECK(mv.present == MiB(512)); // the DMB counts towards movablecore
    CHECK(zone(L, 0, ZONE_NORMAL).present == MiB(768));
    CHECK(zone(L, 0, ZONE_NORMAL).zone_start_pfn + zone(L, 0, ZONE_NORMAL).spanned == 0x330000);
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC0") == MiB(256));
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC1") == MiB(256));
}

TEST_CASE("S7: 256M@0x70000000,1G@12G empties ZONE_NORMAL", "[dmb][S7]") {
    const Layout L = boot(m7278(), "movablecore=256M@0x70000000,1G@12G");
    const ZoneSpan& n = zone(L, 0, ZONE_NORMAL);
    CHECK(n.present == 0);
    CHECK(n.spanned == 0); // v3: "prevent creation of empty zones"
    CHECK(n.zone_start_pfn == 0);
    CHECK(zone(L, 0, ZONE_MOVABLE).present == MiB(1280));
    // The memblock allocations that used to sit at the top of MEMC1 move to MEMC0.
    CHECK(L.reserved_pages_in({0x300000, 0x340000}) == 0);
    // v2 keeps the empty zone's span.
    const Layout v2 = boot(m7278(), "movablecore=256M@0x70000000,1G@12G pagesim.dmb=v2");
    CHECK(zone(v2, 0, ZONE_NORMAL).present == 0);
    CHECK(zone(v2, 0, ZONE_NORMAL).spanned == 0x240000);
}

TEST_CASE("S8: 256M@2G is not RAM on the 1 GiB-per-MEMC map", "[dmb][S8]") {
    const Layout L = boot(m7278(), "movablecore=256M@2G,512M");
    CHECK(L.dmbs.empty());
    CHECK(has_log(L, "Malformed early option 'movablecore'"));
    CHECK(has_warning(L, "not RAM"));
    CHECK(has_warning(L, "ignoring '512M'"));     // the parser stops at the first bad piece
    CHECK(zone(L, 0, ZONE_MOVABLE).present == 0); // so 512M is lost too
    // Earlier pieces stay applied.
    const Layout E = boot(m7278(), "movablecore=512M,256M@2G");
    CHECK(zone(E, 0, ZONE_MOVABLE).present == MiB(512));
}

TEST_CASE("S11: misaligned blocks are rejected and stay memblock-reserved", "[dmb][S11]") {
    for (const char* cl :
         {"movablecore=1M@0x70000000", "movablecore=2M@0x70100000", "movablecore=3M@0x70000000"}) {
        INFO(cl);
        const Layout L = boot(m7278(), cl);
        CHECK(L.dmbs.empty());
        CHECK(has_log(L, "Malformed early option 'movablecore'"));
        CHECK(has_warning(L, "aligned to pageblock_order"));
        // The series memblock_reserve()s before dmb_reserve() fails: the pages are lost.
        CHECK(L.reserved_pages_in({0x70000, 0x70400}) > 0);
        CHECK(zone(L, 0, ZONE_MOVABLE).present == 0);
    }
}

TEST_CASE("S11: at most CONFIG_DMB_COUNT (7) blocks", "[dmb][S11]") {
    std::string cl = "movablecore=";
    for (int i = 0; i < 9; ++i)
        cl += (i ? "," : "") + std::string("2M@") + std::to_string(0x60000000 + i * 0x200000);
    const Layout L = boot(m7278(), cl);
    CHECK(L.dmbs.size() == 7);
    CHECK(has_log(L, "dmb: Not enough slots for DMB reserved regions!"));
    CHECK(has_log(L, "Malformed early option 'movablecore'"));
    CHECK(has_warning(L, "-ENOSPC"));
    CHECK(zone(L, 0, ZONE_MOVABLE).present == 7 * 512);
    // The 8th block's range was reserved before -ENOSPC; the 9th was never looked at.
    CHECK(L.reserved_pages_in({0x60e00, 0x61000}) == 512);
    CHECK(L.reserved_pages_in({0x61000, 0x61200}) == 0);
}

TEST_CASE("S11: a block overlapping an earlier block is rejected", "[dmb][S11]") {
    const Layout L = boot(m7278(), "movablecore=256M@0x70000000,128M@0x78000000,64M@0x60000000");
    CHECK(L.dmbs.size() == 1);
    CHECK(has_warning(L, "overlaps a memblock reservation made before parse_early_param()"));
    CHECK(has_warning(L, "ignoring '64M@0x60000000'"));
}

TEST_CASE("S11: a block across the hole between the MEMCs is rejected", "[dmb][S11]") {
    const Layout L = boot(m7278(), "movablecore=512M@0x70000000");
    CHECK(L.dmbs.empty());
    CHECK(has_warning(L, "not RAM"));
}

TEST_CASE("S11 / §1.6 item 9: arm64 reserves the kernel and initrd after the early params",
          "[dmb][S11]") {
    // The parser cannot see the kernel image: the block is accepted, and the layout
    // reports what dmb_init_region() would do to the kernel's pages.
    const Layout K = boot(m7278(), "movablecore=64M@0x40000000");
    CHECK(K.dmbs.size() == 1);
    CHECK(has_warning(K, "reservation 'kernel-text'"));
    CHECK(has_warning(K, "memory corruption"));
    CHECK(K.reserved_pages_in({0x40210, 0x41860}) == 0x41860 - 0x40210); // kept reserved
    const Layout I = boot(m7278(), "movablecore=2M@0x48000000");
    CHECK(has_warning(I, "reservation 'initrd'"));
    CHECK_THROWS_AS(boot(m7278(), "movablecore=2M@0x48000000", true), LayoutError);

    // The same reservation made before parse_early_param() is seen: -EINVAL.
    Machine early = m7278();
    for (Reservation& r : early.reservations)
        if (r.name == "initrd") r.before_early_params = true;
    const Layout E = boot(early, "movablecore=2M@0x48000000,256M@0x70000000");
    CHECK(E.dmbs.empty());
    CHECK(has_warning(E, "overlaps a memblock reservation made before parse_early_param()"));
}

TEST_CASE("S11: DT reserved-memory regions inside a DMB", "[dmb][S11]") {
    Machine m = m7278();
    Reservation nomap;
    nomap.name = "video-fw";
    nomap.kind = ReservationKind::NoMap;
    nomap.range = {0x50000000, 16u << 20};
    nomap.before_early_params = false;
    Reservation pool = nomap;
    pool.name = "vpu-pool";
    pool.kind = ReservationKind::Reusable;
    pool.range = {0x58000000, 32u << 20};
    m.reservations.push_back(nomap);
    m.reservations.push_back(pool);
    // Without DMBs: the no-map region is present but never freed, the pool is CMA.
    const Layout A = boot(m, "");
    CHECK(A.reserved_pages_in({0x50000, 0x51000}) == 0x1000);
    CHECK(A.cma.size() == 2);
    CHECK(dmesg_has(A, "  node   0: [mem 0x0000000050000000-0x0000000050ffffff]"));
    // With a DMB over both: no-map is refused (-EBUSY), the reusable pool conflicts.
    const Layout B = boot(m, "movablecore=256M@0x50000000");
    CHECK(B.dmbs.size() == 1);
    CHECK(has_warning(B, "no-map region 'video-fw'"));
    CHECK(has_warning(B, "reservation 'vpu-pool'"));
}

TEST_CASE("x86_64: the posted series would reject size@base, pagesim warns", "[dmb]") {
    const Machine x = bundled("qemu_x86_4G");
    const Layout L = boot(x, "movablecore=256M@0x40000000");
    CHECK(has_warning(L, "rejects every size@base piece on x86_64"));
    CHECK(L.dmbs.size() == 1);
    // The kernel image is reserved before parse_early_param() on x86: rejected.
    const Layout K = boot(x, "movablecore=32M@0x1000000");
    CHECK(K.dmbs.empty());
    CHECK(has_log(K, "Malformed early option 'movablecore'"));
}

TEST_CASE("plain 6.1 (pagesim.dmb=off) reads size@base as a size", "[dmb]") {
    const Layout L = boot(m7278(), "movablecore=256M@0x70000000,512M pagesim.dmb=off");
    CHECK(L.dmbs.empty());
    CHECK(zone(L, 0, ZONE_MOVABLE).present == MiB(256));
    CHECK(zone(L, 0, ZONE_MOVABLE).zone_start_pfn == 0x330000);
}

TEST_CASE("S10: DMBs take priority over kernelcore and count towards movablecore", "[dmb][S10]") {
    const Layout L = boot(m7278(), "kernelcore=1G movablecore=256M@0x70000000");
    // kernelcore is taken from non-DMB memory only: 768M of MEMC0 + 256M of MEMC1.
    CHECK(L.nodes[0].zone_movable_pfn == 0x310000);
    CHECK(zone(L, 0, ZONE_NORMAL).present == MiB(256));
    CHECK(zone(L, 0, ZONE_MOVABLE).present == MiB(1024));
    CHECK(pages_on(L, ZONE_MOVABLE, "MEMC0") == MiB(256));
}

TEST_CASE("S10: oversized movablecore", "[dmb][S10]") {
    // DMB patch 4: all of movable_zone becomes ZONE_MOVABLE.
    const Layout v3 = boot(m7278(), "movablecore=4G");
    CHECK(zone(v3, 0, ZONE_MOVABLE).present == MiB(1024));
    CHECK(zone(v3, 0, ZONE_NORMAL).present == 0);
    CHECK(v3.nodes[0].zone_movable_pfn == 0x300000);
    // Plain 6.1: required_kernelcore = 0, no ZONE_MOVABLE at all.
    const Layout off = boot(m7278(), "movablecore=4G pagesim.dmb=off");
    CHECK(zone(off, 0, ZONE_MOVABLE).present == 0);
    CHECK(zone(off, 0, ZONE_NORMAL).present == MiB(1024));
    // With kernelcore= the larger kernelcore wins.
    const Layout kc = boot(m7278(), "movablecore=4G kernelcore=1536M");
    CHECK(zone(kc, 0, ZONE_MOVABLE).present == MiB(512));
    // Percentages of total memory.
    const Layout pc = boot(m7278(), "movablecore=25%");
    CHECK(zone(pc, 0, ZONE_MOVABLE).present == MiB(512));
}
