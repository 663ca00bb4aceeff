// SPDX-License-Identifier: GPL-2.0-only
// The booted allocator against real Linux 6.1 boots (tests/data/reference): watermarks,
// protection arrays, managed and cma pages, pcp high/batch, vm stats threshold, the /proc
// formats line for line, the pageblock types boot decides (errata E1, E2), and the vm
// sysctl writes of wm_4G/snaps one after another (E14: recomputes use final managed).
#include "alloc_test_util.h"
#include "allocator/proc_fs.h"
#include "layout_test_util.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <map>

using namespace pagesim;
using namespace pagesim::test;

namespace {

struct RefZone {
    int nid = 0;
    std::string zone;
    std::map<std::string, long long> v; ///< min, low, high, spanned, ..., start_pfn
    std::vector<long long> protection;
    int pcp_high = -1, pcp_batch = -1, threshold = -1;
};

std::vector<RefZone> parse_zoneinfo(const std::string& text) {
    std::vector<RefZone> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::vector<std::string> w;
        for (std::string x; ls >> x;) w.push_back(x);
        if (w.empty()) continue;
        if (w.size() == 4 && w[0] == "Node" && w[2] == "zone") {
            out.push_back({std::stoi(w[1].substr(0, w[1].size() - 1)), w[3], {}, {}});
            continue;
        }
        if (out.empty()) continue;
        RefZone& z = out.back();
        if (w[0] == "protection:") {
            for (std::size_t i = 1; i < w.size(); ++i) {
                std::string t = w[i];
                t.erase(std::remove_if(t.begin(), t.end(),
                                       [](char c) { return c == '(' || c == ')' || c == ','; }),
                        t.end());
                z.protection.push_back(std::stoll(t));
            }
        } else if (w.size() == 3 && w[0] == "pages" && w[1] == "free") {
            z.v["free"] = std::stoll(w[2]);
        } else if (w.size() == 2 &&
                   (w[0] == "boost" || w[0] == "min" || w[0] == "low" || w[0] == "high" ||
                    w[0] == "spanned" || w[0] == "present" || w[0] == "managed" || w[0] == "cma")) {
            z.v[w[0]] = std::stoll(w[1]);
        } else if (w.size() == 2 && w[0] == "start_pfn:") {
            z.v["start_pfn"] = std::stoll(w[1]);
        } else if (w.size() == 2 && w[0] == "high:" && z.pcp_high < 0) {
            z.pcp_high = std::stoi(w[1]);
        } else if (w.size() == 2 && w[0] == "batch:" && z.pcp_batch < 0) {
            z.pcp_batch = std::stoi(w[1]);
        } else if (w.size() == 4 && w[0] == "vm" && z.threshold < 0) {
            z.threshold = std::stoi(w[3]);
        }
    }
    return out;
}

std::string ref_dir(const std::string& name) {
    std::string d = PAGESIM_TEST_DATA; // appended piecewise: GCC 12 -Warray-bounds noise
    d += "/reference/";
    d += name;
    return d;
}

std::string cmdline_of(const std::string& dir) {
    std::istringstream in(read_text(dir + "/cmdline.txt"));
    for (std::string line; std::getline(in, line);)
        if (line.rfind("kernel command line: ", 0) == 0) return line.substr(21);
    return "";
}

std::unique_ptr<PageAllocator> boot_allocator(const std::string& machine,
                                              const std::string& cmdline) {
    AllocatorOptions o;
    o.debug_checks = false;
    auto pa = std::make_unique<PageAllocator>(boot(bundled(machine), cmdline), o);
    pa->check_invariants();
    return pa;
}

