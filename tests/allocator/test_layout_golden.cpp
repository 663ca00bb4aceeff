// SPDX-License-Identifier: GPL-2.0-only
// Golden tests against real Linux 6.1 boots (tests/data/reference, copied from
// ../shared/reference): zone spans, start_pfn, present, managed and the boot-log lines.
#include "allocator/layout_dmesg.h"
#include "layout_test_util.h"

#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <vector>

using namespace pagesim;
using namespace pagesim::test;

namespace {

struct RefZone {
    int nid = 0;
    std::string zone;
    Pfn spanned = 0, present = 0, managed = 0, start_pfn = 0;
};

std::vector<RefZone> parse_zoneinfo(const std::string& text) {
    std::vector<RefZone> out;
    std::istringstream in(text);
    std::string line;
    const std::regex head(R"(^Node (\d+), zone +(\S+))");
    const std::regex field(R"(^\s+(spanned|present|managed)\s+(\d+))");
    const std::regex start(R"(^\s+start_pfn:\s+(\d+))");
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_search(line, m, head)) {
            out.push_back({std::stoi(m[1]), m[2], 0, 0, 0, 0});
        } else if (!out.empty() && std::regex_search(line, m, field)) {
            const Pfn v = std::stoull(m[2]);
            if (m[1] == "spanned") out.back().spanned = v;
            if (m[1] == "present") out.back().present = v;
            if (m[1] == "managed") out.back().managed = v;
        } else if (!out.empty() && std::regex_search(line, m, start)) {
            out.back().start_pfn = std::stoull(m[1]);
        }
    }
    return out;
}

// The memory-layout lines of a dmesg, without "<level>[timestamp] ".
std::vector<std::string> layout_lines(const std::string& dmesg) {
    std::vector<std::string> out;
    std::istringstream in(dmesg);
    std::string line;
    const std::regex prefix(R"(^(<\d>)?\[ *[0-9.]+\] )");
    const std::regex keep(
        R"(^(Zone ranges:|  (DMA|DMA32|Normal|HighMem|Device) +(\[mem|empty)|)"
        R"(Movable zone start|  Node \d+: 0x|Early memory node ranges|)"
        R"(  node +\d+: \[mem|Initmem setup node|On node \d+, zone|cma: Reserved))");
    while (std::getline(in, line)) {
        line = std::regex_replace(line, prefix, "");
        if (std::regex_search(line, keep)) out.push_back(line);
    }
    return out;
}

std::string ref_cmdline(const std::string& dir) {
    std::istringstream in(read_text(dir + "/cmdline.txt"));
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("kernel command line: ", 0) == 0) return line.substr(21);
    // arm64_7278_none: the command line is in the boot log.
    std::istringstream d(read_text(dir + "/dmesg.txt"));
    while (std::getline(d, line)) {
        const auto k = line.find("Kernel command line: ");
        if (k != std::string::npos) return line.substr(k + 21);
    }
    return "";
}

struct Config {
    const char* dir;
    const char* machine;
    const char* dmesg; // file with the boot log, "" if none
};

const Config kConfigs[] = {
    {"a_2G", "qemu_x86_2G", "dmesg_memory.txt"},
    {"b_4G", "qemu_x86_4G", "dmesg_memory.txt"},
    {"d_4G_movablecore1G", "qemu_x86_4G", "dmesg_memory.txt"},
    {"h_8G_2nodes_movablecore2G", "qemu_x86_8G_2nodes", "dmesg_memory.txt"},
    {"wm_4G", "qemu_x86_4G", "dmesg_memory.txt"},
    {"t_4G_trace", "qemu_x86_4G", ""},
    {"arm64_7278_none", "bcm7278", "dmesg.txt"},
};

