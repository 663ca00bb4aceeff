// SPDX-License-Identifier: GPL-2.0-only
// Golden tests against real Linux 6.1 boots (tests/data/reference, copied from
// ../shared/reference): zone spans, start_pfn, present, managed and the boot-log lines.
#include "allocator/layout_dmesg.h"
#include "layout_test_util.h"

#include <catch2/catch.hpp>

#include <map>
#include <vector>

using namespace pagesim;
using namespace pagesim::test;

namespace {

struct RefZone {
    int nid = 0;
    std::string zone;
    Pfn spanned = 0, present = 0, managed = 0, start_pfn = 0;
};

// Words of a line, split on blanks.
std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> w;
    std::string x;
    while (in >> x) w.push_back(x);
    return w;
}

std::vector<RefZone> parse_zoneinfo(const std::string& text) {
    // (No <regex>: GCC 12 with -fsanitize warns inside it.)
    std::vector<RefZone> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto w = words(line);
        if (w.size() == 4 && w[0] == "Node" && w[2] == "zone") {
            out.push_back({std::stoi(w[1]), w[3], 0, 0, 0, 0});
        } else if (!out.empty() && w.size() == 2 && line.rfind("        ", 0) == 0) {
            if (w[0] == "spanned") out.back().spanned = std::stoull(w[1]);
            if (w[0] == "present") out.back().present = std::stoull(w[1]);
            if (w[0] == "managed") out.back().managed = std::stoull(w[1]);
        } else if (!out.empty() && w.size() == 2 && w[0] == "start_pfn:") {
            out.back().start_pfn = std::stoull(w[1]);
        }
    }
    return out;
}

bool starts(const std::string& s, const char* p) {
    return s.rfind(p, 0) == 0;
}

// The memory-layout lines of a dmesg, without "<level>[timestamp] ".
std::vector<std::string> layout_lines(const std::string& dmesg) {
    std::vector<std::string> out;
    std::istringstream in(dmesg);
    std::string line;
    while (std::getline(in, line)) {
        const auto close = line.find("] ");
        if (line.empty() || close == std::string::npos || line.find('[') > close) continue;
        line = line.substr(close + 2);
        bool keep = starts(line, "Zone ranges:") || starts(line, "Movable zone start") ||
                    starts(line, "Early memory node ranges") ||
                    starts(line, "Initmem setup node") || starts(line, "On node ") ||
                    starts(line, "cma: Reserved") || starts(line, "  node ") ||
                    (starts(line, "  Node ") && line.find(": 0x") != std::string::npos);
        for (const char* z : {"  DMA ", "  DMA32 ", "  Normal ", "  HighMem ", "  Device "})
            keep = keep || (starts(line, z) && (line.find("[mem") != std::string::npos ||
                                                line.find("empty") != std::string::npos));
        if (keep) out.push_back(line);
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
