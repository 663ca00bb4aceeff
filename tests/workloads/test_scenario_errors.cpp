// SPDX-License-Identifier: GPL-2.0-only
// Bad scenario files (tests/data/bad/scenario/): each fails with the exact
// file:line:col (1-based) and message; `pagesim run` turns them into exit code 2.
#include "sim/cmd_run.h"
#include "workloads/scenario_yaml.h"
#include "workloads/yaml_loader.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <iterator>
#include <sstream>

using namespace pagesim;

namespace {

std::string bad_dir() {
    std::string p = PAGESIM_TEST_DATA;
    p += "/bad/scenario/";
    return p;
}

// The ConfigError message of loading `file`, or "" if it loads.
std::string error_of(const std::string& file) {
    try {
        load_scenario(bad_dir() + file);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

// '@' in an expected message stands for the folder of the bad files.
std::string expand(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '@')
            out += bad_dir();
        else
            out += c;
    }
    return out;
}

struct BadCase {
    const char* file;
    const char* message;
};

// Every file in tests/data/bad/scenario/ with the message it must give.
const BadCase kCases[] = {
    {"after_exit.yaml",
     "@after_exit.yaml:9:11: error: this phase never runs: the process exits before it"},
    {"alloc_overflow.yaml", "@alloc_overflow.yaml:12:19: error: the phase allocates 400 pages, "
                            "more than buffer 'heap' holds (256)"},
    {"bad_gfp.yaml",
     "@bad_gfp.yaml:8:18: error: unknown gfp flag 'GFP_KERNAL' (did you mean 'GFP_KERNEL'?)"},
    {"bad_layout.yaml",
     "@bad_layout.yaml:6:12: error: kernel command line: 'pagesim.dmb=v9': expected off, v2 or v3"},
    {"bandwidth_unknown_dst.yaml", "@bandwidth_unknown_dst.yaml:11:16: error: process 'p' has no "
                                   "buffer 'dest' (did you mean 'dst'?)"},
    {"bytes_not_blocks.yaml", "@bytes_not_blocks.yaml:8:19: error: '48KiB' is not a whole number "
                              "of order-3 blocks (32KiB): 48KiB is not a multiple of 32KiB"},
    {"claim_controller.yaml", "@claim_controller.yaml:9:26: error: machine 'bcm7278' has no "
                              "controller 'MEMC2' (did you mean 'MEMC0'?)"},
    {"claim_too_big.yaml",
     "@claim_too_big.yaml:8:11: error: the claim (2GiB) is larger than controller MEMC0 (1GiB)"},
    {"count_and_bytes.yaml",
     "@count_and_bytes.yaml:10:18: error: give either 'count' or 'bytes', not both"},
    {"cpus.yaml", "@cpus.yaml:7:13: error: CPU 4 does not exist: the machine has 4 CPUs (0-3)"},
    {"duplicate_layout.yaml", "@duplicate_layout.yaml:6:12: error: duplicate layout 'a'"},
    {"empty_workload.yaml", "@empty_workload.yaml:4:11: error: the workload is empty: give "
                            "processes, events, events_file or generators"},
    {"events_and_file.yaml", "@events_and_file.yaml:6:16: error: give either 'events' or "
                             "'events_file', not both (their ids would mix)"},
    {"events_double_free.yaml",
     "@events_double_free.yaml:8:15: error: double free of id 1 (already freed at line 7)"},
    {"events_file.yaml",
     "@events_bad.txt:6:14: error: double free of id 100 (already freed at line 5)"},
    {"events_order_mismatch.yaml", "@events_order_mismatch.yaml:7:14: error: free of id 1 with "
                                   "order 3, but it was allocated with order 2 (line 6)"},
    {"events_realloc.yaml",
     "@events_realloc.yaml:7:18: error: id 1 is already allocated (line 6) and not freed"},
    {"events_syntax.yaml", "@events_syntax.yaml:7:8: error: expected alloc or free, got 'fre'"},
    {"events_time_order.yaml", "@events_time_order.yaml:7:8: error: events must be in time order: "
                               "1000000ns is before 2000000ns (line 6)"},
    {"events_unknown_free.yaml",
     "@events_unknown_free.yaml:7:18: error: free of id 2, which was never allocated"},
    {"generator_kind.yaml",
     "@generator_kind.yaml:6:13: error: unknown generator 'poison' (did you mean 'poisson'?)"},
    {"generator_param.yaml",
     "@generator_param.yaml:7:7: error: unknown key 'slot' in generator (did you mean 'slots'?)"},
    {"generator_value.yaml",
     "@generator_value.yaml:7:13: error: 'rate' must be a number in [1e-06, 1e+12], got 'fast'"},
    {"gfp_movable_reclaimable.yaml",
     "@gfp_movable_reclaimable.yaml:8:18: error: 'GFP_HIGHUSER_MOVABLE|__GFP_RECLAIMABLE': "
     "__GFP_MOVABLE and __GFP_RECLAIMABLE together are a kernel bug (gfp_migratetype() has no such "
     "type)"},
    {"gfp_zones.yaml", "@gfp_zones.yaml:8:18: error: 'GFP_KERNEL|__GFP_DMA|__GFP_DMA32': invalid "
                       "zone modifiers (GFP_ZONES_BUG): at most one of __GFP_DMA, __GFP_DMA32, "
                       "__GFP_HIGHMEM, optionally with __GFP_MOVABLE"},
    {"lifetime.yaml", "@lifetime.yaml:9:36: error: MAX must not be below MIN"},
    {"never_forked.yaml", "@never_forked.yaml:8:7: error: process 'template' has autostart: false, "
                          "but no fork phase starts it"},
    {"order_too_big.yaml", "@order_too_big.yaml:9:18: error: order 11 is too large: the largest "
                           "order on bcm7278 is 10 (MAX_ORDER 11)"},
    {"param_value.yaml",
     "@param_value.yaml:12:20: error: expected one of sequential, interleaved, got 'diagonal'"},
    {"rate.yaml",
     "@rate.yaml:9:17: error: expected a rate such as 500/s, 2k/s or 30/min, got '10 per second'"},
    {"repeat_forward.yaml", "@repeat_forward.yaml:9:19: error: repeat must jump back to an earlier "
                            "phase: phase 2 is not before this one (phase 1, counting from 0)"},
    {"repeat_label.yaml",
     "@repeat_label.yaml:10:19: error: no earlier phase has label 'lop' (did you mean 'loop'?)"},
    {"repeat_times.yaml",
     "@repeat_times.yaml:10:11: error: unknown key 'tims' in repeat phase (did you mean 'times'?)"},
    {"size_not_page.yaml", "@size_not_page.yaml:8:14: error: '6000' is not a whole number of pages "
                           "(4KiB): 6000B is not a multiple of 4KiB"},
    {"slab_movable.yaml",
     "@slab_movable.yaml:9:17: error: kernel pages (slab) are not movable: drop __GFP_MOVABLE"},
    {"thp_page_cache.yaml",
     "@thp_page_cache.yaml:8:56: error: thp: true is for anonymous memory (kind: anon)"},
    {"two_kinds.yaml", "@two_kinds.yaml:10:11: error: a phase has one kind, but this one has both "
                       "'touch' and 'free'"},
    {"undefined_buffer.yaml", "@undefined_buffer.yaml:10:18: error: process 'p' has no buffer "
                              "'bufer' (did you mean 'buffer'?)"},
    {"undefined_process.yaml", "@undefined_process.yaml:8:17: error: fork of undefined process "
                               "'wroker' (did you mean 'worker'?)"},
    {"unknown_key.yaml", "@unknown_key.yaml:4:1: error: unknown key 'durations' in scenario (did "
                         "you mean 'duration'?)"},
    {"unknown_machine.yaml", "@unknown_machine.yaml:3:10: error: no bundled machine 'bcm7728' and "
                             "no file '@bcm7728' (did you mean 'bcm7278'?); bundled machines: "
                             "bcm7278 bcm7445 qemu_x86_2G qemu_x86_4G qemu_x86_8G_2nodes"},
    {"unknown_param.yaml",
     "@unknown_param.yaml:9:18: error: unknown parameter 'frist' (parameters: first)"},
    {"unknown_phase_key.yaml", "@unknown_phase_key.yaml:12:11: error: unknown key 'passess' in "
                               "bandwidth phase (did you mean 'passes'?)"},
    {"unknown_phase_kind.yaml",
     "@unknown_phase_kind.yaml:9:11: error: unknown phase kind 'tuoch'; expected one of alloc, "
     "slab, page_tables, page_cache, pipe, socket, thp, touch, free, bandwidth, sleep, fork, exit, "
     "pin, unpin, claim, repeat"},
};

} // namespace

