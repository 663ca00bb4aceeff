// SPDX-License-Identifier: GPL-2.0-only
// The bundled scenarios end to end through `pagesim run` (run_command): each one's
// summary shows what the scenario is about, layout against layout; same seed, same bytes.
#include "sim/cmd_run.h"
#include "workloads/scenario_yaml.h"
#include "workloads/yaml_loader.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace pagesim;
using nlohmann::json;

namespace {

struct Run {
    int rc = 0;
    std::string out, err;
    json j;
};

Run run(const std::string& scenario, const std::string& layout, std::vector<std::string> set = {},
        std::string out_dir = {}, std::optional<std::uint64_t> seed = {}) {
    RunCommand cmd;
    cmd.scenario = scenario;
    cmd.layout = layout;
    cmd.set = std::move(set);
    cmd.format = "json";
    cmd.out = std::move(out_dir);
    cmd.seed = seed;
    std::ostringstream o, e;
    Run r;
    r.rc = run_command(cmd, o, e);
    r.out = o.str();
    r.err = e.str();
    if (r.rc == 0) r.j = json::parse(r.out);
    return r;
}

Run ok(const std::string& scenario, const std::string& layout, std::vector<std::string> set = {}) {
    Run r = run(scenario, layout, std::move(set));
    INFO(r.err);
    REQUIRE(r.rc == 0);
    return r;
}

const json& controller(const json& j, const std::string& name) {
    for (const json& c : j["controllers"])
        if (c["controller"] == name) return c;
    FAIL("no controller " << name);
    return j;
}

const json* zone(const json& j, const std::string& name) {
    for (const json& z : j["zones"])
        if (z["zone"] == name) return &z;
    return nullptr;
}

std::uint64_t allocated(const json& where, const char* type) {
    return where["allocated"][type]["pages"].get<std::uint64_t>();
}

// Unmovable + reclaimable pages allocated over all zones: the kernel memory that fit.
std::uint64_t kernel_pages(const json& j) {
    std::uint64_t n = 0;
    for (const json& z : j["zones"]) n += allocated(z, "Unmovable") + allocated(z, "Reclaimable");
    return n;
}

// No unmovable or reclaimable page ever lands in ZONE_MOVABLE.
void check_movable_zone_is_user_only(const json& j) {
    if (const json* m = zone(j, "Movable")) {
        CHECK(allocated(*m, "Unmovable") == 0);
        CHECK(allocated(*m, "Reclaimable") == 0);
    }
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

constexpr std::uint64_t kThreadTestPages = 4 * 2 * (64 << 20) / 4096; // 131072

} // namespace

TEST_CASE("thread_test: 4 x 2 x 64 MiB touched, and where it landed", "[e2e][scenarios]") {
    const Run none = ok("thread_test", "none");
    const json& j = none.j;
    CHECK(j["failures"] == 0);
    // THP (the machine's kernel has transparent_hugepage=always): 2 MiB faults, and a
    // page-table page for each 2 MiB of the 512 MiB.
    CHECK(j["thp"]["fault_alloc"] == 256);
    CHECK(j["thp"]["fault_fallback"] == 0);
    CHECK(j["page_table_pages"] == 256);
    CHECK(allocated(controller(j, "MEMC0"), "Movable") == 0); // MEMC0 is ZONE_DMA: unused
    CHECK(allocated(controller(j, "MEMC1"), "Movable") == kThreadTestPages);
    CHECK(allocated(controller(j, "MEMC1"), "Unmovable") == 256);

    // Both DMBs hold user pages: the buffers spread over the two controllers.
    const Run split = ok("thread_test", "dmb_split");
    const std::uint64_t m0 = allocated(controller(split.j, "MEMC0"), "Movable");
    const std::uint64_t m1 = allocated(controller(split.j, "MEMC1"), "Movable");
    CHECK(m0 + m1 == kThreadTestPages);
    CHECK(m0 > 0);
    CHECK(m1 > 0);
    CHECK(m0 <= 300 * 256); // each DMB is 300 MiB
    CHECK(m1 <= 300 * 256);
    CHECK(allocated(*zone(split.j, "Movable"), "Movable") == kThreadTestPages);
    check_movable_zone_is_user_only(split.j);

    // The one DMB on MEMC0 takes it all; classic movablecore and shuffle stay on MEMC1.
    CHECK(allocated(controller(ok("thread_test", "dmb_memc0").j, "MEMC0"), "Movable") ==
          kThreadTestPages);
    CHECK(allocated(controller(ok("thread_test", "movablecore").j, "MEMC1"), "Movable") ==
          kThreadTestPages);
    // Shuffling works within a zone, and each zone is on one controller (dmb.md §2.1).
    CHECK(allocated(controller(ok("thread_test", "shuffle").j, "MEMC0"), "Movable") == 0);
    const Run ss = ok("thread_test", "dmb_split_shuffle");
    CHECK(allocated(controller(ss.j, "MEMC0"), "Movable") > 0);
    CHECK(allocated(controller(ss.j, "MEMC1"), "Movable") > 0);
}

TEST_CASE("thread_test parameters: no THP, interleaved first touch", "[e2e][scenarios]") {
    const Run small = ok("thread_test", "none", {"thp=false"});
    CHECK(small.j["thp"]["fault_alloc"] == 0);
    CHECK(small.j["allocs"] == kThreadTestPages + 256);
    CHECK(small.j["page_table_pages"] == 256);
    const json& o0 = small.j["controllers"][1]["allocated"]["Movable"]["blocks_by_order"];
    CHECK(o0[0] == kThreadTestPages);

    const Run inter = ok("thread_test", "dmb_split", {"first_touch=interleaved", "thp=false"});
    const std::uint64_t m0 = allocated(controller(inter.j, "MEMC0"), "Movable");
    const std::uint64_t m1 = allocated(controller(inter.j, "MEMC1"), "Movable");
    CHECK(m0 + m1 == kThreadTestPages);
    CHECK(m0 > 0);
    CHECK(m1 > 0);
}

TEST_CASE("android_tv: apps come and go; DMBs spread them, kernel memory stays out",
          "[e2e][scenarios]") {
    const Run none = ok("android_tv", "none");
    const Run split = ok("android_tv", "dmb_split");
    for (const Run* r : {&none, &split}) {
        const json& j = r->j;
        CHECK(j["failures"] == 0);
        CHECK(j["frees"].get<std::uint64_t>() > j["allocs"].get<std::uint64_t>() / 2); // exits
        CHECK(j["thp"]["fault_alloc"].get<std::uint64_t>() > 0);                       // media
        CHECK(j["page_table_pages"].get<std::uint64_t>() > 1000);
        check_movable_zone_is_user_only(j);
        CHECK(allocated(controller(j, "MEMC1"), "Reclaimable") > 0); // dentries, inodes
    }
    // Without ZONE_MOVABLE every user page of the day is on MEMC1 (ZONE_NORMAL fills first);
    // with a DMB on each controller both serve the apps.
    CHECK(allocated(controller(none.j, "MEMC0"), "Movable") == 0);
    CHECK(allocated(controller(split.j, "MEMC0"), "Movable") > 100000);
    CHECK(allocated(controller(split.j, "MEMC1"), "Movable") > 100000);
    // The same work either way (up to THP faults that fell back to 512 pages).
    CHECK(none.j["allocs"].get<double>() == Approx(split.j["allocs"].get<double>()).epsilon(0.001));
}

TEST_CASE("video_pipeline: user space fills the decoder's DMB", "[e2e][scenarios]") {
    // ZONE_MOVABLE is only the 256 MiB DMB on MEMC0; the player's and the background apps'
    // pages resident there are what a claim of that DMB must migrate.
    const Run r = run("video_pipeline", "dmb_memc0", {"decoder_claims=false"});
    REQUIRE(r.rc == 0);
    CHECK(r.j["failures"] == 0);
    const json* movable = zone(r.j, "Movable");
    REQUIRE(movable != nullptr);
    CHECK((*movable)["managed"] == 65536);
    CHECK(controller(r.j, "MEMC0")["resident_user_pages"].get<std::uint64_t>() > 32768);
    CHECK((*movable)["free"].get<std::int64_t>() < 32768);
    check_movable_zone_is_user_only(r.j);
    const Run split = run("video_pipeline", "dmb_split", {"decoder_claims=false"});
    REQUIRE(split.rc == 0);
    CHECK(controller(split.j, "MEMC0")["resident_user_pages"].get<std::uint64_t>() > 0);

    // With the decoder: two rounds of 64, 128 and 256 MiB claims from MEMC0's DMB, each
    // migrating the user pages out of its window first.
    for (const char* layout : {"dmb_memc0", "dmb_split"}) {
        INFO(layout);
        const Run c = ok("video_pipeline", layout);
        const json& claims = c.j["slowpath"]["claims"];
        REQUIRE(claims.size() == 6);
        std::uint64_t migrated = 0;
        for (std::size_t i = 0; i < claims.size(); ++i) {
            CHECK(claims[i]["ok"] == true);
            CHECK(claims[i]["bytes"] == (64u << 20) << (i % 3));
            CHECK(claims[i]["latency_ns"].get<std::int64_t>() > 0);
            migrated += claims[i]["pages_migrated"].get<std::uint64_t>();
        }
        CHECK(migrated > 10000);
        CHECK(c.j["slowpath"]["pgmigrate_success"].get<std::uint64_t>() >= migrated);
        CHECK(c.j["failures"] == 0);
        check_movable_zone_is_user_only(c.j);
    }
    // With a 128 MiB DMB on MEMC0 the 256 MiB claim has no window: it fails ("no suitable range")
    // and the decoder goes on.
    RunCommand cmd;
    cmd.scenario = "video_pipeline";
    cmd.cmdline = "movablecore=128M@0x70000000";
    cmd.format = "json";
    std::ostringstream o, e;
    REQUIRE(run_command(cmd, o, e) == 0);
    const json small = json::parse(o.str());
    const json& sc3 = small["slowpath"]["claims"];
    REQUIRE(sc3.size() == 6);
    CHECK(sc3[0]["ok"] == true);
    CHECK(sc3[2]["ok"] == false);
    CHECK(sc3[2]["failure"] == "no suitable range");

    const Scenario sc = load_scenario("video_pipeline", {{"decoder_claims", "true"}});
    const Phase& claim = sc.workload.processes.at(0).phases.at(0);
    CHECK(claim.kind == Phase::Claim);
    CHECK(claim.range.kind == ClaimRange::ControllerDmb);
    CHECK(claim.range.name == "MEMC0");
    CHECK(claim.bytes == 64u << 20);
}

TEST_CASE("kernel_pressure: ZONE_MOVABLE is memory the kernel cannot use", "[e2e][scenarios]") {
    const Run none = ok("kernel_pressure", "none");
    const Run mc = ok("kernel_pressure", "movablecore");
    const Run split = ok("kernel_pressure", "dmb_split");
    const Run big = ok("kernel_pressure", "movablecore_1200M");
    auto kills = [](const Run& r) { return r.j["slowpath"]["oom_kills"].get<std::uint64_t>(); };
    for (const Run* r : {&none, &mc, &split, &big}) {
        // It runs until the kernel is out of memory: reclaim shrinks the dentry cache
        // (kswapd first), then the OOM killer picks the users (the largest RSS) first.
        CHECK(kills(*r) > 0);
        CHECK(r->j["slowpath"]["oom_log"][0]["victim"] == "users");
        CHECK(r->j["slowpath"]["pgsteal_kswapd"].get<std::uint64_t>() > 10000);
        CHECK(r->j["slowpath"]["allocstall"].get<std::uint64_t>() > 0);
        check_movable_zone_is_user_only(r->j);
        // 128 for the users' 256 MiB, and what the shells' explicit page_tables got.
        CHECK(r->j["page_table_pages"].get<std::uint64_t>() > 128 + 10000);
    }
    // Unmovable capacity: 600M of ZONE_MOVABLE (less the users' 256 MiB that sit in it)
    // is lost to the kernel, wherever the DMBs are; movablecore=1200M loses all of MEMC1.
    const std::uint64_t k_none = kernel_pages(none.j);
    const std::uint64_t k_mc = kernel_pages(mc.j);
    const std::uint64_t k_split = kernel_pages(split.j);
    const std::uint64_t k_big = kernel_pages(big.j);
    CHECK(k_none > k_mc + 50000);
    CHECK(k_none > k_split + 50000);
    CHECK(k_mc > k_big + 50000);
    CHECK(k_split > k_big + 50000);
    // Less memory for the kernel, more processes killed before it gives up: with
    // ZONE_MOVABLE every killable process goes and a kernel allocation still fails.
    CHECK(kills(none) < kills(mc));
    CHECK(kills(none) < kills(split));
    CHECK(kills(mc) < kills(big));
    CHECK(none.j["failures"] == 0);
    CHECK(big.j["failures_by_type"]["Unmovable"]["pages"].get<std::uint64_t>() > 0);
}

TEST_CASE("longterm_pin: pins migrate out of ZONE_MOVABLE, then fail", "[e2e][scenarios]") {
    // 512 MiB of guest memory and 2 x 5 x 64 MiB of memory regions are pinned.
    constexpr std::uint64_t kPinned = (512 + 640) * 256;
    const Run none = ok("longterm_pin", "none");
    CHECK(none.j["pins"]["pinned"] == kPinned);
    CHECK(none.j["pins"]["migrated"] == 0); // nothing is in ZONE_MOVABLE
    CHECK(none.j["pins"]["failed"] == 0);
    CHECK(none.j["failures"] == 0);
    for (const char* layout : {"movablecore", "dmb_split"}) {
        INFO(layout);
        const Run r = ok("longterm_pin", layout);
        CHECK(r.j["pins"]["pinned"] == kPinned);
        CHECK(r.j["pins"]["migrated"].get<std::uint64_t>() > 100000);
        CHECK(r.j["pins"]["failed"] == 0);
    }
    // 1.4 GiB movable: the kernel zones cannot hold what must be pinned. The migration
    // target's allocation (GFP_USER: may OOM) ends in an OOM kill of the pinning VM while
    // ZONE_MOVABLE has room, and its pin fails.
    const Run large = ok("longterm_pin", "dmb_large");
    CHECK(large.j["pins"]["failed"].get<std::uint64_t>() > 0);
    CHECK(large.j["slowpath"]["oom_kills"].get<std::uint64_t>() > 0);
    CHECK(large.j["slowpath"]["allocstall"].get<std::uint64_t>() > 0);
    CHECK(large.j["slowpath"]["calls"].get<std::uint64_t>() > 0);
    CHECK((*zone(large.j, "Movable"))["free"].get<std::int64_t>() > 100000);
}

TEST_CASE("thp_fragmentation: THP faults fall back under mixed-order churn", "[e2e][scenarios]") {
    for (const char* layout : {"none", "dmb_split"}) {
        INFO(layout);
        const Run r = ok("thp_fragmentation", layout);
        const json& j = r.j;
        // Four apps fault 48 aligned 2 MiB regions each: a THP or a fall-back each.
        CHECK(j["thp"]["fault_alloc"].get<std::uint64_t>() +
                  j["thp"]["fault_fallback"].get<std::uint64_t>() ==
              4 * 48);
        CHECK(j["thp"]["fault_fallback"].get<std::uint64_t>() > 0);
        // Order-9 allocations of the alloc stream failed and fell back to order 0.
        CHECK(j["failures_by_type"]["Movable"]["blocks_by_order"][9].get<std::uint64_t>() > 0);
        CHECK(j["fallbacks"]["extfrag_events"].get<std::uint64_t>() > 0);
        CHECK(j["fallbacks"]["pageblocks_claimed_reclaimable"].get<std::uint64_t>() > 0);
        check_movable_zone_is_user_only(j);
    }
}

TEST_CASE("same scenario and seed: byte-identical output files", "[e2e][scenarios][determinism]") {
    namespace fs = std::filesystem;
    const fs::path base = fs::temp_directory_path() / "pagesim_test_scenarios_determinism";
    fs::remove_all(base);
    for (const char* scenario : {"android_tv", "thp_fragmentation"}) {
        INFO(scenario);
        const std::string layout =
            scenario == std::string("android_tv") ? "dmb_split_shuffle" : "dmb_split";
        const fs::path a = base / (std::string(scenario) + "_a");
        const fs::path b = base / (std::string(scenario) + "_b");
        const fs::path c = base / (std::string(scenario) + "_c");
        REQUIRE(run(scenario, layout, {}, a.string()).rc == 0);
        REQUIRE(run(scenario, layout, {}, b.string()).rc == 0);
        REQUIRE(run(scenario, layout, {}, c.string(), 99).rc == 0);
        std::size_t files = 0;
        for (const auto& e : fs::directory_iterator(a)) {
            ++files;
            INFO(e.path().filename());
            CHECK(read_file(e.path()) == read_file(b / e.path().filename()));
        }
        CHECK(files == 6);
        // Another seed is another run.
        CHECK(read_file(a / "timeseries.csv") != read_file(c / "timeseries.csv"));
    }
    fs::remove_all(base);
}

TEST_CASE("run --verbose echoes a scenario that loads back the same", "[e2e][scenarios]") {
    RunCommand cmd;
    cmd.scenario = "thread_test";
    cmd.verbose = true;
    cmd.until = "1ms";
    cmd.set = {"first_touch=interleaved"};
    std::ostringstream o, e;
    REQUIRE(run_command(cmd, o, e) == 0);
    const std::string text = o.str();
    const std::size_t end = text.find("\n---\n");
    REQUIRE(end != std::string::npos);
    const Scenario echoed = scenario_from_config(parse_yaml(text.substr(0, end + 1), "echo.yaml"));
    const Scenario original = load_scenario("thread_test", {{"first_touch", "interleaved"}});
    CHECK(echoed.workload == original.workload);
    CHECK(echoed.layouts == original.layouts);
    CHECK(echoed.params == original.params);
    CHECK(echoed.seed == original.seed);
    CHECK(echoed.duration_ns == original.duration_ns);
}

TEST_CASE("an events file replays exactly like the same list inside the scenario",
          "[e2e][scenarios][events]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "pagesim_test_events_replay";
    fs::create_directories(dir);
    // 20000 events: mixed orders and gfp masks, ids reused after their free.
    std::string lines;
    std::vector<int> live_order(512, -1);
    std::uint64_t state = 1;
    auto next = [&state] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return state >> 33;
    };
    const char* gfps[] = {"GFP_KERNEL", "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL|__GFP_RECLAIMABLE"};
    for (int i = 0; i < 20000; ++i) {
        const std::size_t id = next() % live_order.size();
        const std::string t = std::to_string(i * 1000);
        if (live_order[id] >= 0) {
            lines += t + " free " + std::to_string(id) + "\n";
            live_order[id] = -1;
        } else {
            const int order = static_cast<int>(next() % 4);
            lines += t + " alloc " + std::to_string(id) + " " + std::to_string(order) + " " +
                     gfps[next() % 3] + " " + std::to_string(next() % 4) + "\n";
            live_order[id] = order;
        }
    }
    {
        std::ofstream(dir / "trace.events") << lines;
        std::ofstream(dir / "file.yaml") << "name: replay\nmachine: bcm7278\nduration: 30ms\n"
                                            "workload:\n  events_file: trace.events\n";
        std::string inline_yaml = "name: replay\nmachine: bcm7278\nduration: 30ms\n"
                                  "workload:\n  events: |\n";
        std::istringstream in(lines);
        for (std::string l; std::getline(in, l);) inline_yaml += "    " + l + "\n";
        std::ofstream(dir / "inline.yaml") << inline_yaml;
    }
    const Run f = ok((dir / "file.yaml").string(), "");
    const Run i = ok((dir / "inline.yaml").string(), "");
    CHECK(f.j["allocs"].get<std::uint64_t>() > 9000);
    // Every event, plus the sampler at 0, 10 and 20 ms and kcompactd's first look at 0.
    CHECK(f.j["events"] == 20000 + 3 + 1);
    CHECK(f.out == i.out);
    fs::remove_all(dir);
}
