// SPDX-License-Identifier: GPL-2.0-only
// Explicit event lists: the compact line parser, the checker (unknown ids, double frees,
// time order), the streaming file reader, and the flat id map under them.
#include "workloads/explicit_events.h"
#include "workloads/id_map.h"

#include <catch2/catch.hpp>

#include <map>
#include <random>

using namespace pagesim;

namespace {

std::string data(const std::string& name) {
    std::string p = PAGESIM_TEST_DATA;
    p += "/scenarios/";
    p += name;
    return p;
}

ExplicitEvent parse(const std::string& line, bool* order_given = nullptr) {
    EventLineParser p;
    ExplicitEvent ev;
    bool og = false;
    REQUIRE(p.parse(line, ev, og));
    if (order_given) *order_given = og;
    return ev;
}

// The error of parsing `line`, with its 1-based column: "COL: message".
std::string parse_error(const std::string& line) {
    EventLineParser p;
    ExplicitEvent ev;
    bool og = false;
    try {
        p.parse(line, ev, og);
    } catch (const EventError& e) {
        return std::to_string(p.column(e.field())) + ": " + e.what();
    }
    return "";
}

} // namespace

TEST_CASE("compact event lines", "[yaml][events]") {
    bool og = true;
    ExplicitEvent a = parse("1500 alloc 7 3 GFP_KERNEL|__GFP_COMP 2", &og);
    CHECK(a.time_ns == 1500);
    CHECK(a.op == ExplicitEvent::Alloc);
    CHECK(a.id == 7);
    CHECK(a.order == 3);
    CHECK(a.gfp == (GFP_KERNEL | gfp::kComp));
    CHECK(a.cpu == 2);
    CHECK(og);
    a = parse("\t2.5ms   alloc 0x1f 0 GFP_HIGHUSER_MOVABLE   # comment");
    CHECK(a.time_ns == 2'500'000);
    CHECK(a.id == 31);
    CHECK(a.cpu == 0);
    ExplicitEvent f = parse("3ms free 7", &og);
    CHECK(f.op == ExplicitEvent::Free);
    CHECK_FALSE(og);
    f = parse("3ms free 7 - - 1", &og);
    CHECK_FALSE(og);
    CHECK(f.cpu == 1);
    f = parse("3ms free 7 2", &og);
    CHECK(og);
    CHECK(f.order == 2);

    EventLineParser p;
    ExplicitEvent ev;
    CHECK_FALSE(p.parse("", ev, og));
    CHECK_FALSE(p.parse("   # only a comment", ev, og));

    CHECK(parse_error("0 allocate 1 0 GFP_KERNEL") == "3: expected alloc or free, got 'allocate'");
    CHECK(parse_error("0 alloc x1 0 GFP_KERNEL") == "9: expected an id (an integer), got 'x1'");
    CHECK(parse_error("0 alloc 1 0") == "11: an alloc event needs ORDER and GFP");
    CHECK(parse_error("0 alloc 1 0 GFP_KERNAL") == "13: unknown gfp flag 'GFP_KERNAL'");
    CHECK(parse_error("0 alloc 1 0 GFP_KERNEL|__GFP_MOVABLE|__GFP_RECLAIMABLE")
              .starts_with("13: 'GFP_KERNEL|__GFP_MOVABLE|__GFP_RECLAIMABLE': __GFP_MOVABLE and"));
    CHECK(parse_error("5 sec alloc 1") == "3: expected alloc or free, got 'sec'");
    CHECK(parse_error("1 free 1 0 - 0 extra") == "16: too many fields: an event is TIME OP ID "
                                                 "[ORDER [GFP [CPU]]]");
    CHECK(parse_error("1 free") == "3: an event needs at least TIME OP ID");
    CHECK(parse_error("1 free 1 - - x") == "14: expected a CPU number, got 'x'");
}

