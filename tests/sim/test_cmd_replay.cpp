// SPDX-License-Identifier: GPL-2.0-only
// `pagesim run --trace` / `--ftrace-out` and `pagesim import ftrace` end to end: outputs,
// warnings, exit codes (2 for bad input, `file:line: error:` with --strict, 1 for an output
// that cannot be written), and files that appear whole or not at all.
#include "sim/cmd_import.h"
#include "sim/cmd_run.h"
#include "workloads/event_list.h"

#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace pagesim;
using namespace pagesim::test;
namespace fs = std::filesystem;

namespace {

const std::string kRef = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";
const std::string kMalformed = PAGESIM_TEST_DATA "/bad/ftrace_malformed.txt";

struct Result {
    int rc = 0;
    std::string out, err;
};

Result run(const RunCommand& cmd) {
    std::ostringstream out, err;
    Result r;
    r.rc = run_command(cmd, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

Result import(const ImportCommand& cmd) {
    std::ostringstream out, err;
    Result r;
    r.rc = import_command(cmd, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

RunCommand trace_run(const std::string& trace) {
    RunCommand c;
    c.trace = trace;
    c.machine = "qemu_x86_4G";
    return c;
}

} // namespace

TEST_CASE("run --trace --machine: a trace-only run with the comparison", "[cli][replay]") {
    TempDir tmp;
    RunCommand c = trace_run(kRef);
    c.out = (tmp.path / "out").string();
    c.ftrace_out = (tmp.path / "export.trace").string();
    const Result r = run(c);
    REQUIRE(r.rc == 0);
    CHECK(r.err.empty());
    CHECK_THAT(r.out,
               Catch::Contains("pagesim run: scenario trace:trace, seed 1, 555.375ms simulated"));
    CHECK_THAT(r.out, Catch::Contains("Trace replay of " + kRef));
    CHECK_THAT(r.out,
               Catch::Contains("captured: 19026 mm_page_alloc (0 failed), 19007 mm_page_free"));
    CHECK(fs::exists(tmp.path / "out" / "trace_replay.json"));
    CHECK(tmp.files() == std::vector<std::string>{"export.trace", "out"});

    c.format = "json";
    c.out.clear();
    c.ftrace_out.clear();
    const Result j = run(c);
    REQUIRE(j.rc == 0);
    const nlohmann::json doc = nlohmann::json::parse(j.out);
    CHECK(doc["allocs"] == 19026);
    CHECK(doc["trace_replay"]["counts"]["allocs"] == 19026);
    CHECK(doc["trace_replay"]["capture"]["allocs"] == 19026);
    CHECK(doc["trace_replay"]["capture"]["zones"].size() == doc["zones"].size());
    CHECK(doc["trace_replay"]["capture_cmdline"] == "");

    c.cmdline = "movablecore=512M";
    c.format = "table";
    const Result moved = run(c);
    REQUIRE(moved.rc == 0);
    CHECK_THAT(moved.out, Catch::Contains("  Node 0 Movable Movable                        0"));
    CHECK_THAT(moved.out, Catch::Contains("(capture column: the capture's pfns on its own layout, "
                                          "no parameters)\n"));
}

TEST_CASE("run --trace: bad input exits 2 with the place of the error", "[cli][replay]") {
    TempDir tmp;
    SECTION("neither a scenario nor a machine") {
        RunCommand c;
        c.trace = kRef;
        const Result r = run(c);
        CHECK(r.rc == 2);
        CHECK(r.err == "pagesim: error: give a scenario file, or --trace TRACE with --machine M\n");
    }
    SECTION("no such trace") {
        const Result r = run(trace_run((tmp.path / "none.txt").string()));
        CHECK(r.rc == 2);
        CHECK(r.err == (tmp.path / "none.txt").string() + ": error: cannot open the trace file\n");
    }
    SECTION("standard input cannot be replayed alone") {
        const Result r = run(trace_run("-"));
        CHECK(r.rc == 2);
        CHECK_THAT(r.err, Catch::StartsWith("pagesim: error: --trace -:"));
    }
    SECTION("an unknown machine") {
        RunCommand c = trace_run(kRef);
        c.machine = "no_such_machine";
        CHECK(run(c).rc == 2);
    }
    SECTION("malformed lines: warnings, or with --strict the first is an error") {
        RunCommand c = trace_run(kMalformed);
        const Result lax = run(c);
        CHECK(lax.rc == 0);
        CHECK_THAT(lax.err, Catch::StartsWith(kMalformed + ":4: warning: "));
        c.strict = true;
        c.ftrace_out = (tmp.path / "export.trace").string();
        const Result strict = run(c);
        CHECK(strict.rc == 2);
        CHECK_THAT(strict.err, Catch::StartsWith(kMalformed + ":4: error: "));
        CHECK(tmp.files().empty()); // the export of the failed run never appeared
    }
}

TEST_CASE("import ftrace: YAML and event list, counts, exit codes", "[cli][import]") {
    TempDir tmp;
    SECTION("the reference capture") {
        ImportCommand c;
        c.trace = kRef;
        c.output = (tmp.path / "t4g.yaml").string();
        c.machine = "qemu_x86_4G";
        const Result r = import(c);
        REQUIRE(r.rc == 0);
        CHECK(r.err.empty());
        CHECK_THAT(r.out, Catch::Contains("38033 requests (19026 mm_page_alloc, 0 failed; 19007 "
                                          "frees replayed of 19007 mm_page_free, 0 before the "
                                          "capture)"));
        CHECK(tmp.files() == std::vector<std::string>{"t4g.events", "t4g.yaml"});
        std::ifstream y(tmp.path / "t4g.yaml");
        const std::string yaml{std::istreambuf_iterator<char>(y), std::istreambuf_iterator<char>()};
        CHECK_THAT(yaml, Catch::Contains("machine: \"qemu_x86_4G\"\n"));
        CHECK_THAT(yaml, Catch::Contains("  events_file: \"t4g.events\"\n"));
        CHECK(read_event_list(tmp.path / "t4g.events").size() == 38033);
    }
    SECTION("--strict: the first malformed line, exit 2, no output files") {
        ImportCommand c;
        c.trace = kMalformed;
        c.output = (tmp.path / "bad.yaml").string();
        c.strict = true;
        const Result r = import(c);
        CHECK(r.rc == 2);
        CHECK_THAT(r.err, Catch::StartsWith(kMalformed + ":4: error: "));
        CHECK(tmp.files().empty());
        c.strict = false;
        const Result lax = import(c);
        CHECK(lax.rc == 0);
        CHECK_THAT(lax.err, Catch::StartsWith(kMalformed + ":4: warning: "));
        CHECK_THAT(lax.err, Catch::Contains(":5: warning: "));
    }
    SECTION("a missing trace or machine is bad input; an unwritable output is 1") {
        ImportCommand c;
        c.trace = (tmp.path / "none.txt").string();
        c.output = (tmp.path / "x.yaml").string();
        CHECK(import(c).rc == 2);
        c.trace = kRef;
        c.machine = "no_such_machine";
        CHECK(import(c).rc == 2);
        c.machine.clear();
        c.output = "/proc/pagesim-no-such-dir/x.yaml";
        const Result r = import(c);
        CHECK(r.rc == 1);
        CHECK_THAT(r.err, Catch::StartsWith("pagesim: error: "));
        CHECK(tmp.files().empty());
    }
}
