// SPDX-License-Identifier: GPL-2.0-only
// Scenario files: every construct parses to the documented values, defaults are the
// documented ones, short forms expand to the right gfp and owner kind, parameters
// substitute, and the `--verbose` echo loads back to an equal scenario.
#include "workloads/machine_yaml.h"
#include "workloads/scenario_yaml.h"
#include "workloads/yaml_loader.h"

#include <catch2/catch.hpp>

using namespace pagesim;

namespace {

std::string data(const std::string& name) {
    std::string p = PAGESIM_TEST_DATA;
    p += "/scenarios/";
    p += name;
    return p;
}

// A scenario from text, as if read from tests/data/scenarios/inline.yaml (so relative
// paths resolve there).
Scenario from_text(const std::string& text, const ParamOverrides& set = {}) {
    return scenario_from_config(parse_yaml(text, data("inline.yaml")), set);
}

std::string with_phases(const std::string& buffers, const std::string& phases) {
    std::string s = "name: t\nmachine: tiny_machine.yaml\nworkload:\n  processes:\n"
                    "    - name: p\n";
    if (!buffers.empty()) {
        s += "      buffers:\n";
        s += buffers;
    }
    s += "      phases:\n";
    s += phases;
    return s;
}

const Phase& only_phase(const Scenario& sc) {
    REQUIRE(sc.workload.processes.size() == 1);
    REQUIRE(sc.workload.processes[0].phases.size() == 1);
    return sc.workload.processes[0].phases[0];
}

// Equality of everything a run depends on (the machine through its echo).
void require_equal(const Scenario& a, const Scenario& b) {
    CHECK(a.name == b.name);
    CHECK(a.description == b.description);
    CHECK(a.params == b.params);
    // Machine has no operator==: compare what the echo prints of it.
    CHECK(to_yaml(machine_to_config(a.machine)) == to_yaml(machine_to_config(b.machine)));
    CHECK(a.layouts == b.layouts);
    CHECK(a.duration_ns == b.duration_ns);
    CHECK(a.seed == b.seed);
    CHECK(a.sample_period_ns == b.sample_period_ns);
    CHECK(a.chunk_bytes == b.chunk_bytes);
    CHECK(a.costs == b.costs);
    REQUIRE(a.workload.processes.size() == b.workload.processes.size());
    for (std::size_t i = 0; i < a.workload.processes.size(); ++i) {
        const ProcessSpec& pa = a.workload.processes[i];
        const ProcessSpec& pb = b.workload.processes[i];
        REQUIRE(pa.phases.size() == pb.phases.size());
        for (std::size_t k = 0; k < pa.phases.size(); ++k) {
            INFO("process " << pa.name << ", phase " << k);
            CHECK(pa.phases[k] == pb.phases[k]);
        }
        CHECK(pa == pb);
    }
    CHECK(a.workload == b.workload);
}

} // namespace