TEST_CASE("the checker rejects unknown ids, double frees and time travel", "[yaml][events]") {
    auto ev = [](std::int64_t t, ExplicitEvent::Op op, std::uint64_t id, unsigned order,
                 std::uint32_t line) {
        ExplicitEvent e;
        e.time_ns = t;
        e.op = op;
        e.id = id;
        e.order = static_cast<std::uint8_t>(order);
        e.line = line;
        return e;
    };
    auto error = [](EventListChecker& c, ExplicitEvent e, bool order_given = false) {
        try {
            c.check(e, order_given);
        } catch (const EventError& x) {
            return std::string(x.what());
        }
        return std::string();
    };
    EventListChecker c({11});
    CHECK(error(c, ev(0, ExplicitEvent::Alloc, 1, 2, 1)).empty());
    CHECK(error(c, ev(5, ExplicitEvent::Alloc, 2, 0, 2)).empty());
    CHECK(c.live() == 2);
    CHECK(error(c, ev(6, ExplicitEvent::Free, 3, 0, 3)) ==
          "free of id 3, which was never allocated");
    ExplicitEvent f = ev(7, ExplicitEvent::Free, 1, 0, 4);
    CHECK(error(c, f).empty());
    CHECK(error(c, ev(8, ExplicitEvent::Free, 1, 2, 5)) ==
          "double free of id 1 (already freed at line 4)");
    CHECK(error(c, ev(9, ExplicitEvent::Free, 2, 1, 6), true) ==
          "free of id 2 with order 1, but it was allocated with order 0 (line 2)");
    CHECK(error(c, ev(10, ExplicitEvent::Alloc, 2, 0, 7)) ==
          "id 2 is already allocated (line 2) and not freed");
    CHECK(error(c, ev(3, ExplicitEvent::Alloc, 9, 0, 8)) ==
          "events must be in time order: 3ns is before 10ns (line 7)");
    CHECK(error(c, ev(11, ExplicitEvent::Alloc, 9, 11, 9)) ==
          "order 11 is too large: the largest is 10 (MAX_ORDER 11)");
    ExplicitEvent big_cpu = ev(12, ExplicitEvent::Alloc, 10, 0, 10);
    big_cpu.cpu = 63; // a capture from a bigger machine: taken modulo the machine's CPUs
    CHECK(error(c, big_cpu).empty());
    // A free without its order gets the allocation's (the echo prints it).
    EventListChecker c2({11});
    ExplicitEvent a = ev(0, ExplicitEvent::Alloc, 5, 3, 1);
    c2.check(a, true);
    ExplicitEvent g = ev(1, ExplicitEvent::Free, 5, 0, 2);
    c2.check(g, false);
    CHECK(g.order == 3);
    // An id may be reused once freed.
    ExplicitEvent again = ev(2, ExplicitEvent::Alloc, 5, 0, 3);
    CHECK(error(c2, again).empty());
}

TEST_CASE("the file reader streams the events of a file", "[yaml][events]") {
    EventFileReader r(data("events.txt"));
    std::vector<ExplicitEvent> evs;
    ExplicitEvent e;
    while (r.next(e)) evs.push_back(e);
    REQUIRE(evs.size() == 7);
    CHECK(evs[0].line == 2);
    CHECK(evs[1].gfp == (GFP_KERNEL | gfp::kComp));
    CHECK(evs[1].cpu == 1);
    CHECK(evs[2].id == 16);
    CHECK(evs[2].time_ns == 1500);
    CHECK(evs[6].gfp == (GFP_KERNEL | gfp::kReclaimable));
    CHECK_THROWS_WITH(EventFileReader(data("no_such_file.txt")),
                      data("no_such_file.txt") + ": cannot read the event list");
}

TEST_CASE("IdMap agrees with std::map under random churn", "[yaml][events]") {
    IdMap<std::uint32_t> m;
    std::map<std::uint64_t, std::uint32_t> ref;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 200000; ++i) {
        // Clustered keys (like pfns) and wide ones, so probe runs wrap and shift.
        const std::uint64_t key = (rng() & 1) ? rng() % 4096 : rng();
        switch (rng() % 3) {
        case 0:
        case 1:
            m.set(key, static_cast<std::uint32_t>(i));
            ref[key] = static_cast<std::uint32_t>(i);
            break;
        default:
            CHECK(m.erase(key) == (ref.erase(key) == 1));
        }
        if (i % 20000 == 0) {
            REQUIRE(m.size() == ref.size());
            for (const auto& [k, v] : ref) {
                const std::uint32_t* got = m.find(k);
                REQUIRE(got != nullptr);
                REQUIRE(*got == v);
            }
        }
    }
    for (const auto& [k, v] : ref) REQUIRE(m.erase(k));
    CHECK(m.empty());
    CHECK(m.find(1) == nullptr);
}

TEST_CASE("pagesim-events v1 lines (the trace importer's format) read as compact events",
          "[yaml][events]") {
    // Header comment, six fields, hex masks, "0x0" for a free's mask.
    EventLineParser p;
    EventListChecker c({11});
    ExplicitEvent ev;
    bool og = false;
    CHECK_FALSE(p.parse("# pagesim-events v1", ev, og));
    CHECK_FALSE(p.parse("# time_ns op id order gfp cpu", ev, og));
    REQUIRE(p.parse("0 alloc 0 0 0x400dc0 0", ev, og));
    CHECK(ev.gfp == (GFP_KERNEL_ACCOUNT | gfp::kZero));
    c.check(ev, og);
    REQUIRE(p.parse("1062000 alloc 2 0 0x140dca 1", ev, og));
    CHECK(ev.gfp == (GFP_HIGHUSER_MOVABLE | gfp::kComp | gfp::kZero));
    c.check(ev, og);
    REQUIRE(p.parse("554375000 free 2 0 0x0 0", ev, og));
    CHECK(ev.op == ExplicitEvent::Free);
    CHECK(og);
    c.check(ev, og);
    CHECK(c.live() == 1);
}
