// SPDX-License-Identifier: GPL-2.0-only
// The engine end to end on explicit traces and generators, and the scenario loader:
//  - Replay/list: a 10 M-event explicit trace held in the scenario (W3-shaped: ids are
//    slots, orders 0..10, unmovable and movable masks), on the bcm7278 with no parameter;
//  - Replay/file: the same trace streamed from a compact event file while it runs;
//  - Replay/generator: the churn generator, 10 M steps;
//  - Load/yaml_list, Load/compact_block, Load/compact_file: events per second of the three
//    explicit-list forms through scenario_from_config (parse and check);
//  - Memory/per_page: bytes per simulated page with every page owned (page map + owner
//    records + the process's page vector).
// Boot and trace generation are not timed; replays are timed from Simulator::run() on, in
// CPU seconds of the benchmark thread.
// PAGESIM_BENCH_SMOKE=1 shrinks everything so the program runs in well under a second.
#include "sim/simulator.h"
#include "workloads/machine_yaml.h"
#include "workloads/scenario_yaml.h"
#include "workloads/yaml_loader.h"

#include "allocator/cmdline.h"
#include "allocator/splitmix64.h"
#include "bench/bench_util.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace pagesim;
using namespace pagesim::bench;

namespace {

std::uint64_t trace_events() {
    return smoke() ? 20'000 : 10'000'000;
}
std::uint64_t yaml_events() {
    return smoke() ? 2'000 : 200'000;
}

// CPU time of this thread: the 2-CPU machine is shared with other builds, and wall time
// under load says more about the load than about pagesim.
struct Clock {
    using time_point = double;
    static double now() {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    }
};
double seconds(double a, double b) {
    return b - a;
}

const Machine& machine() {
    static const Machine m = load_machine("bcm7278");
    return m;
}
const Layout& layout() {
    static const Layout l = compute_layout(machine(), parse_cmdline(""));
    return l;
}

// W3 as an explicit trace: each step picks one of 65536 slots; a full slot is freed, an
// empty one allocated with P(order k) = 2^-(k+1) (k < 10), 1 in 4 unmovable. 100 ns apart.
const std::vector<ExplicitEvent>& trace() {
    static const std::vector<ExplicitEvent> t = [] {
        std::vector<ExplicitEvent> out;
        out.reserve(trace_events());
        std::vector<std::int8_t> slot(65536, -1);
        SplitMix64 rng{42};
        for (std::uint64_t i = 0; i < trace_events(); ++i) {
            ExplicitEvent e;
            e.time_ns = static_cast<std::int64_t>(i * 100);
            e.id = rng.next() % slot.size();
            e.cpu = static_cast<std::uint16_t>(i % 4);
            if (slot[e.id] >= 0) {
                e.op = ExplicitEvent::Free;
                e.order = static_cast<std::uint8_t>(slot[e.id]);
                slot[e.id] = -1;
            } else {
                const std::uint64_t x = rng.next();
                e.order =
                    static_cast<std::uint8_t>(std::min(__builtin_ctzll(x | (1ull << 10)), 10));
                e.gfp = (x >> 32) % 4 == 0 ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE;
                slot[e.id] = static_cast<std::int8_t>(e.order);
            }
            out.push_back(e);
        }
        return out;
    }();
    return t;
}

std::string compact_line(const ExplicitEvent& e) {
    std::string s = std::to_string(e.time_ns);
    if (e.op == ExplicitEvent::Alloc) {
        s += " alloc " + std::to_string(e.id) + " " + std::to_string(e.order) + " ";
        s += gfp_to_string(e.gfp);
    } else {
        s += " free " + std::to_string(e.id) + " " + std::to_string(e.order) + " -";
    }
    s += " " + std::to_string(e.cpu) + "\n";
    return s;
}

std::filesystem::path trace_file() {
    static const std::filesystem::path p = [] {
        const auto path = std::filesystem::temp_directory_path() /
                          ("pagesim_bench_replay_" + std::to_string(trace_events()) + ".events");
        std::ofstream out(path);
        for (const ExplicitEvent& e : trace()) out << compact_line(e);
        return path;
    }();
    return p;
}

Scenario base_scenario() {
    Scenario sc;
    sc.name = "bench";
    sc.machine = machine();
    sc.duration_ns = static_cast<std::int64_t>(trace_events() * 100 + 1000);
    sc.sample_period_ns = 10'000'000;
    return sc;
}

void report_replay(benchmark::State& state, const Simulator& sim, double secs) {
    const auto events =
        static_cast<double>(sim.stats().allocs + sim.stats().nr_failures + sim.stats().frees);
    state.SetIterationTime(secs);
    state.counters["events"] = events;
    state.counters["events_per_s"] = events / secs;
    state.counters["ns_per_event"] = secs * 1e9 / events;
    state.counters["failures"] = static_cast<double>(sim.stats().nr_failures);
}

void ReplayList(benchmark::State& state) {
    Scenario sc = base_scenario();
    sc.workload.events = trace();
    for (auto _ : state) {
        Simulator sim(sc, layout());
        const auto t0 = Clock::now();
        sim.run();
        report_replay(state, sim, seconds(t0, Clock::now()));
    }
}

void ReplayFile(benchmark::State& state) {
    Scenario sc = base_scenario();
    sc.workload.events_file = trace_file().string();
    for (auto _ : state) {
        Simulator sim(sc, layout());
        const auto t0 = Clock::now();
        sim.run();
        report_replay(state, sim, seconds(t0, Clock::now()));
        state.counters["file_MB"] =
            static_cast<double>(std::filesystem::file_size(trace_file())) / 1e6;
    }
}

void ReplayGenerator(benchmark::State& state) {
    Scenario sc = base_scenario();
    GeneratorSpec g;
    g.kind = "churn";
    g.name = "w3";
    g.params = {{"slots", "65536"},
                {"rate", "10000000"},
                {"steps", std::to_string(trace_events())},
                {"gfp", "GFP_KERNEL:1,GFP_HIGHUSER_MOVABLE:3"}};
    sc.workload.generators.push_back(g);
    for (auto _ : state) {
        Simulator sim(sc, layout());
        const auto t0 = Clock::now();
        sim.run();
        report_replay(state, sim, seconds(t0, Clock::now()));
    }
}

std::string scenario_head() {
    return "name: load\nmachine: bcm7278\nworkload:\n";
}

void report_load(benchmark::State& state, double secs, std::uint64_t events, std::size_t bytes) {
    state.SetIterationTime(secs);
    state.counters["events_per_s"] = static_cast<double>(events) / secs;
    state.counters["MB_per_s"] = static_cast<double>(bytes) / secs / 1e6;
}

void LoadYamlList(benchmark::State& state) {
    std::string text = scenario_head() + "  events:\n";
    for (std::uint64_t i = 0; i < yaml_events(); ++i) {
        const ExplicitEvent& e = trace()[i];
        text += "    - [" + std::to_string(e.time_ns) + ", " +
                (e.op == ExplicitEvent::Alloc ? "alloc" : "free") + ", " + std::to_string(e.id) +
                ", " + std::to_string(e.order) + ", " +
                (e.op == ExplicitEvent::Alloc ? gfp_to_string(e.gfp) : std::string("-")) + ", " +
                std::to_string(e.cpu) + "]\n";
    }
    for (auto _ : state) {
        const auto t0 = Clock::now();
        const ConfigNode root = parse_yaml(text, "bench.yaml");
        const auto t1 = Clock::now();
        const Scenario sc = scenario_from_config(root);
        const auto t2 = Clock::now();
        if (sc.workload.events.size() != yaml_events()) throw std::runtime_error("YAML list load");
        report_load(state, seconds(t0, t2), yaml_events(), text.size());
        state.counters["yaml_cpp_share"] = seconds(t0, t1) / seconds(t0, t2);
    }
}

void LoadCompactBlock(benchmark::State& state) {
    const std::uint64_t n = yaml_events() * 5;
    std::string text = scenario_head() + "  events: |\n";
    for (std::uint64_t i = 0; i < n; ++i) text += "    " + compact_line(trace()[i]);
    for (auto _ : state) {
        const auto t0 = Clock::now();
        const ConfigNode root = parse_yaml(text, "bench.yaml");
        const auto t1 = Clock::now();
        const Scenario sc = scenario_from_config(root);
        const auto t2 = Clock::now();
        if (sc.workload.events.size() != n) throw std::runtime_error("compact block load");
        report_load(state, seconds(t0, t2), n, text.size());
        state.counters["yaml_cpp_share"] = seconds(t0, t1) / seconds(t0, t2);
    }
}

void LoadCompactFile(benchmark::State& state) {
    const auto dir = trace_file().parent_path();
    const auto yaml = dir / "pagesim_bench_replay.yaml";
    std::ofstream(yaml) << scenario_head() << "  events_file: " << trace_file().filename().string()
                        << "\n";
    for (auto _ : state) {
        const auto t0 = Clock::now();
        const Scenario sc = load_scenario(yaml.string());
        const auto t1 = Clock::now();
        report_load(state, seconds(t0, t1), trace_events(),
                    static_cast<std::size_t>(std::filesystem::file_size(trace_file())));
    }
}

// Every page of a 2 GiB machine owned by a process (a buffer touched page by page).
void MemoryPerPage(benchmark::State& state) {
    for (auto _ : state) {
        Scenario sc = base_scenario();
        sc.duration_ns = 10'000'000'000;
        ProcessSpec p;
        p.name = "filler";
        p.buffers.push_back({"all", smoke() ? (64u << 20) : (1792u << 20), OwnerKind::Anon,
                             GFP_HIGHUSER_MOVABLE, false, false});
        Phase touch;
        touch.kind = Phase::Touch;
        touch.buffer = "all";
        Phase sleep;
        sleep.kind = Phase::Sleep;
        sleep.duration_ns = 100'000'000'000;
        p.phases = {touch, sleep};
        sc.workload.processes.push_back(p);
        Simulator sim(sc, layout());
        const auto t0 = Clock::now();
        sim.run();
        state.SetIterationTime(seconds(t0, Clock::now()));
        const double pages = static_cast<double>(sim.allocator().page_map().nr_pages());
        const double owned = static_cast<double>(sim.owners().live());
        const double map = sim.allocator().page_map().bytes_per_page();
        const double owners =
            static_cast<double>(sim.owners().capacity() * sizeof(OwnerRecord)) / pages;
        double vectors = 0;
        for (const Buffer& b : sim.processes().at(0).buffers)
            vectors += static_cast<double>((b.pages.capacity() + b.page_tables.capacity()) * 4);
        state.counters["owned_share"] = owned / pages;
        state.counters["page_map_B"] = map;
        state.counters["owner_records_B"] = owners;
        state.counters["process_vectors_B"] = vectors / pages;
        state.counters["total_B_per_page"] = map + owners + vectors / pages;
    }
}

void register_all() {
    const int reps = smoke() ? 1 : 3;
    auto common = [&](benchmark::internal::Benchmark* b) {
        b->UseManualTime()->Iterations(1)->Repetitions(reps)->ReportAggregatesOnly(reps > 1)->Unit(
            benchmark::kMillisecond);
    };
    common(benchmark::RegisterBenchmark("Replay/list", ReplayList));
    common(benchmark::RegisterBenchmark("Replay/file", ReplayFile));
    common(benchmark::RegisterBenchmark("Replay/generator", ReplayGenerator));
    common(benchmark::RegisterBenchmark("Load/yaml_list", LoadYamlList));
    common(benchmark::RegisterBenchmark("Load/compact_block", LoadCompactBlock));
    common(benchmark::RegisterBenchmark("Load/compact_file", LoadCompactFile));
    benchmark::RegisterBenchmark("Memory/per_page", MemoryPerPage)
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
}

} // namespace

int main(int argc, char** argv) {
    register_all();
    const int rc = run_benchmarks(argc, argv);
    std::error_code ec;
    std::filesystem::remove(trace_file(), ec);
    std::filesystem::remove(trace_file().parent_path() / "pagesim_bench_replay.yaml", ec);
    return rc;
}