TEST_CASE("a minimal scenario gets the documented defaults", "[yaml][scenario]") {
    const Scenario sc = from_text("name: t\nmachine: bcm7278\nworkload:\n  processes:\n"
                                  "    - name: p\n      phases:\n        - sleep: 1s\n");
    CHECK(sc.name == "t");
    CHECK(sc.description.empty());
    CHECK(sc.machine.name == "bcm7278");
    CHECK(sc.layouts.empty());
    CHECK(sc.duration_ns == 10'000'000'000);
    CHECK(sc.seed == 1);
    CHECK(sc.sample_period_ns == 10'000'000);
    CHECK(sc.chunk_bytes == 64 * 1024);
    CHECK(sc.costs == EngineCosts{});
    CHECK(sc.costs.pcp_hit_ns == 60);
    CHECK(sc.costs.fault_ns == 700);
    const ProcessSpec& p = sc.workload.processes.at(0);
    CHECK(p.instances == 1);
    CHECK(p.start_ns == 0);
    CHECK(p.start_skew_ns == 0);
    CHECK(p.jitter_ns == 0);
    CHECK(p.cpus.empty());
    CHECK(p.oom_score_adj == 0);
    CHECK(p.policy.kind == MemPolicy::Default);
    CHECK_FALSE(p.spawned_only);
    CHECK(p.enabled);
    CHECK(p.phases.at(0).kind == Phase::Sleep);
    CHECK(p.phases.at(0).duration_ns == 1'000'000'000);
}

TEST_CASE("the full example parses to the documented values", "[yaml][scenario]") {
    const Scenario sc = load_scenario(data("full.yaml"));
    CHECK(sc.name == "full");
    CHECK(sc.description == "every construct");
    CHECK(sc.machine.name == "tiny2"); // a path relative to the scenario file
    REQUIRE(sc.layouts.size() == 2);
    CHECK(sc.layouts[0] == NamedLayout{"none", ""});
    CHECK(sc.layouts[1].cmdline == "movablecore=64M@0x4800_0000,64M@0x8800_0000");
    CHECK(sc.duration_ns == 2'000'000'000);
    CHECK(sc.seed == 42);
    CHECK(sc.sample_period_ns == 50'000'000);
    CHECK(sc.chunk_bytes == 128 * 1024);
    CHECK(sc.costs.pcp_hit_ns == 70);
    CHECK(sc.costs.fault_ns == 1000);
    CHECK(sc.costs.buddy_ns == EngineCosts{}.buddy_ns);
    CHECK(sc.params == std::vector<std::pair<std::string, std::string>>{
                           {"heap", "8MiB"}, {"policy_mode", "interleave"}});

    REQUIRE(sc.workload.processes.size() == 2);
    const ProcessSpec& m = sc.workload.processes[0];
    CHECK(m.instances == 2);
    CHECK(m.start_ns == 10'000'000);
    CHECK(m.start_skew_ns == 1'000'000);
    CHECK(m.jitter_ns == 100'000);
    CHECK(m.cpus == std::vector<unsigned>{0, 1});
    CHECK(m.oom_score_adj == -500);
    CHECK(m.policy.kind == MemPolicy::Interleave); // from ${policy_mode}
    CHECK(m.policy.nodes == std::vector<int>{0});
    REQUIRE(m.buffers.size() == 4);
    CHECK(m.buffers[0] ==
          BufferSpec{"heap", 8 << 20, OwnerKind::Anon, GFP_HIGHUSER_MOVABLE, false, false});
    CHECK(m.buffers[1] ==
          BufferSpec{"files", 4 << 20, OwnerKind::PageCache, GFP_HIGHUSER_MOVABLE, false, true});
    CHECK(m.buffers[2].thp);
    CHECK(m.buffers[3].kind == OwnerKind::Kernel);
    CHECK(m.buffers[3].gfp == (GFP_KERNEL | gfp::kDma32));

    const auto& ph = m.phases;
    REQUIRE(ph.size() == 25); // 24 items; touch: [files, dma] expands to two phases
    // touch: [heap, huge] interleaved -> one phase; touch: [files, dma] -> two.
    CHECK(ph[0].kind == Phase::Touch);
    CHECK(ph[0].buffer == "heap");
    CHECK(ph[0].interleave == std::vector<std::string>{"huge"});
    CHECK(ph[0].label == "top");
    CHECK(ph[1].buffer == "files");
    CHECK(ph[1].interleave.empty());
    CHECK(ph[2].buffer == "dma");
    // alloc: order 2, count 10, 2k/s, exponential 5ms; owner from the gfp (unmovable).
    CHECK(ph[3].kind == Phase::Alloc);
    CHECK(ph[3].gfp == (GFP_KERNEL | gfp::kComp));
    CHECK(ph[3].owner == OwnerKind::Kernel);
    CHECK(ph[3].order == 2);
    CHECK(ph[3].count == 10);
    CHECK(ph[3].rate == 2000.0);
    CHECK(ph[3].lifetime == Lifetime{Lifetime::Exponential, 5'000'000, 0});
    // bytes -> count; into a buffer, whose kind is the owner.
    CHECK(ph[4].count == 16);
    CHECK(ph[4].buffer == "heap");
    CHECK(ph[4].owner == OwnerKind::Anon);
    CHECK(ph[4].lifetime.kind == Lifetime::Forever);
    CHECK(ph[5].order == 9);
    CHECK(ph[5].count == 2);
    CHECK(ph[5].fallback_order0);
    CHECK(ph[5].lifetime == Lifetime{Lifetime::Uniform, 1'000'000, 2'000'000});
    CHECK(ph[6].owner == OwnerKind::PageCache);
    CHECK(ph[6].dirty);
    CHECK(ph[6].lifetime == Lifetime{Lifetime::Fixed, 10'000'000, 0});
    // The kernel consumers' expansions.
    CHECK(ph[7].gfp == GFP_KERNEL);
    CHECK(ph[7].owner == OwnerKind::SlabUnreclaimable);
    CHECK(ph[7].count == 16);
    CHECK(ph[7].lifetime.kind == Lifetime::UntilExit);
    CHECK(ph[8].gfp == (GFP_KERNEL | gfp::kReclaimable | gfp::kComp));
    CHECK(ph[8].owner == OwnerKind::SlabReclaimable);
    CHECK(ph[8].order == 1);
    CHECK(ph[8].count == 4);
    CHECK(ph[8].rate == Approx(100.0)); // 6k/min
    CHECK(ph[9].gfp == (GFP_KERNEL_ACCOUNT | gfp::kZero));
    CHECK(ph[9].owner == OwnerKind::PageTable);
    CHECK(ph[9].count == 2);
    CHECK(ph[10].gfp == GFP_HIGHUSER_MOVABLE);
    CHECK(ph[10].owner == OwnerKind::PageCache);
    CHECK(ph[10].dirty);
    CHECK(ph[11].gfp == (GFP_HIGHUSER | gfp::kAccount));
    CHECK(ph[11].owner == OwnerKind::Pipe);
    CHECK(ph[11].order == 0);
    CHECK(ph[12].gfp == (GFP_KERNEL | gfp::kComp | gfp::kNowarn | gfp::kNoretry));
    CHECK(ph[12].order == 3);
    CHECK(ph[12].count == 2);
    CHECK(ph[12].fallback_order0);
    CHECK(ph[13].gfp == GFP_TRANSHUGE_LIGHT);
    CHECK(ph[13].order == 9);
    CHECK(ph[13].fallback_order0);
    CHECK(ph[13].owner == OwnerKind::Anon);
    // bandwidth, pin, unpin, free, sleep, fork, claim, repeat, exit.
    CHECK(ph[14].kind == Phase::Bandwidth);
    CHECK(ph[14].op == Phase::Copy);
    CHECK(ph[14].buffer == "heap");
    CHECK(ph[14].dst == "huge");
    CHECK(ph[14].passes == 3);
    CHECK(ph[15].op == Phase::Read);
    CHECK(ph[15].buffer == "files");
    CHECK(ph[15].passes == 1);
    CHECK(ph[16].kind == Phase::Pin);
    CHECK(ph[17].kind == Phase::Unpin);
    CHECK(ph[18].kind == Phase::Free);
    CHECK(ph[18].buffer == "huge");
    CHECK(ph[19].duration_ns == 5'000'000);
    CHECK(ph[20].kind == Phase::Fork);
    CHECK(ph[20].process == "helper");
    CHECK(ph[21].kind == Phase::Claim);
    CHECK(ph[21].bytes == 8 << 20);
    CHECK(ph[21].range.kind == ClaimRange::ControllerDmb);
    CHECK(ph[21].range.name == "MEMC1");
    CHECK(ph[21].owner == OwnerKind::DriverContig);
    // repeat by label and by YAML position (1 = the second item, the first expanded
    // touch of [files, dma], which is phase 1 after the expansion).
    CHECK(ph[22].kind == Phase::Repeat);
    CHECK(ph[22].target == 0);
    CHECK(ph[22].count == 2);
    CHECK(ph[23].target == 1);
    CHECK(ph[24].kind == Phase::Exit);

    const ProcessSpec& h = sc.workload.processes[1];
    CHECK(h.spawned_only);
    CHECK_FALSE(h.enabled);
    REQUIRE(h.phases.size() == 6);
    CHECK(h.phases[0].range.kind == ClaimRange::Anywhere);
    CHECK(h.phases[1].range.kind == ClaimRange::Controller);
    CHECK(h.phases[2].range.kind == ClaimRange::Dmb);
    CHECK(h.phases[2].range.name == "1");
    CHECK(h.phases[3].range.kind == ClaimRange::Cma);
    CHECK(h.phases[3].range.name == "video");
    CHECK(h.phases[4].range.kind == ClaimRange::Pfns);
    CHECK(h.phases[4].range.start == 0x8000'0000);
    CHECK(h.phases[4].range.end == 0x8020'0000);

    // Explicit events (compact block) and generators.
    REQUIRE(sc.workload.events.size() == 2);
    CHECK(sc.workload.events[0].order == 1);
    CHECK(sc.workload.events[1].op == ExplicitEvent::Free);
    CHECK(sc.workload.events[1].time_ns == 1'000'000);
    CHECK(sc.workload.events[1].order == 1); // taken from its allocation
    REQUIRE(sc.workload.generators.size() == 2);
    CHECK(sc.workload.generators[0].kind == "churn");
    CHECK(sc.workload.generators[0].name == "churn");
    CHECK(sc.workload.generators[0].params.at("slots") == "64");
    CHECK(sc.workload.generators[1].name == "bursts");
    CHECK(sc.workload.generators[1].params.at("lifetime") == "2ms");
}

TEST_CASE("buffers, layouts and lists have a short and a long form", "[yaml][scenario]") {
    const Scenario a = from_text(with_phases(
        "        src: 64MiB\n        dst: {size: 1M, thp: true}\n", "        - touch: src\n"));
    const auto& b = a.workload.processes[0].buffers;
    REQUIRE(b.size() == 2);
    CHECK(b[0].name == "src");
    CHECK(b[0].bytes == 64u << 20);
    CHECK(b[1].name == "dst");
    CHECK(b[1].thp);

    const Scenario l = from_text("name: t\nmachine: bcm7278\nlayouts:\n  base: \"\"\n"
                                 "  split: movablecore=300M@0x60000000,300M@0x320000000\n"
                                 "workload: {processes: [{name: p, phases: [exit]}]}\n");
    REQUIRE(l.layouts.size() == 2);
    CHECK(l.layouts[0] == NamedLayout{"base", ""}); // the first is the baseline
    CHECK(l.layouts[1].name == "split");

    const Scenario c = from_text("name: t\nmachine: bcm7278\nworkload:\n  processes:\n"
                                 "    - {name: p, cpus: [3, 1], phases: [exit]}\n"
                                 "    - {name: q, cpus: 0-2, policy: {mode: bind, nodes: 0}, "
                                 "phases: [exit]}\n");
    CHECK(c.workload.processes[0].cpus == std::vector<unsigned>{3, 1});
    CHECK(c.workload.processes[1].cpus == std::vector<unsigned>{0, 1, 2});
    CHECK(c.workload.processes[1].policy.kind == MemPolicy::Bind);
}

TEST_CASE("lifetimes and rates", "[yaml][scenario]") {
    auto phase = [](const std::string& opts) {
        return only_phase(from_text(with_phases("", "        - slab: 4KiB\n" + opts)));
    };
    CHECK(phase("          lifetime: forever\n").lifetime.kind == Lifetime::Forever);
    CHECK(phase("          lifetime: until_exit\n").lifetime.kind == Lifetime::UntilExit);
    CHECK(phase("          lifetime: 250ms\n").lifetime ==
          Lifetime{Lifetime::Fixed, 250'000'000, 0});
    CHECK(phase("          lifetime: {fixed: 2s}\n").lifetime ==
          Lifetime{Lifetime::Fixed, 2'000'000'000, 0});
    CHECK(phase("          lifetime: {exponential: 1us}\n").lifetime ==
          Lifetime{Lifetime::Exponential, 1000, 0});
    CHECK(phase("          lifetime: {uniform: [1ms, 3ms]}\n").lifetime ==
          Lifetime{Lifetime::Uniform, 1'000'000, 3'000'000});
    CHECK(phase("          rate: 500\n").rate == 500.0);
    CHECK(phase("          rate: 500/s\n").rate == 500.0);
    CHECK(phase("          rate: 2.5k/s\n").rate == 2500.0);
    CHECK(phase("          rate: 1M/s\n").rate == 1e6);
    CHECK(phase("          rate: 60/min\n").rate == Approx(1.0));
    CHECK(phase("          rate: 36/h\n").rate == Approx(0.01));
}

TEST_CASE("parameters substitute, and --set overrides them", "[yaml][scenario]") {
    const std::string text = "name: t\nparams:\n  size: 4MiB\n  n: 3\nmachine: bcm7278\n"
                             "workload:\n  processes:\n    - name: p\n      instances: ${n}\n"
                             "      buffers: {b: \"${size}\"}\n      phases: [{touch: b}]\n";
    const Scenario d = from_text(text);
    CHECK(d.workload.processes[0].instances == 3);
    CHECK(d.workload.processes[0].buffers[0].bytes == 4u << 20);
    const Scenario s = from_text(text, {{"n", "2"}, {"size", "8MiB"}});
    CHECK(s.workload.processes[0].instances == 2);
    CHECK(s.workload.processes[0].buffers[0].bytes == 8u << 20);
    CHECK(s.params ==
          std::vector<std::pair<std::string, std::string>>{{"size", "8MiB"}, {"n", "2"}});
    try {
        from_text(text, {{"nn", "1"}});
        FAIL("an undeclared --set must be an error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == data("inline.yaml") +
                                           ": error: --set nn: the scenario has no parameter "
                                           "'nn' (it has: size, n)");
    }
}

TEST_CASE("explicit events: YAML list, compact block and streamed file", "[yaml][scenario]") {
    const Scenario y = from_text("name: t\nmachine: tiny_machine.yaml\nworkload:\n  events:\n"
                                 "    - [0, alloc, 5, 2, GFP_KERNEL|__GFP_COMP, 1]\n"
                                 "    - [2ms, free, 5]\n");
    REQUIRE(y.workload.events.size() == 2);
    const ExplicitEvent& a = y.workload.events[0];
    CHECK(a.time_ns == 0);
    CHECK(a.op == ExplicitEvent::Alloc);
    CHECK(a.id == 5);
    CHECK(a.order == 2);
    CHECK(a.gfp == (GFP_KERNEL | gfp::kComp));
    CHECK(a.cpu == 1);
    CHECK(a.line == 5);
    CHECK(y.workload.events[1].time_ns == 2'000'000);
    CHECK(y.workload.events[1].order == 2);

    const Scenario b = from_text("name: t\nmachine: tiny_machine.yaml\nworkload:\n  events: |\n"
                                 "    # comment\n    0 alloc 5 2 GFP_KERNEL|__GFP_COMP 1\n\n"
                                 "    2ms free 5   # trailing comment\n");
    REQUIRE(b.workload.events.size() == 2);
    CHECK(b.workload.events == y.workload.events);
    CHECK(b.workload.events[0].line == 6);

    const Scenario f = from_text("name: t\nmachine: tiny_machine.yaml\nworkload:\n"
                                 "  events_file: events.txt\n");
    CHECK(f.workload.events.empty());
    CHECK(f.workload.events_file == data("events.txt")); // relative to the scenario
}

TEST_CASE("the --verbose echo loads back to an equal scenario", "[yaml][scenario]") {
    std::vector<std::string> files{data("full.yaml")};
    for (const std::string& name : bundled_scenarios())
        files.push_back(std::string(PAGESIM_SOURCE_DIR) + "/workloads/scenarios/" + name + ".yaml");
    REQUIRE(files.size() >= 7);
    for (const std::string& file : files) {
        INFO(file);
        const Scenario a = load_scenario(file);
        const std::string echo = to_yaml(scenario_to_config(a));
        // Parsed as if it sat next to the original (relative paths were resolved anyway).
        const Scenario b = scenario_from_config(parse_yaml(echo, file));
        require_equal(a, b);
        CHECK(to_yaml(scenario_to_config(b)) == echo); // a fixed point
    }
}

TEST_CASE("a parameter given on the command line is echoed with its value", "[yaml][scenario]") {
    const std::string file =
        std::string(PAGESIM_SOURCE_DIR) + "/workloads/scenarios/thread_test.yaml";
    const Scenario a = load_scenario(file, {{"first_touch", "interleaved"}});
    const std::string echo = to_yaml(scenario_to_config(a));
    CHECK(echo.find("first_touch: interleaved") != std::string::npos);
    const Scenario b = scenario_from_config(parse_yaml(echo, file));
    require_equal(a, b);
    CHECK(b.workload.processes[0].phases[0].interleave == std::vector<std::string>{"dst"});
}

TEST_CASE("bundled scenarios are found by name", "[yaml][scenario]") {
    const std::vector<std::string> names = bundled_scenarios();
    for (const char* n :
         {"thread_test", "android_tv", "video_pipeline", "kernel_pressure", "longterm_pin",
          "thp_fragmentation", "alternatives", "fake_numa", "cma_per_memc"}) {
        INFO(n);
        CHECK(std::find(names.begin(), names.end(), n) != names.end());
        CHECK(load_scenario(n).name == n);
    }
}

TEST_CASE("a machine may be written inline", "[yaml][scenario]") {
    const Scenario sc = from_text(
        "name: t\nmachine:\n  name: inline1\n  arch: arm64\n  cpus: 2\n"
        "  memory: [{base: 0x4000_0000, size: 512M}]\n"
        "  controllers: [{name: M0, ranges: [{base: 0x4000_0000, size: 512M}], "
        "bandwidth: 9.6GB/s}]\n"
        "workload:\n  processes:\n    - name: p\n      policy: {mode: preferred, nodes: [0]}\n"
        "      phases:\n        - claim: 64MiB\n          from: {controller: M0}\n");
    CHECK(sc.machine.name == "inline1");
    CHECK(sc.machine.ncpus == 2);
    CHECK(sc.workload.processes[0].policy.kind == MemPolicy::Preferred);
    CHECK(sc.workload.processes[0].phases[0].range.name == "M0");
    // A null phase item is an error at its own position.
    try {
        from_text(with_phases("", "        -\n"));
        FAIL("a null phase must be an error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).ends_with(
            "error: expected a phase: a map such as '- touch: buf' or '- exit'"));
    }
}
