// SPDX-License-Identifier: GPL-2.0-only
// pfn -> controller lookups, the interleave what-if, and buffer chunk profiles / segments.
#include "sim/bandwidth_buffer.h"
#include "sim/bandwidth_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

TEST_CASE("controller map: BCM7278 ranges, O(1) table, holes", "[bandwidth]") {
    const ControllerMap m = two_memcs(1e10, 2e10);
    CHECK(m.size() == 2);
    CHECK(m.granule_shift() == 18); // 1 GiB granules: ranges are 1 GiB aligned
    CHECK(m.range_owner(0) == 0);
    CHECK(m.range_owner(kMemcPages - 1) == 0);
    CHECK(m.range_owner(kMemcPages) == kNoController); // the hole up to 0x3_0000_0000
    CHECK(m.range_owner(kMemc1Base - 1) == kNoController);
    CHECK(m.range_owner(kMemc1Base) == 1);
    CHECK(m.range_owner(kMemc1Base + kMemcPages - 1) == 1);
    CHECK(m.range_owner(kMemc1Base + kMemcPages) == kNoController);
    CHECK(m.bandwidth(1) == 2e10);
    std::vector<std::uint64_t> out(2, 0);
    m.add_bytes(kMemc1Base + 5, 0, kPage, out);
    CHECK(out == std::vector<std::uint64_t>{0, kPage});
    CHECK_THROWS_AS(m.add_bytes(kMemcPages, 0, kPage, out), BandwidthError);
}

TEST_CASE("controller map: unaligned ranges and bad layouts", "[bandwidth]") {
    std::vector<ControllerLayout> c{{"A", {{3, 10}}, 1.0, 0}, {"B", {{10, 12}, {20, 21}}, 1.0, 0}};
    const ControllerMap m(c, kPage);
    CHECK(m.granule_shift() == 0);
    CHECK(m.range_owner(2) == kNoController);
    CHECK(m.range_owner(3) == 0);
    CHECK(m.range_owner(9) == 0);
    CHECK(m.range_owner(10) == 1);
    CHECK(m.range_owner(12) == kNoController);
    CHECK(m.range_owner(20) == 1);

    c[1].ranges = {{8, 12}};
    CHECK_THROWS_AS(ControllerMap(c, kPage), BandwidthError); // overlap
    c[1].ranges = {{10, 12}};
    c[1].bandwidth = 0;
    CHECK_THROWS_AS(ControllerMap(c, kPage), BandwidthError);
    c[1].bandwidth = 1;
    c[0].interleave_granularity = 256;
    c[1].interleave_granularity = 512;
    CHECK_THROWS_AS(ControllerMap(c, kPage), BandwidthError);
    CHECK_THROWS_AS(ControllerMap({}, kPage), BandwidthError);
    std::vector<ControllerLayout> sparse{{"A", {{1, 2}, {Pfn{1} << 40, (Pfn{1} << 40) + 1}}, 1, 0}};
    CHECK_THROWS_AS(ControllerMap(sparse, kPage), BandwidthError);
}

TEST_CASE("controller map: interleave deals stripes round-robin", "[bandwidth]") {
    std::vector<std::uint64_t> out(2, 0);
    SECTION("page-sized stripes: even pages on MEMC0, odd on MEMC1") {
        const ControllerMap m = two_memcs(1, 1, 4096);
        m.add_bytes(4, 0, kPage, out);
        CHECK(out == std::vector<std::uint64_t>{4096, 0});
        m.add_bytes(5, 0, kPage, out);
        CHECK(out == std::vector<std::uint64_t>{4096, 4096});
    }
    SECTION("sub-page stripes split every page evenly") {
        const ControllerMap m = two_memcs(1, 1, 256);
        m.add_bytes(kMemc1Base + 7, 0, kPage, out);
        CHECK(out == std::vector<std::uint64_t>{2048, 2048});
    }
    SECTION("stripes that straddle pages") {
        const ControllerMap m = two_memcs(1, 1, 6144);
        m.add_bytes(0, 0, kPage, out); // [0, 4096) in stripe 0
        CHECK(out == std::vector<std::uint64_t>{4096, 0});
        m.add_bytes(1, 0, kPage, out); // [4096, 6144) stripe 0, [6144, 8192) stripe 1
        CHECK(out == std::vector<std::uint64_t>{6144, 2048});
        m.add_bytes(1, 3000, 100, out); // [7096, 7196): stripe 1
        CHECK(out == std::vector<std::uint64_t>{6144, 2148});
    }
    SECTION("three controllers, 1 KiB stripes") {
        std::vector<ControllerLayout> c{
            {"A", {{0, 16}}, 1, 1024}, {"B", {{16, 32}}, 1, 1024}, {"C", {{32, 48}}, 1, 1024}};
        const ControllerMap m(c, kPage);
        std::vector<std::uint64_t> o3(3, 0);
        m.add_bytes(0, 0, kPage, o3); // stripes 0,1,2,0
        CHECK(o3 == std::vector<std::uint64_t>{2048, 1024, 1024});
        CHECK_THROWS_AS(m.add_bytes(48, 0, kPage, o3), BandwidthError);
    }
}

