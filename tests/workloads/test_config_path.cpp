// SPDX-License-Identifier: GPL-2.0-only
// `--set PATH=VALUE`: path syntax, rebuilding the tree along the path, a machine given by
// name inlined when a path goes into it, parameter paths, and the errors (where and what).
#include "workloads/config_path.h"
#include "workloads/scenario_yaml.h"
#include "workloads/yaml_loader.h"

#include <catch2/catch.hpp>

using namespace pagesim;

TEST_CASE("config paths: syntax", "[yaml][set]") {
    const auto s = parse_config_path("machine.controllers[1].bandwidth");
    REQUIRE(s.size() == 4);
    CHECK(s[0].key == "machine");
    CHECK((s[2].is_index && s[2].index == 1));
    CHECK(s[3].key == "bandwidth");
    CHECK(parse_config_path("a[0][2]").size() == 3);
    CHECK(is_config_path("a.b"));
    CHECK(is_config_path("a[1]"));
    CHECK_FALSE(is_config_path("thp"));
    for (const char* bad : {"", ".a", "a.", "a..b", "[1]", "a[x]", "a[]", "a[1", "a[1]b", "a b"})
        CHECK_THROWS_AS(parse_config_path(bad), std::invalid_argument);
}

TEST_CASE("config paths: set a value, keep the rest", "[yaml][set]") {
    const ConfigNode root = parse_yaml("a: {b: [1, {c: 2}], d: x}\ne: 3\n", "t.yaml");
    const ConfigNode out = set_config_path(root, "a.b[1].c", ConfigNode::scalar("9"));
    CHECK(out.find("a")->find("b")->items()[1].find("c")->text() == "9");
    CHECK(out.find("a")->find("b")->items()[0].mark().line == 1); // others keep their marks
    CHECK(out.find("e")->text() == "3");
    CHECK(set_config_path(root, "a.new", ConfigNode::scalar("1")).find("a")->find("new")->text() ==
          "1");
    CHECK_THROWS_WITH(
        set_config_path(root, "a.b", ConfigNode::scalar("1")),
        "t.yaml:1:8: error: --set a.b: 'a.b' is a sequence; --set replaces single values only");
    CHECK_THROWS_WITH(set_config_path(root, "a.x.y", ConfigNode::scalar("1")),
                      "t.yaml:1:4: error: --set a.x.y: no key 'x' in 'a' (did you mean 'b'?)");
    CHECK_THROWS_WITH(
        set_config_path(root, "a.b[2].c", ConfigNode::scalar("1")),
        "t.yaml:1:8: error: --set a.b[2].c: index [2] is out of range ('a.b' has 2 items)");
    CHECK_THROWS_WITH(set_config_path(root, "e.f", ConfigNode::scalar("1")),
                      "t.yaml:2:4: error: --set e.f: 'e' is not a map, so it has no key 'f'");
}

TEST_CASE("scenario --set by path: machine values, layouts, parameters", "[yaml][set][scenario]") {
    const Scenario base = load_scenario("thread_test");
    const Scenario slow =
        load_scenario("thread_test", {{"machine.controllers[1].bandwidth", "4.8GB/s"}});
    CHECK(slow.machine.controllers.at(1).bandwidth == 4.8e9);
    CHECK(slow.machine.controllers.at(0).bandwidth == base.machine.controllers.at(0).bandwidth);
    const Scenario l = load_scenario("thread_test", {{"layouts.none", "movablecore=100M"},
                                                     {"duration", "2s"},
                                                     {"seed", "7"},
                                                     {"workload.processes[0].instances", "2"}});
    CHECK(l.layouts.at(0).cmdline == "movablecore=100M");
    CHECK(l.duration_ns == 2'000'000'000);
    CHECK(l.seed == 7);
    CHECK(l.workload.processes.at(0).instances == 2);
    const Scenario p = load_scenario("thread_test", {{"params.thp", "false"}});
    bool thp = true;
    for (const auto& [k, v] : p.params)
        if (k == "thp") thp = v == "true";
    CHECK_FALSE(thp);
    // The value is checked where the file's own value would be, and named by the override.
    CHECK_THROWS_WITH(load_scenario("thread_test", {{"machine.controllers[1].bandwidth", "fast"}}),
                      Catch::StartsWith("--set machine.controllers[1].bandwidth=fast: error: "));
    CHECK_THROWS_WITH(
        load_scenario("thread_test", {{"machine.controlers[1].bandwidth", "1GB/s"}}),
        Catch::Contains("no key 'controlers' in 'machine' (did you mean 'controllers'?)"));
    CHECK_THROWS_WITH(load_scenario("thread_test", {{"duration", "0s"}}),
                      "--set duration=0s: error: the duration must be above 0");
    CHECK_THROWS_WITH(load_scenario("thread_test", {{"nothp", "1"}}),
                      Catch::Contains("--set nothp: the scenario has no parameter 'nothp'"));
}
