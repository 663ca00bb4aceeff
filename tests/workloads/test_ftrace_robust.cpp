// SPDX-License-Identifier: GPL-2.0-only
// The parser on arbitrary input, in every CI run: a few MB of seeded random bytes and of
// mutated real lines must keep the properties of tests/fuzz/ftrace_properties.h (no crash,
// no exception, consistent counts, sane events that round-trip through the writer). The
// libFuzzer target explores further with the `fuzz` preset.
#include "fuzz/ftrace_properties.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <random>

using namespace pagesim;

namespace {

const std::string kRef = PAGESIM_TEST_DATA "/reference/t_4G_trace/trace.txt";

/// Lines of the reference capture plus the other event kinds and prefix forms.
std::vector<std::string> seed_lines() {
    std::vector<std::string> lines;
    std::ifstream in(kRef);
    std::string l;
    for (int i = 0; i < 400 && std::getline(in, l); ++i) lines.push_back(l);
    while (std::getline(in, l))
        if (l.find("extfrag") != std::string::npos) lines.push_back(l);
    // Other events and prefix forms (built in place: GCC 12 -O3 warns falsely on
    // push_back of a short temporary string).
    static const char* const kExtra[] = {
        "        pressure-100     [000] d..3.     2.757871: mm_page_alloc_zone_locked: "
        "page=(____ptrval____) pfn=0x400 order=3 migratetype=2 percpu_refill=1",
        "        pressure-100     [000] d..3.     2.757871: mm_page_pcpu_drain: "
        "page=(____ptrval____) pfn=0x401 order=0 migratetype=4",
        "        pressure-100     [000] d..3.     2.757871: mm_page_free_batched: "
        "page=(____ptrval____) pfn=0x402 order=0",
        "           <...>-77      (-------) [000] .....     1.000000: mm_page_free: "
        "page=(____ptrval____) pfn=0x10 order=1",
        "        pressure-100   [001] 2.757871234: mm_page_free:         "
        "page=0xffffea00040c4e80 pfn=1061178 order=0",
        "pressure-100     0d..3.  2.757871: mm_page_free: pfn=0x5 order=2",
        "CPU:1 [LOST 12 EVENTS]",
        "cpus=2",
    };
    for (const char* e : kExtra) lines.emplace_back(e);
    return lines;
}

/// One random edit of a line: flip, insert, delete, duplicate, truncate, splice.
std::string mutate(std::string s, const std::vector<std::string>& pool, std::mt19937_64& rng) {
    static constexpr char kAlphabet[] = "0123456789abcdefx-[]().: =|_\r\t\n#\xff\x00";
    auto pick = [&](std::size_t n) { return n ? static_cast<std::size_t>(rng() % n) : 0; };
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
        const std::size_t at = pick(s.size() + 1);
        switch (rng() % 7) {
        case 0:
            if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng());
            break;
        case 1:
            s.insert(at, 1, kAlphabet[pick(sizeof kAlphabet - 1)]);
            break;
        case 2:
            s.erase(at, pick(8));
            break;
        case 3:
            s.insert(at, s.substr(pick(s.size()), pick(24)));
            break;
        case 4:
            s.resize(at);
            break;
        case 5: {
            const std::string& other = pool[pick(pool.size())];
            s += ' ';
            s.append(other, pick(other.size()));
            break;
        }
        default:
            s.insert(at, std::string(pick(30), static_cast<char>('0' + rng() % 10)));
            break;
        }
    }
    return s;
}

} // namespace

TEST_CASE("robustness: seeded random bytes", "[ftrace][robust]") {
    std::mt19937_64 rng(20240601);
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t total = 0;
    // Mostly bytes the grammar cares about, so that random input gets deep into the parser.
    static constexpr char kBiased[] = "0123456789 -[].:=x\n";
    for (int round = 0; round < 64; ++round) {
        std::string input(4096 + rng() % 60000, '\0');
        for (char& c : input)
            c = rng() % 4 ? kBiased[rng() % (sizeof kBiased - 1)] : static_cast<char>(rng());
        total += input.size();
        const std::string why = fuzz::check_ftrace_properties(input);
        INFO("round " << round);
        REQUIRE(why.empty());
    }
    CHECK(total > (std::size_t{2} << 20));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
}

TEST_CASE("robustness: mutated real lines", "[ftrace][robust]") {
    const std::vector<std::string> pool = seed_lines();
    REQUIRE(pool.size() > 400);
    std::mt19937_64 rng(7);
    std::size_t total = 0;
    std::size_t events = 0;
    for (int round = 0; round < 200; ++round) {
        std::string input;
        for (int i = 0; i < 100; ++i) {
            const std::string& line = pool[rng() % pool.size()];
            input += (rng() % 3 ? mutate(line, pool, rng) : line);
            input += rng() % 50 ? "\n" : "\r\n";
        }
        if (rng() % 4 == 0) input.resize(rng() % (input.size() + 1)); // truncated file
        total += input.size();
        const std::string why = fuzz::check_ftrace_properties(input);
        INFO("round " << round << ": " << why);
        REQUIRE(why.empty());
        // Mutations must leave many lines valid, or the test would only exercise errors.
        std::vector<TraceEvent> ev;
        events += fuzz::read_all(input, 1 << 16, ev).kmem_events();
    }
    CHECK(total > (std::size_t{2} << 20));
    CHECK(events > 5000);
}

TEST_CASE("robustness: the reference capture keeps every property", "[ftrace][robust]") {
    std::ifstream in(kRef, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // The first 200 KB: the properties re-read the input several times.
    CHECK(fuzz::check_ftrace_properties(text.substr(0, 200000)).empty());
}
