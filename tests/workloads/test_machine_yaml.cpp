// SPDX-License-Identifier: GPL-2.0-only
// Machine files: every bundled machine loads and round-trips; bad files fail with the
// exact file:line:col (1-based) and a useful message.
#include "allocator/cmdline.h"
#include "allocator/layout.h"
#include "workloads/config_node.h"
#include "workloads/machine_yaml.h"
#include "workloads/yaml_loader.h"

#include <catch2/catch.hpp>

using namespace pagesim;

namespace {

std::string bad(const std::string& name) {
    std::string p = PAGESIM_TEST_DATA;
    p += "/bad/";
    p += name;
    return p;
}

// The ConfigError message of loading `file`, or "" if it loads.
std::string error_of(const std::string& file) {
    try {
        load_machine(bad(file));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("bad machine files report file:line:col", "[yaml]") {
    const std::string d = bad("");
    CHECK(error_of("unknown_key.yaml") ==
          d + "unknown_key.yaml:3:1: error: unknown key 'cpuss' in machine (did you mean 'cpus'?)");
    CHECK(error_of("bad_size.yaml") ==
          d + "bad_size.yaml:6:11: error: unknown size unit 'parsecs' in '12 parsecs'");
    CHECK(error_of("wrong_type.yaml") ==
          d + "wrong_type.yaml:3:7: error: expected a value, got a list");
    CHECK(error_of("missing_field.yaml") ==
          d + "missing_field.yaml:6:5: error: missing required key 'base' in memory range");
    CHECK(error_of("nested_unknown.yaml") ==
          d + "nested_unknown.yaml:10:5: error: unknown key 'sise' in reservation (did you "
              "mean 'size'?)");
    CHECK(error_of("bad_choice.yaml") ==
          d + "bad_choice.yaml:2:7: error: expected one of x86_64, arm64, arm, got 'arm65' "
              "(did you mean 'arm64'?)");
    CHECK(error_of("duplicate.yaml") == d + "duplicate.yaml:4:1: error: duplicate key 'cpus'");
    CHECK(error_of("overlap.yaml") == d + "overlap.yaml:6:5: error: overlaps another memory range");
    CHECK(error_of("bad_bandwidth.yaml").rfind(d + "bad_bandwidth.yaml:9:16: error: ", 0) == 0);
    const std::string syntax = error_of("syntax.yaml");
    CHECK(syntax.rfind(d + "syntax.yaml:", 0) == 0);
    CHECK(syntax.find(": error: ") != std::string::npos);
    CHECK(error_of("does_not_exist.yaml") ==
          d + "does_not_exist.yaml: error: cannot read the file");
}

TEST_CASE("every bundled machine loads, boots cleanly and round-trips", "[yaml]") {
    const std::vector<std::string> names = bundled_machines();
    CHECK(names == std::vector<std::string>{"bcm7278", "bcm7445", "qemu_x86_2G", "qemu_x86_4G",
                                            "qemu_x86_8G_2nodes"});
    for (const std::string& n : names) {
        INFO(n);
        const Machine m = load_machine(n);
        LayoutOptions strict;
        strict.strict = true;
        const Layout L = compute_layout(m, parse_cmdline(m.default_cmdline), strict);
        const std::string yaml = to_yaml(machine_to_config(m));
        const Machine back = machine_from_config(parse_yaml(yaml, "echo.yaml"));
        CHECK(to_yaml(machine_to_config(back)) == yaml);
        const Layout L2 = compute_layout(back, parse_cmdline(back.default_cmdline));
        CHECK(L2.reserved == L.reserved);
        CHECK(L2.membership.size() == L.membership.size());
    }
}

TEST_CASE("machine defaults per architecture and page size", "[yaml]") {
    const Machine m = machine_from_config(parse_yaml(
        "name: t\narch: arm64\npage_size: 64K\ncpus: 1\nmemory: [{base: 0x4000_0000, size: 4G}]\n",
        "t.yaml"));
    CHECK(m.kconfig.page_shift == 16);
    CHECK(m.kconfig.max_order == 14);
    CHECK(m.kconfig.pageblock_order == 13);
    CHECK(m.kconfig.section_size_bits == 29);
    const Machine s = machine_from_config(parse_yaml(
        "name: t\narch: arm64\npage_size: 16K\ncpus: 1\nmemory: [{base: 0x4000_0000, size: 4G}]\n",
        "t.yaml"));
    CHECK(s.kconfig.max_order == 12);
    CHECK(s.kconfig.pageblock_order == 11);
    CHECK_THROWS_WITH(
        machine_from_config(parse_yaml("name: t\narch: x86_64\npage_size: 16K\ncpus: 1\n"
                                       "memory: [{base: 0, size: 1G}]\n",
                                       "p.yaml")),
        "p.yaml:3:12: error: page_size must be 4K on this arch");
}

TEST_CASE("ConfigNode accessors and the YAML emitter", "[yaml]") {
    const ConfigNode n = parse_yaml("a: 0x10\nb: \"12\"\nc: yes\nd: [1, two]\ne:\n  f: 10ms\n"
                                    "g: 'x: y'\n",
                                    "n.yaml");
    CHECK(n.find("a")->as_uint() == 16);
    CHECK_THROWS_WITH(n.find("b")->as_int(), "n.yaml:2:4: error: expected an integer, got '12'");
    CHECK(n.find("c")->as_bool());
    CHECK(n.find("d")->items()[1].as_string() == "two");
    CHECK(n.find("e")->find("f")->as_duration() == 10'000'000);
    const std::string y = to_yaml(n);
    CHECK(y == "a: 0x10\nb: \"12\"\nc: yes\nd: [1, two]\ne:\n  f: 10ms\ng: \"x: y\"\n");
    MapReader r(n, "test");
    r.required("a");
    CHECK_THROWS_WITH(r.required("zz"), "n.yaml:1:1: error: missing required key 'zz' in test");
    CHECK_THROWS_AS(r.finish(), ConfigError);
    CHECK(closest_match("bandwith", {"bandwidth", "ranges"}) == "bandwidth");
    CHECK(closest_match("qqq", {"bandwidth", "ranges"}).empty());
}