// Compares the fields a boot determines; `watermarks` false skips min/low/high/pcp high.
void compare_zones(const PageAllocator& pa, const std::vector<RefZone>& ref, bool watermarks = true,
                   bool protection = true) {
    std::size_t i = 0;
    REQUIRE(ref.size() == pa.zones().size());
    for (const Zone* z : pa.zones()) {
        const RefZone& r = ref[i++];
        INFO("node " << r.nid << " zone " << r.zone);
        REQUIRE(r.zone == zone_name(z->type));
        CHECK(r.v.at("spanned") == static_cast<long long>(z->spanned_pages));
        CHECK(r.v.at("present") == static_cast<long long>(z->present_pages));
        CHECK(r.v.at("managed") == static_cast<long long>(z->managed_pages));
        CHECK(r.v.at("cma") == static_cast<long long>(z->cma_pages));
        if (z->populated()) CHECK(r.v.at("start_pfn") == static_cast<long long>(z->zone_start_pfn));
        if (watermarks) {
            CHECK(r.v.at("min") == static_cast<long long>(z->wmark_pages(WMARK_MIN)));
            CHECK(r.v.at("low") == static_cast<long long>(z->wmark_pages(WMARK_LOW)));
            CHECK(r.v.at("high") == static_cast<long long>(z->wmark_pages(WMARK_HIGH)));
            if (z->populated()) {
                CHECK(r.pcp_high == z->pcp[0].high);
                CHECK(r.pcp_batch == z->pcp[0].batch);
            }
        }
        if (protection) {
            std::vector<long long> mine;
            for (std::size_t j = 0; j < pa.nodes()[0].zones.size(); ++j)
                mine.push_back(z->lowmem_reserve[j]);
            CHECK(r.protection == mine);
        }
        if (z->populated())
            CHECK(r.threshold ==
                  vm_stats_threshold(pa.ncpus(), z->managed_pages, pa.kconfig().page_shift));
    }
}

// A line with its numbers masked: the format without the values. For right-aligned
// columns (buddyinfo, pagetypeinfo) a number and its padding become '=' of the same width,
// so the alignment is checked; for "%-12s %lu" style lines (zoneinfo, vmstat) a number is
// one '#'.
std::string shape(const std::string& line, bool fixed_width) {
    std::string out;
    for (std::size_t i = 0; i < line.size();) {
        std::size_t j = i;
        while (j < line.size() && line[j] == ' ') ++j;
        std::size_t k = j;
        while (k < line.size() && std::isdigit(static_cast<unsigned char>(line[k]))) ++k;
        if (k > j && (k == line.size() || !std::isalpha(static_cast<unsigned char>(line[k])))) {
            if (fixed_width) {
                out.append(k - i, '=');
            } else {
                out.append(line, i, j - i);
                out += '#';
            }
            i = k;
        } else {
            out.append(line, i, std::max(k, i + 1) - i);
            i = std::max(k, i + 1);
        }
    }
    return out;
}
std::vector<std::string> shapes(const std::string& text, bool fixed_width = false) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) v.push_back(shape(line, fixed_width));
    return v;
}

struct Config {
    const char* dir;
    const char* machine;
};
const Config kConfigs[] = {
    {"a_2G", "qemu_x86_2G"},
    {"b_4G", "qemu_x86_4G"},
    {"d_4G_movablecore1G", "qemu_x86_4G"},
    {"h_8G_2nodes_movablecore2G", "qemu_x86_8G_2nodes"},
};

} // namespace

TEST_CASE("boot golden: watermarks, protection, managed, pcp against the x86 references",
          "[boot][golden]") {
    for (const Config& c : kConfigs) {
        INFO(c.dir);
        const std::string dir = ref_dir(c.dir);
        const auto pa = boot_allocator(c.machine, cmdline_of(dir));
        compare_zones(*pa, parse_zoneinfo(read_text(dir + "/zoneinfo.txt")));
    }
}

TEST_CASE("boot golden: arm64 BCM7278 (CMA area, 4 zone types, 4 CPUs)", "[boot][golden]") {
    const std::string dir = ref_dir("arm64_7278_none");
    const auto pa = boot_allocator("bcm7278", "console=ttyAMA0 nokaslr loglevel=1 panic=-1");
    compare_zones(*pa, parse_zoneinfo(read_text(dir + "/zoneinfo.txt")));
    CHECK(pa->cma_configured());
    CHECK(pa->nr_migratetypes() == 6);
    // The whole 64 MiB area is free CMA right after boot (the real kernel had used 192
    // pages of it by the time it was read).
    const Zone& dma = *pa->zones()[0];
    CHECK(dma.cma_pages == 16384);
    CHECK(dma.free_cma_pages() == 16384);
}

