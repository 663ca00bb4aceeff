// SPDX-License-Identifier: GPL-2.0-only
// `pagesim layout` as a user runs it: formats, exit codes, error messages.
#include "sim/cmd_layout.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace pagesim;

namespace {
int run(LayoutCommandOptions o, std::string& out, std::string& err) {
    std::ostringstream os, es;
    const int rc = run_layout_command(o, os, es);
    out = os.str();
    err = es.str();
    return rc;
}
} // namespace

TEST_CASE("pagesim layout: table, dmesg and json", "[cli]") {
    LayoutCommandOptions o;
    o.machine = "bcm7278";
    o.cmdline = "movablecore=300M@0x60000000,300M@0x320000000";
    std::string out, err;
    REQUIRE(run(o, out, err) == 0);
    CHECK(err.empty());
    CHECK(out.find("MEMC0           0 Movable       76800     300.0") != std::string::npos);
    CHECK(out.find("MEMC1           0 Movable       76800     300.0") != std::string::npos);
    o.format = "dmesg";
    REQUIRE(run(o, out, err) == 0);
    CHECK(out.rfind("Zone ranges:\n  DMA      [mem 0x0000000040000000-0x00000000ffffffff]\n", 0) ==
          0);
    o.format = "json";
    REQUIRE(run(o, out, err) == 0);
    const auto j = nlohmann::json::parse(out);
    CHECK(j["dmbs"].size() == 2);
    CHECK(j["nodes"][0]["zones"][3]["present"] == 153600);
    CHECK(j["nodes"][0]["zones"][0]["managed"] == 185344 - 22965);
}

TEST_CASE("pagesim layout: errors and exit codes", "[cli]") {
    LayoutCommandOptions o;
    std::string out, err;
    o.machine = std::string(PAGESIM_TEST_DATA) + "/bad/unknown_key.yaml";
    CHECK(run(o, out, err) == 2);
    CHECK(err.find("unknown_key.yaml:3:1: error: unknown key 'cpuss'") != std::string::npos);
    o.machine = "bcm7278";
    o.cmdline = "pagesim.dmb=v7";
    CHECK(run(o, out, err) == 2);
    CHECK(err.find("'pagesim.dmb=v7'") != std::string::npos);
    o.cmdline = "movablecore=256M@2G";
    CHECK(run(o, out, err) == 0);
    CHECK(err.find("warning: ") != std::string::npos);
    o.strict = true;
    CHECK(run(o, out, err) == 2);
    o.strict = false;
    o.cmdline.reset();
    o.format = "zoneinfo";
    CHECK(run(o, out, err) == 1); // needs the allocator core's hook
    set_zoneinfo_renderer(
        [](const Machine& m, const Layout&) { return "zoneinfo of " + m.name + "\n"; });
    CHECK(run(o, out, err) == 0);
    CHECK(out == "zoneinfo of bcm7278\n");
    set_zoneinfo_renderer({});
    o.format = "xml";
    CHECK(run(o, out, err) == 2);
}
