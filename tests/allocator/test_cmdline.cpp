// SPDX-License-Identifier: GPL-2.0-only
// The kernel command-line primitives: memparse, kstrtobool, next_arg's quoting,
// cmdline_parse_core, classification of parameters and pagesim's own options.
#include "allocator/cmdline.h"

#include <catch2/catch.hpp>

using namespace pagesim;

TEST_CASE("memparse: base 0 and K..E suffixes", "[cmdline]") {
    std::size_t end = 0;
    CHECK(memparse("0x10", &end) == 16);
    CHECK(end == 4);
    CHECK(memparse("010") == 8); // leading 0: octal
    CHECK(memparse("09", &end) == 0);
    CHECK(end == 1); // '9' is not octal
    CHECK(memparse("1G") == (1ull << 30));
    CHECK(memparse("4k") == 4096);
    CHECK(memparse("1E") == (1ull << 60));
    CHECK(memparse("12G") == 12ull << 30);
    CHECK(memparse("0x3_0000") == 3); // no '_' in the kernel's number syntax
    CHECK(memparse("256M@0x70000000", &end) == 256ull << 20);
    CHECK(end == 4);
    CHECK(memparse("0x", &end) == 0);
    CHECK(end == 1);
    CHECK(memparse("", &end) == 0);
    CHECK(end == 0);
}

TEST_CASE("kstrtobool", "[cmdline]") {
    CHECK(kstrtobool("1") == true);
    CHECK(kstrtobool("Yes") == true);
    CHECK(kstrtobool("on") == true);
    CHECK(kstrtobool("off") == false);
    CHECK(kstrtobool("N") == false);
    CHECK_FALSE(kstrtobool("o").has_value());
    CHECK_FALSE(kstrtobool("2").has_value());
}

TEST_CASE("cmdline_parse_core pieces", "[cmdline]") {
    CHECK(parse_core_value("10%", true, true).kind == CoreValue::Kind::Percent);
    CHECK(parse_core_value("10%junk", true, true).percent == 10); // the kernel stops at '%'
    const CoreValue b = parse_core_value("256M@0x70000000", true, true);
    CHECK(b.kind == CoreValue::Kind::Block);
    CHECK(b.base == 0x70000000);
    CHECK(parse_core_value("256M@0x7000000x", true, true).kind == CoreValue::Kind::Malformed);
    CHECK(parse_core_value("256Q", true, true).kind == CoreValue::Kind::Malformed);
    CHECK(parse_core_value("256Q", false, false).kind == CoreValue::Kind::Size); // plain 6.1
    CHECK(parse_core_value("256M@1G", false, false).bytes == 256ull << 20);
}

TEST_CASE("next_arg tokenizing and classification", "[cmdline]") {
    const CmdLine c = parse_cmdline("  console=ttyS0 \"quoted=a b\" x=\"c d\" movablecore=1G "
                                    "kernelcore movable-node crashkernel=256M foo=bar");
    REQUIRE(c.params.size() == 8);
    CHECK(c.params[1].name == "quoted");
    CHECK(c.params[1].value == "a b");
    CHECK(c.params[2].value == "c d");
    CHECK(c.movablecore.size() == 1); // '-' == '_' (parameq)
    CHECK(c.kernelcore.size() == 1);
    CHECK_FALSE(c.kernelcore[0].has_value());
    CHECK(c.movable_node);
    REQUIRE(c.warnings.size() == 4); // quoted, x, crashkernel (not modelled), foo
    CHECK(c.warnings[2].find("not modelled") != std::string::npos);
    CHECK(c.warnings[3].find("'foo=bar'") != std::string::npos);
}

TEST_CASE("pagesim options are strict", "[cmdline]") {
    const CmdLine c = parse_cmdline("pagesim.dmb=v2 pagesim.hotplug=256M@0x70000000:online_movable,"
                                    "128M@0x80000000:online_kernel pagesim.fake_numa=controllers");
    CHECK(c.dmb_rule == "v2");
    REQUIRE(c.hotplug.size() == 2);
    CHECK(c.hotplug[0].movable);
    CHECK_FALSE(c.hotplug[1].movable);
    CHECK(c.fake_numa_per_controller);
    try {
        parse_cmdline("pagesim.hotplug=256M@0x70000000:sideways");
        FAIL("no error");
    } catch (const CmdlineError& e) {
        CHECK(e.token() == "pagesim.hotplug=256M@0x70000000:sideways");
    }
    const CmdLine r =
        parse_cmdline("pagesim.rmem=cma0:300M@0x60000000:reusable,bmem1:64M@0x320000000:no-map");
    REQUIRE(r.rmem.size() == 2);
    CHECK(r.rmem[0].name == "cma0");
    CHECK(r.rmem[0].size == 300ull << 20);
    CHECK(r.rmem[0].base == 0x60000000);
    CHECK(r.rmem[0].reusable);
    CHECK(r.rmem[1].name == "bmem1");
    CHECK(r.rmem[1].base == 0x320000000);
    CHECK_FALSE(r.rmem[1].reusable);
    for (const char* bad : {"pagesim.rmem=300M@0x60000000:reusable", // no name
                            "pagesim.rmem=cma0:300M@0x60000000",     // no kind
                            "pagesim.rmem=cma0:300M@0x60000000:shared",
                            "pagesim.rmem=cma0:300M:reusable", // no base
                            "pagesim.rmem=a:1M@0x1000:no-map,a:1M@0x200000:no-map"}) {
        INFO(bad);
        try {
            parse_cmdline(bad);
            FAIL("no error");
        } catch (const CmdlineError& e) {
            CHECK(e.token() == bad);
        }
    }
    CHECK_THROWS_AS(parse_cmdline("pagesim.dmb=v9"), CmdlineError);
    CHECK_THROWS_WITH(parse_cmdline("pagesim.stickymovable=1"),
                      Catch::Contains("unknown pagesim option"));
}