void check_config(const Config& c) {
    const std::string dir = std::string(PAGESIM_TEST_DATA) + "/reference/" + c.dir;
    const std::string cmdline = ref_cmdline(dir);
    REQUIRE_FALSE(cmdline.empty());
    const Layout L = boot(bundled(c.machine), cmdline);
    const std::vector<RefZone> ref = parse_zoneinfo(read_text(dir + "/zoneinfo.txt"));
    REQUIRE(ref.size() == L.nodes.size() * L.nr_zones());
    for (const RefZone& r : ref) {
        INFO(c.dir << ": node " << r.nid << " zone " << r.zone);
        const NodeLayout& node = L.node(r.nid);
        const ZoneSpan* z = nullptr;
        unsigned zi = 0;
        for (unsigned i = 0; i < node.zones.size(); ++i)
            if (zone_name(node.zones[i].type) == r.zone) {
                z = &node.zones[i];
                zi = i;
            }
        REQUIRE(z != nullptr);
        CHECK(z->spanned == r.spanned);
        CHECK(z->present == r.present);
        CHECK(z->zone_start_pfn == r.start_pfn);
        // managed = present - reserved, with the late-freed regions given back (E14).
        CHECK(L.managed_pages(r.nid, zi) == r.managed);
    }
    if (*c.dmesg) {
        const auto want = layout_lines(read_text(dir + "/" + c.dmesg));
        REQUIRE(!want.empty());
        CHECK(layout_dmesg_lines(L) == want);
    }
}

} // namespace

TEST_CASE("golden: a_2G (DMA + DMA32 only)", "[layout][golden]") {
    check_config(kConfigs[0]);
}
TEST_CASE("golden: b_4G (DMA, DMA32 with the PCI hole, Normal)", "[layout][golden]") {
    check_config(kConfigs[1]);
}
TEST_CASE("golden: d_4G movablecore=1G", "[layout][golden]") {
    check_config(kConfigs[2]);
}
TEST_CASE("golden: h_8G two nodes, movablecore=2G spread", "[layout][golden]") {
    check_config(kConfigs[3]);
}
TEST_CASE("golden: wm_4G", "[layout][golden]") {
    check_config(kConfigs[4]);
}
TEST_CASE("golden: t_4G_trace (zoneinfo before the trace)", "[layout][golden]") {
    check_config(kConfigs[5]);
}
TEST_CASE("golden: arm64 BCM7278 map, no movablecore", "[layout][golden]") {
    check_config(kConfigs[6]);
}

TEST_CASE("golden: E14 late-freed pages are the reference's Freeing lines", "[layout][golden]") {
    // x86: initrd 1484K + decrypted 2036K + initmem 2824K + gaps 2040K and 1108K = 2373 pages,
    // all in DMA32; arm64: initmem 6464K + initrd 656K = 1780 pages, all in DMA.
    const Layout x = boot(bundled("qemu_x86_4G"), "");
    Pfn late = 0;
    for (const PfnRange& r : x.late_free) late += r.size();
    CHECK(late == 2373);
    CHECK(x.zone_of(x.late_free.front().start)->zone_idx ==
          static_cast<unsigned>(x.zone_index(ZONE_DMA32)));
    const Layout a = boot(bundled("bcm7278"), "");
    late = 0;
    for (const PfnRange& r : a.late_free) late += r.size();
    CHECK(late == 1780);
    // The CMA area: "cma: Reserved 64 MiB at 0x000000007c000000", counted in DMA's managed.
    REQUIRE(a.cma.size() == 1);
    CHECK(a.cma[0].range == PfnRange{0x7c000, 0x80000});
}

TEST_CASE("golden: the default kernel (DMB v3) and plain 6.1 agree on the references",
          "[layout][golden]") {
    for (const char* cl : {"movablecore=1G", "", "kernelcore=2G"}) {
        const Layout v3 = boot(bundled("qemu_x86_4G"), cl);
        const Layout off = boot(bundled("qemu_x86_4G"), std::string(cl) + " pagesim.dmb=off");
        INFO(cl);
        for (std::size_t i = 0; i < v3.nodes[0].zones.size(); ++i) {
            CHECK(v3.nodes[0].zones[i].spanned == off.nodes[0].zones[i].spanned);
            CHECK(v3.nodes[0].zones[i].present == off.nodes[0].zones[i].present);
        }
        CHECK(layout_dmesg_lines(v3) == layout_dmesg_lines(off));
    }
}