TEST_CASE("boot golden: the /proc formats line for line", "[boot][golden][format]") {
    for (const Config& c : kConfigs) {
        INFO(c.dir);
        const std::string dir = ref_dir(c.dir);
        const auto pa = boot_allocator(c.machine, cmdline_of(dir));
        CHECK(shapes(format_zoneinfo(*pa)) == shapes(read_text(dir + "/zoneinfo.txt")));
        CHECK(shapes(format_buddyinfo(*pa), true) ==
              shapes(read_text(dir + "/buddyinfo.txt"), true));
        CHECK(shapes(format_pagetypeinfo(*pa), true) ==
              shapes(read_text(dir + "/pagetypeinfo.txt"), true));
        CHECK(shapes(format_vmstat(*pa)) == shapes(read_text(dir + "/vmstat.txt")));
    }
    const std::string dir = ref_dir("arm64_7278_none");
    const auto pa = boot_allocator("bcm7278", "");
    CHECK(shapes(format_zoneinfo(*pa)) == shapes(read_text(dir + "/zoneinfo.txt")));
    CHECK(shapes(format_pagetypeinfo(*pa), true) ==
          shapes(read_text(dir + "/pagetypeinfo.txt"), true));
    CHECK(shapes(format_vmstat(*pa)) == shapes(read_text(dir + "/vmstat.txt")));
}

TEST_CASE("boot golden: pageblock types at boot (E1 hole-first blocks, E2 deferred reserves)",
          "[boot][golden]") {
    const auto pa = boot_allocator("qemu_x86_4G", "");
    const std::string pti = format_pagetypeinfo(*pa);
    // DMA: pfn 0 is reserved (not memory), so pageblock 0 stays UNMOVABLE (E1), the other 7
    // are MOVABLE; pageblock 0's free pages, pfns 256..511 (0x100 on), sit on the Unmovable
    // lists as one order-8 block. (The real kernel then allocated half of it: its
    // pagetypeinfo shows an order-7 Unmovable block.)
    CHECK(pti.find("Node 0, zone      DMA            1            7            0            0      "
                   "      0 ") != std::string::npos);
    const Zone& dma = *pa->zones()[0];
    CHECK(free_list(*pa, dma, 8, MIGRATE_UNMOVABLE) == std::vector<Pfn>{256});
    // Normal: the memmap and other top-down reservations fill whole pageblocks at the top of
    // the deferred range; their blocks never get a migratetype (E2). The real kernel shows
    // 46 Unmovable blocks, the boot's own plus those its allocations later stole.
    const Zone& normal = *pa->zones()[2];
    std::uint64_t unmovable = 0, total = 0;
    for (Pfn pfn = normal.zone_start_pfn; pfn < normal.zone_end_pfn(); pfn += 512) {
        ++total;
        const PageIdx p = pa->page_map().pfn_to_page(pfn);
        if (pa->page_map().get_pageblock_migratetype(p) == MIGRATE_UNMOVABLE) ++unmovable;
    }
    CHECK(total == 512);
    const std::uint64_t reserved_pages = normal.present_pages - normal.managed_pages;
    CHECK(unmovable >= reserved_pages / 512);
    CHECK(unmovable <= reserved_pages / 512 + 2);
    CHECK(unmovable <= 46);
}

TEST_CASE("boot golden: wm_4G sysctl writes recompute with the final managed counts (E14)",
          "[boot][golden]") {
    const std::string dir = ref_dir("wm_4G");
    auto pa = boot_allocator("qemu_x86_4G", "");
    compare_zones(*pa, parse_zoneinfo(read_text(dir + "/zoneinfo.txt")));
    auto snap = [&](const char* name) {
        std::string path = dir;
        path += "/snaps/";
        path += name;
        path += "/zoneinfo.txt";
        return parse_zoneinfo(read_text(path));
    };
    // Reading /proc/sys/vm/lowmem_reserve_ratio recomputes the protection arrays (6.1).
    pa->setup_per_zone_lowmem_reserve();
    compare_zones(*pa, snap("wm_default"));
    pa->set_watermark_scale_factor(100);
    compare_zones(*pa, snap("wm_wsf100"));
    pa->set_watermark_scale_factor(1000);
    compare_zones(*pa, snap("wm_wsf1000"));
    pa->set_watermark_scale_factor(10);
    pa->set_min_free_kbytes(16384);
    compare_zones(*pa, snap("wm_minfree16384"));
    pa->set_min_free_kbytes(131072);
    compare_zones(*pa, snap("wm_minfree131072"));
    pa->set_min_free_kbytes(67584);
    compare_zones(*pa, snap("wm_minfree_restored"));
    auto ratio = pa->sysctl().lowmem_reserve_ratio;
    ratio[ZONE_DMA] = 128;
    ratio[ZONE_DMA32] = 128;
    ratio[ZONE_NORMAL] = 16;
    pa->set_lowmem_reserve_ratio(ratio);
    compare_zones(*pa, snap("wm_lrr_128_128_16"));
}
