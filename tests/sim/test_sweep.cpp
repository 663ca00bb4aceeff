// SPDX-License-Identifier: GPL-2.0-only
// Sweeps: the sweep file's checks and error positions, matrix expansion with exclude and
// include, golden ids (they name result files across releases), job-line quoting, the
// job-list scanner agreeing with collect-results.py, collect's judgement of a synthetic
// directory, and the local runner (a failing job, resuming).
#include "sim/cmd_sweep.h"
#include "sim/sweep_collect.h"
#include "sim/sweep_file.h"
#include "sim/sweep_jobs.h"
#include "sim/sweep_plan.h"
#include "sim/sweep_runner.h"

#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace pagesim;
using namespace pagesim::test;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The error message load_sweep gives for `text` (a file sweep.yaml in `dir`).
std::string sweep_error(const TempDir& dir, const std::string& text) {
    try {
        (void)load_sweep(dir.write("sweep.yaml", text).string());
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

std::vector<std::string> ids(const Sweep& sw) {
    std::vector<std::string> out;
    for (const SweepPoint& p : sw.points) out.push_back(p.id);
    return out;
}

} // namespace

TEST_CASE("sweep file: axes expand into points with stable, golden ids", "[sweep]") {
    TempDir d;
    const Sweep sw =
        load_sweep(d.write("s.yaml", "name: t\n"
                                     "scenario: thread_test\n"
                                     "axes:\n"
                                     "  layout: [none, dmb_split]\n"
                                     "  seeds: 2\n"
                                     "  set:\n"
                                     "    machine.controllers[1].bandwidth: [9.6GB/s, 4.8GB/s]\n")
                       .string());
    REQUIRE(sw.axes.size() == 4);
    CHECK(sw.axes[0].name == "scenario");
    CHECK_FALSE(sw.axes[0].declared);
    CHECK(sw.axes[3].name == "machine.controllers[1].bandwidth");
    // Golden: FNV-1a 32 of "machine.controllers[1].bandwidth=9.6GB/s\n" is a6386ae0.
    CHECK(ids(sw) == std::vector<std::string>{"none-s1-a6386ae0", "none-s1-f37a9073",
                                              "none-s2-a6386ae0", "none-s2-f37a9073",
                                              "dmb_split-s1-a6386ae0", "dmb_split-s1-f37a9073",
                                              "dmb_split-s2-a6386ae0", "dmb_split-s2-f37a9073"});
    CHECK(fnv1a32("") == 0x811c9dc5u);
    CHECK(fnv1a32("a") == 0xe40c292cu); // the FNV reference test vector

    // Adding values keeps the old ids; the default layout list is the scenario's six.
    const Sweep more = load_sweep(
        d.write("s2.yaml", "name: t\n"
                           "scenario: thread_test\n"
                           "axes:\n"
                           "  seed: [1, 2, 7]\n"
                           "  set:\n"
                           "    machine.controllers[1].bandwidth: [4.8GB/s, 9.6GB/s, 2GB/s]\n")
            .string());
    CHECK(more.points.size() == 6 * 3 * 3);
    const std::vector<std::string> all = ids(more);
    for (const std::string& id : ids(sw)) CHECK(std::find(all.begin(), all.end(), id) != all.end());
}

TEST_CASE("sweep file: exclude removes points, include adds or keeps them", "[sweep]") {
    TempDir d;
    const Sweep sw =
        load_sweep(d.write("s.yaml", "name: t\n"
                                     "scenario: thread_test\n"
                                     "axes:\n"
                                     "  layout: [none, movablecore, dmb_split]\n"
                                     "  seed: [1, 2]\n"
                                     "  set: {thp: [true, false]}\n"
                                     "exclude:\n"
                                     "  - {layout: none}\n"
                                     "  - {layout: [movablecore, dmb_split], thp: false, seed: 2}\n"
                                     "include:\n"
                                     "  - {layout: none, seed: 1, thp: true}\n"
                                     "  - {layout: shuffle, seed: 9, thp: false}\n")
                       .string());
    // 3 x 2 x 2 = 12; -4 (none); -2 (seed 2 without THP); +1 kept none; +1 new point.
    REQUIRE(sw.points.size() == 8);
    const std::vector<std::string> got = ids(sw);
    CHECK(std::count_if(got.begin(), got.end(),
                        [](const std::string& s) { return s.rfind("none-", 0) == 0; }) == 1);
    CHECK(got.back().rfind("shuffle-s9-", 0) == 0);
    for (const SweepPoint& p : sw.points)
        if (p.values[1] != "none" && p.values[1] != "shuffle")
            CHECK_FALSE((p.values[2] == "2" && p.values[3] == "false"));
}

TEST_CASE("sweep file: errors point at the sweep file's line and column", "[sweep]") {
    TempDir d;
    const std::string f = (d.path / "sweep.yaml").string();
    const std::string head = "name: t\nscenario: thread_test\naxes:\n";
    // A path that does not exist in the (inlined) machine.
    const std::string range =
        sweep_error(d, head + "  set:\n    machine.controllers[5].bandwidth: [1GB/s]\n");
    CHECK(range.rfind(f + ":5:40: error: set machine.controllers[5].bandwidth=1GB/s on scenario "
                          "'thread_test': ",
                      0) == 0);
    CHECK(range.find("bcm7278.yaml:31:3: error: --set machine.controllers[5].bandwidth: index [5] "
                     "is out of range "
                     "('machine.controllers' has 2 items)") != std::string::npos);
    // A value the loader rejects: reported at that value, not the first one.
    const std::string bad =
        sweep_error(d, head + "  set:\n    machine.controllers[1].bandwidth: [9.6GB/s, fast]\n");
    CHECK(bad.rfind(f + ":5:49: error: set machine.controllers[1].bandwidth=fast", 0) == 0);
    // An undeclared parameter.
    CHECK(sweep_error(d, head + "  set: {nothp: [1]}\n") ==
          f + ":4:17: error: set nothp=1 on scenario 'thread_test': --set nothp: the scenario has "
              "no parameter "
              "'nothp' (it has: first_touch, thp)");
    CHECK(sweep_error(d, head + "  layout: [none, dmb_splt]\n") ==
          f + ":4:18: error: no scenario of the sweep defines the layout 'dmb_splt' (did you mean "
              "'dmb_split'?); "
              "layouts: none, movablecore, dmb_memc0, dmb_split, shuffle, dmb_split_shuffle");
    CHECK(sweep_error(d, head + "  seeds: 0\n") ==
          f + ":4:10: error: 'seeds: N' needs 1 <= N <= 100000 (seeds 1..N)");
    CHECK(sweep_error(d, head + "  seed: [1]\n  seeds: 2\n")
              .rfind(f + ":5:10: error: give either", 0) == 0);
    CHECK(sweep_error(d, head + "  seed: [1, x]\n") ==
          f + ":4:13: error: expected an integer, got 'x'");
    CHECK(sweep_error(d, head + "  seed: [1, 1]\n") ==
          f + ":4:13: error: duplicate value '1' of the axis 'seed'");
    CHECK(sweep_error(d, head + "  layots: [none]\n")
              .rfind(f + ":4:3: error: unknown key 'layots'", 0) == 0);
    CHECK(sweep_error(d, "name: t\nscenario: nosuch\n")
              .rfind(f + ":2:11: error: no scenario file", 0) == 0);
    CHECK(sweep_error(d, head + "  seed: [1]\nexclude:\n  - {sed: 1}\n")
              .rfind(f + ":6:6: error: 'sed' is not an axis of this sweep (did you mean 'seed'?)",
                     0) == 0);
    CHECK(sweep_error(d, head + "  seed: [1]\nexclude:\n  - {seed: 3}\n") ==
          f + ":6:12: error: '3' is not a value of the axis 'seed'");
    CHECK(sweep_error(d, head + "  layout: [none]\nexclude:\n  - {layout: none}\n") ==
          f + ":1:1: error: the sweep has no points (exclude removed them all)");
    CHECK(sweep_error(d, "name: t b\nscenario: thread_test\n")
              .rfind(f + ":1:7: error: a sweep name", 0) == 0);
}

TEST_CASE("sweep file: a workloads axis and scenario files relative to the sweep file", "[sweep]") {
    TempDir d;
    const std::string scen =
        read(std::string(PAGESIM_SOURCE_DIR) + "/workloads/scenarios/thread_test.yaml");
    d.write("sc/other test.yaml", scen);
    const Sweep sw =
        load_sweep(d.write("s.yaml", "name: t\n"
                                     "axes:\n"
                                     "  scenario: [thread_test, 'sc/other test.yaml']\n"
                                     "  layout: [none]\n")
                       .string());
    CHECK(ids(sw) == std::vector<std::string>{"thread_test-none", "other_test-none"});
    const std::string cmd = job_command(sw, sw.points[1], "/opt/it's/pagesim", "/w/results");
    CHECK(cmd ==
          "'/opt/it'\\''s/pagesim' run '" + (d.path / "sc/other test.yaml").string() +
              "' --layout none --format json --out /w/results/other_test-none.json >/dev/null");
}

TEST_CASE("job lines: quoting and the results/<id>.json scanner", "[sweep]") {
    CHECK(shell_quote("abc-1.2_x/y:z=w@%+,") == "abc-1.2_x/y:z=w@%+,");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("a b") == "'a b'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("m.c[1].b=9GB/s") == "'m.c[1].b=9GB/s'");
    std::string path, id;
    CHECK(find_result_path("x --out '/a b/results/j1.json'", path, id) == 1);
    CHECK(id == "j1");
    CHECK(find_result_path("x --out=/w/results/a.b.json;", path, id) == 1);
    CHECK((path == "/w/results/a.b.json" && id == "a.b"));
    CHECK(find_result_path("sh job.sh results/j.json 2", path, id) == 1);
    CHECK(path == "results/j.json");
    CHECK(find_result_path("x /w/myresults/j.json", path, id) == 0);
    CHECK(find_result_path("x /w/results/j.jsonx /w/results/.json", path, id) == 0);
    CHECK(find_result_path("x results/a.json results/b.json", path, id) == 2);
    CHECK(find_result_path("x results/a.json && cat results/a.json", path, id) == 1);
    CHECK(find_result_path("x /r/results/results/z.json", path, id) == 1);
    CHECK(path == "/r/results/results/z.json");
    CHECK_THROWS_WITH(parse_job_list("a results/x.json\n\nb", "L"),
                      "L:2: empty line (every line must be a command)");
    CHECK_THROWS_WITH(parse_job_list("a results/x.json\nb results/x.json\n", "L"),
                      "L:2: id 'x' already used on line 1");
    CHECK_THROWS_WITH(parse_job_list("echo hi\n", "L"),
                      "L:1: no 'results/<id>.json' path in the line");
    CHECK(parse_job_list("a results/x.json\nb results/y.json", "L").size() == 2);
}

TEST_CASE("collect: done, missing and invalid are judged from the files alone", "[sweep]") {
    TempDir d;
    const fs::path r = d.path / "results";
    d.write("jobs.txt",
            "true results/a.json\ntrue results/b.json\ntrue results/c.json\ntrue results/d.json\n");
    d.write("results/a.json",
            R"({"metrics": [{"name": "m", "unit": "s", "value": 1.0, "better": -1}]})");
    d.write("results/b.json",
            R"({"metrics": [{"name": "m", "unit": "s", "value": 3.0, "better": -1}]})");
    d.write("results/c.json", R"({"metrics": [{"name": "m", "unit")"); // truncated
    d.write("results/d.json.tmp.123", "{}");                           // a temporary: not a result
    d.write("manifest.json", R"({"name": "syn", "axes": [{"name": "layout", "values": ["x", "y"]}],
        "jobs": [{"id": "a", "values": {"layout": "x"}}, {"id": "b", "values": {"layout": "y"}},
                 {"id": "c", "values": {"layout": "x"}}, {"id": "d", "values": {"layout": "y"}}]})");
    const CollectResult c = collect_sweep(d.path);
    CHECK(c.done == 2);
    CHECK(c.missing == 1);
    CHECK(c.invalid == 1);
    CHECK(retry_list(c) == "true results/c.json\ntrue results/d.json\n");
    CHECK(collect_csv(c) ==
          "id,state,layout,m\na,done,x,1\nb,done,y,3\nc,invalid,x,\nd,missing,y,\n");
    REQUIRE(c.summary.size() == 1);
    CHECK(c.summary[0].values[1].metrics[0].mean == 3.0);

    CollectCommand cmd;
    cmd.dir = d.path.string();
    cmd.plots = false;
    std::ostringstream out, err;
    CHECK(sweep_collect_command(cmd, out, err) == 1);
    CHECK(read(d.path / "jobs.retry.txt") == "true results/c.json\ntrue results/d.json\n");
    CHECK(fs::exists(d.path / "sweep.json"));
    d.write("results/c.json", "{}");
    d.write("results/d.json", "[]");
    CHECK(sweep_collect_command(cmd, out, err) == 0);
    CHECK(read(d.path / "jobs.retry.txt").empty());
    d.write("jobs.txt", "true\n");
    CHECK(sweep_collect_command(cmd, out, err) == 2);
}