TEST_CASE("bad scenario files report file:line:col and why", "[yaml][scenario][errors]") {
    for (const BadCase& c : kCases) {
        INFO(c.file);
        CHECK(error_of(c.file) == expand(c.message));
    }
}

TEST_CASE("every bad scenario file is in the table", "[yaml][scenario][errors]") {
    std::size_t yaml_files = 0;
    for (const auto& e : std::filesystem::directory_iterator(bad_dir()))
        if (e.path().extension() == ".yaml") ++yaml_files;
    CHECK(yaml_files == std::size(kCases));
}

TEST_CASE("pagesim run exits 2 with the message on bad input", "[yaml][scenario][errors]") {
    auto run = [](RunCommand cmd, std::string& err) {
        std::ostringstream out, e;
        const int rc = run_command(cmd, out, e);
        err = e.str();
        return rc;
    };
    std::string err;
    RunCommand cmd;
    cmd.scenario = bad_dir() + "events_file.yaml";
    CHECK(run(cmd, err) == 2);
    CHECK(err == bad_dir() + "events_bad.txt:6:14: error: double free of id 100 (already freed "
                             "at line 5)\n");

    cmd.scenario = "thread_test";
    cmd.layout = "dmb_spilt";
    CHECK(run(cmd, err) == 2);
    CHECK(err.find("--layout 'dmb_spilt': scenario 'thread_test' has no such layout (it has: none, "
                   "movablecore, dmb_memc0, dmb_split, shuffle, dmb_split_shuffle)") !=
          std::string::npos);

    cmd.layout.clear();
    cmd.set = {"first_tuch=interleaved"};
    CHECK(run(cmd, err) == 2);
    CHECK(err.find("error: --set first_tuch: the scenario has no parameter 'first_tuch' (it has: "
                   "first_touch, thp)") != std::string::npos);

    cmd.set = {"first_touch=diagonal"};
    CHECK(run(cmd, err) == 2);
    CHECK(err.find("thread_test.yaml:41:20: error: expected one of sequential, interleaved, got "
                   "'diagonal'") != std::string::npos);

    cmd.set = {"first_touch"};
    CHECK(run(cmd, err) == 2);
    CHECK(err == "pagesim: error: --set: expected NAME=VALUE, got 'first_touch'\n");
}
