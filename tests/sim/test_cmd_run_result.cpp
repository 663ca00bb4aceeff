// SPDX-License-Identifier: GPL-2.0-only
// `pagesim run --out FILE.json`: one result file holding the summary, the inputs and the
// metrics, written atomically (no temporary left, nothing else in the folder); `--out DIR`
// is unchanged.
#include "sim/cmd_run.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace pagesim;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& tag) {
    const fs::path p =
        fs::temp_directory_path() / ("pagesim-test-run-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

std::vector<std::string> names(const fs::path& dir) {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
}

} // namespace

TEST_CASE("run --out FILE.json writes one result file", "[run][sweep]") {
    const fs::path dir = fresh_dir("file");
    RunCommand c;
    c.scenario = "thread_test";
    c.layout = "dmb_split";
    c.seed = 3;
    c.set = {"machine.controllers[1].bandwidth=4.8GB/s", "thp=false"};
    c.until = "300ms";
    c.format = "json";
    c.out = (dir / "results" / "x.json").string();
    std::ostringstream out, err;
    REQUIRE(run_command(c, out, err) == 0);
    CHECK(names(dir / "results") == std::vector<std::string>{"x.json"});
    std::ifstream in(c.out);
    const nlohmann::json j = nlohmann::json::parse(in);
    const nlohmann::json printed = nlohmann::json::parse(out.str());
    for (const auto& [k, v] : printed.items()) CHECK(j.at(k) == v); // what --format json prints
    CHECK(j["inputs"]["scenario"] == "thread_test");
    CHECK(j["inputs"]["layout"] == "dmb_split");
    CHECK(j["inputs"]["cmdline"] == "movablecore=300M@0x60000000,300M@0x320000000");
    CHECK(j["inputs"]["seed"] == 3);
    CHECK(
        j["inputs"]["overrides"] ==
        nlohmann::json::array({{"machine.controllers[1].bandwidth", "4.8GB/s"}, {"thp", "false"}}));
    bool share = false;
    for (const auto& m : j["metrics"]) share = share || m["name"] == "bandwidth.MEMC1.share_user";
    CHECK(share);
    fs::remove_all(dir);
}

TEST_CASE("run --out DIR keeps the directory outputs; bad --out is bad input", "[run][sweep]") {
    const fs::path dir = fresh_dir("dir");
    RunCommand c;
    c.scenario = "thread_test";
    c.until = "100ms";
    c.out = (dir / "o").string();
    std::ostringstream out, err;
    REQUIRE(run_command(c, out, err) == 0);
    CHECK(names(dir / "o") == std::vector<std::string>{"buddyinfo", "pagetypeinfo", "summary.json",
                                                       "timeseries.csv", "vmstat", "zoneinfo"});
    fs::create_directories(dir / "d.json");
    c.out = (dir / "d.json").string();
    CHECK(run_command(c, out, err) == 2);
    fs::remove_all(dir);
}