namespace {
std::vector<std::uint64_t> ends(BufferProfile& b) {
    std::vector<std::uint64_t> e;
    for (const Segment& s : b.segments()) e.push_back(s.end);
    return e;
}
std::vector<Draw> draws_of(BufferProfile& b, std::size_t i) {
    const std::span<const Draw> d = b.draws(b.segments()[i]);
    return {d.begin(), d.end()};
}
} // namespace

TEST_CASE("buffer profile: merged segments", "[bandwidth]") {
    const ControllerMap m = two_memcs(1, 1);
    SECTION("64 MiB on one controller is one segment, not 1024 chunks") {
        BufferProfile b(m, 64 << 10, pages_on(1, 0, 16384));
        CHECK(b.bytes() == 64ull << 20);
        CHECK(b.chunks() == 1024);
        CHECK(ends(b) == std::vector<std::uint64_t>{64ull << 20});
        CHECK(draws_of(b, 0) == std::vector<Draw>{{1, 1.0}});
    }
    SECTION("half on each controller: two segments meeting at the midpoint") {
        BufferProfile b(m, 64 << 10, concat(pages_on(0, 0, 32), pages_on(1, 0, 32)));
        CHECK(ends(b) == std::vector<std::uint64_t>{128 << 10, 256 << 10});
        CHECK(draws_of(b, 0) == std::vector<Draw>{{0, 1.0}});
        CHECK(draws_of(b, 1) == std::vector<Draw>{{1, 1.0}});
        CHECK(b.find_segment(0) == 0);
        CHECK(b.find_segment((128 << 10) - 1) == 0);
        CHECK(b.find_segment(128 << 10) == 1);
    }
    SECTION("alternating pages: every 64 KiB chunk is 50/50, one segment") {
        BufferProfile b(m, 64 << 10, alternating(0, 64));
        CHECK(ends(b) == std::vector<std::uint64_t>{256 << 10});
        CHECK(draws_of(b, 0) == std::vector<Draw>{{0, 0.5}, {1, 0.5}});
    }
    SECTION("chunks smaller than a page follow the pages") {
        BufferProfile b(m, 1024, alternating(0, 3));
        CHECK(b.chunks() == 12);
        CHECK(ends(b) == std::vector<std::uint64_t>{4096, 8192, 12288});
    }
    SECTION("a short last chunk with the same fractions merges") {
        BufferProfile b(m, 8192, pages_on(0, 0, 5)); // chunks 8K, 8K, 4K
        CHECK(b.chunks() == 3);
        CHECK(ends(b) == std::vector<std::uint64_t>{20480});
    }
    SECTION("a chunk split 3:1 is its own segment") {
        std::vector<Pfn> p = pages_on(0, 0, 8);
        p[7] = kMemc1Base; // chunk 1 = pages 4..7: 3 on MEMC0, 1 on MEMC1
        BufferProfile b(m, 16384, p);
        CHECK(ends(b) == std::vector<std::uint64_t>{16384, 32768});
        CHECK(draws_of(b, 1) == std::vector<Draw>{{0, 0.75}, {1, 0.25}});
    }
    SECTION("empty buffer") {
        BufferProfile b(m, 64 << 10, {});
        CHECK(b.bytes() == 0);
        CHECK(b.segments().empty());
    }
    SECTION("bad pages are refused") {
        CHECK_THROWS_AS(BufferProfile(m, 64 << 10, {kMemcPages}), BandwidthError);
        CHECK_THROWS_AS(BufferProfile(m, 0, {0}), BandwidthError);
    }
}

TEST_CASE("buffer profile: moved pages re-segment; bad moves change nothing", "[bandwidth]") {
    const ControllerMap m = two_memcs(1, 1);
    BufferProfile b(m, 16384, pages_on(0, 0, 16)); // 4 chunks, one segment
    REQUIRE(ends(b) == std::vector<std::uint64_t>{65536});
    const std::vector<Pfn> moved = pages_on(1, 100, 4);
    b.set_pages(m, 8, moved); // chunk 2 now on MEMC1
    CHECK(ends(b) == std::vector<std::uint64_t>{32768, 49152, 65536});
    CHECK(draws_of(b, 1) == std::vector<Draw>{{1, 1.0}});
    CHECK(b.pages()[9] == kMemc1Base + 101);

    const std::vector<Pfn> bad{kMemcPages};
    CHECK_THROWS_AS(b.set_pages(m, 0, bad), BandwidthError);
    CHECK_THROWS_AS(b.set_pages(m, 15, moved), BandwidthError);
    CHECK(b.pages()[0] == 0);
    CHECK(ends(b) == std::vector<std::uint64_t>{32768, 49152, 65536});

    b.set_pages(m, 8, pages_on(0, 8, 4)); // back home: one segment again
    CHECK(ends(b) == std::vector<std::uint64_t>{65536});
}