TEST_CASE("runner: jobs run once, a failure is reported, the next run resumes", "[sweep]") {
    TempDir d;
    std::string list;
    for (int i = 0; i < 6; ++i) {
        const std::string id = "j" + std::to_string(i);
        // Job j3 fails while the file 'fail' exists; each job appends to ran.log.
        list += "echo " + id + " >>ran.log; [ " + id +
                " != j3 ] || [ ! -e fail ] || { echo broken >&2; exit 1; }; "
                "printf '{}' >results/" +
                id + ".json.tmp && mv results/" + id + ".json.tmp results/" + id + ".json\n";
    }
    d.write("jobs.txt", list);
    d.write("fail", "");
    fs::create_directories(d.path / "results");
    const std::vector<JobLine> jobs = read_job_list(d.path / "jobs.txt");
    SweepRunOptions o;
    o.jobs = 2;
    const SweepRunReport r1 = run_sweep_jobs(d.path, jobs, o);
    CHECK(r1.done == 5);
    CHECK(r1.failed == 1);
    CHECK(r1.failed_ids == std::vector<std::string>{"j3"});
    CHECK(r1.failed_notes[0] == "exit 1: broken");
    CHECK(read(d.path / "logs/j3.err") == "broken\n");
    CHECK_FALSE(fs::exists(d.path / "logs/j0.err")); // empty logs of successful jobs go
    fs::remove(d.path / "fail");
    const SweepRunReport r2 = run_sweep_jobs(d.path, jobs, o);
    CHECK(r2.skipped == 5);
    CHECK(r2.done == 1);
    CHECK(r2.failed == 0);
    CHECK(read(d.path / "ran.log").size() == 7 * 3); // six lines, then j3 again
    CHECK(format_run_report(r2).rfind(
              "6 jobs: 1 done now, 0 failed, 5 skipped (done before), 0 not run\n", 0) == 0);
}

