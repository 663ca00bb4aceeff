// SPDX-License-Identifier: GPL-2.0-only
// GFP flags: values, gfp_zone, gfp_migratetype, ftrace rendering and parsing (spec §6.1,
// §6.2, §8.5).
#include "allocator/gfp.h"

#include <catch2/catch.hpp>

using namespace pagesim;

TEST_CASE("gfp_to_string renders like show_gfp_flags", "[gfp]") {
    CHECK(gfp_to_string(0) == "none");
    CHECK(gfp_to_string(0xcc0) == "GFP_KERNEL");
    CHECK(gfp_to_string(0x140cc0) == "GFP_USER|__GFP_COMP");
    CHECK(gfp_to_string(0x100cca) == "GFP_HIGHUSER_MOVABLE");
    CHECK(gfp_to_string(0xa20) == "GFP_ATOMIC");
    CHECK(gfp_to_string(0x2a20) == "GFP_ATOMIC|__GFP_NOWARN");
    CHECK(gfp_to_string(0x800) == "GFP_NOWAIT");
    CHECK(gfp_to_string(0x1c20ca) == "GFP_TRANSHUGE_LIGHT");
    CHECK(gfp_to_string(GFP_KERNEL_ACCOUNT | gfp::kZero) == "GFP_KERNEL_ACCOUNT|__GFP_ZERO");
    CHECK(gfp_to_string(GFP_HIGHUSER_MOVABLE | gfp::kComp | gfp::kZero) ==
          "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO");
    CHECK(gfp_to_string(0x10000000) == "0x10000000");
    CHECK(gfp_to_string(gfp::kDma32 | 0x40000000) == "GFP_DMA32|0x40000000");
}

TEST_CASE("gfp_parse inverts the rendering and accepts user spellings", "[gfp]") {
    for (GfpFlags g : {0u, 0xcc0u, 0x140cc0u, 0x100ccau, 0xa20u, 0x2a20u, 0x1c24cau, 0x400dc0u,
                       0x10000000u, 0x100cc2u}) {
        auto back = gfp_parse(gfp_to_string(g));
        REQUIRE(back);
        CHECK(*back == g);
    }
    CHECK(gfp_parse(" GFP_KERNEL | __GFP_COMP ") == (GFP_KERNEL | gfp::kComp));
    CHECK(gfp_parse("__GFP_DMA32|__GFP_RECLAIMABLE") == (gfp::kDma32 | gfp::kReclaimable));
    CHECK(gfp_parse("0x40") == gfp::kIo);
    std::string bad;
    CHECK_FALSE(gfp_parse("GFP_KERNEL|GFP_KERNAL", &bad));
    CHECK(bad == "GFP_KERNAL");
    CHECK_FALSE(gfp_parse("", &bad));
    CHECK_FALSE(gfp_parse("GFP_KERNEL|", &bad));
}

TEST_CASE("gfp_zone and gfp_migratetype", "[gfp]") {
    ZoneType z{};
    REQUIRE(gfp_zone_type(GFP_KERNEL, z));
    CHECK(z == ZONE_NORMAL);
    REQUIRE(gfp_zone_type(GFP_HIGHUSER_MOVABLE, z));
    CHECK(z == ZONE_MOVABLE);
    REQUIRE(gfp_zone_type(GFP_HIGHUSER, z));
    CHECK(z == ZONE_HIGHMEM);
    REQUIRE(gfp_zone_type(GFP_DMA32 | gfp::kMovable, z));
    CHECK(z == ZONE_DMA32);
    REQUIRE(gfp_zone_type(gfp::kMovable, z));
    CHECK(z == ZONE_NORMAL);
    CHECK_FALSE(gfp_zone_type(gfp::kDma | gfp::kDma32, z));
    CHECK(gfp_migratetype(GFP_KERNEL) == MIGRATE_UNMOVABLE);
    CHECK(gfp_migratetype(GFP_HIGHUSER_MOVABLE) == MIGRATE_MOVABLE);
    CHECK(gfp_migratetype(GFP_KERNEL | gfp::kReclaimable) == MIGRATE_RECLAIMABLE);
}