TEST_CASE("plan: jobs.txt, manifest and the sweep file copy; re-planning keeps results",
          "[sweep]") {
    TempDir d;
    const fs::path sf = d.write(
        "s.yaml", "name: t\nscenario: thread_test\naxes:\n  layout: [none, shuffle]\n  seeds: 2\n");
    const Sweep sw = load_sweep(sf.string());
    const fs::path dir = d.path / "out";
    PlanResult p = write_plan(sw, dir, "/bin/pagesim");
    CHECK(p.jobs == 4);
    CHECK(p.done == 0);
    const std::vector<JobLine> jobs = read_job_list(dir / "jobs.txt");
    REQUIRE(jobs.size() == 4);
    CHECK(jobs[0].command ==
          "/bin/pagesim run " + std::string(PAGESIM_SOURCE_DIR) +
              "/workloads/scenarios/thread_test.yaml --layout none --seed 1 --format json --out " +
              (dir / "results/none-s1.json").string() + " >/dev/null");
    CHECK(read(dir / "sweep.yaml") == read(sf));
    const std::string manifest = read(dir / "manifest.json");
    CHECK(manifest.find("\"id\": \"shuffle-s2\"") != std::string::npos);
    d.write("out/results/none-s2.json", "{}");
    p = write_plan(sw, dir, "/bin/pagesim");
    CHECK(p.done == 1);
    CHECK(fs::exists(dir / "results/none-s2.json"));
    CHECK_THROWS_AS(write_plan(sw, d.path / "a b", "/bin/pagesim"), std::invalid_argument);
}
