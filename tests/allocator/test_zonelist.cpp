// SPDX-License-Identifier: GPL-2.0-only
// Zonelists (§6.3): zones from the highest index down within a node, nodes by distance
// with node_load round-robin between equidistant nodes; gfp_zone and preferred zones.
#include "alloc_test_util.h"

#include <catch2/catch.hpp>

using namespace pagesim;
using namespace pagesim::test;

namespace {
// `nodes` nodes of `n` pages each, ZONE_NORMAL only, one CPU per node.
Layout numa_layout(unsigned nodes, Pfn n, std::vector<std::vector<int>> distance) {
    Layout l = make_simple_layout(nodes * n, nodes);
    l.nodes.clear();
    l.memory.clear();
    l.membership.clear();
    for (unsigned i = 0; i < nodes; ++i) {
        NodeLayout node;
        node.nid = static_cast<int>(i);
        node.node_start_pfn = i * n;
        node.node_end_pfn = (i + 1) * n;
        node.cpus = {i};
        for (ZoneType t : l.zone_types) {
            ZoneSpan z{t, 0, 0, 0};
            if (t == ZONE_NORMAL) z = {t, i * n, n, n};
            node.zones.push_back(z);
        }
        l.nodes.push_back(node);
        l.memory.push_back({{i * n, (i + 1) * n}, static_cast<int>(i), false, false, false});
        l.membership.push_back({{i * n, (i + 1) * n}, static_cast<int>(i), 2});
        l.cpu_node[i] = static_cast<int>(i);
    }
    l.distance = std::move(distance);
    return l;
}
std::vector<int> node_order(const PageAllocator& pa, int nid) {
    std::vector<int> v;
    for (const Zone* z : pa.nodes()[static_cast<std::size_t>(nid)].zonelist_fallback)
        v.push_back(z->nid);
    return v;
}
} // namespace

TEST_CASE("within a node, zonelists list populated zones from the highest index", "[zonelist]") {
    PageAllocator pa(make_dma32_normal_layout(8192));
    const auto& zl = pa.nodes()[0].zonelist_fallback;
    REQUIRE(zl.size() == 2);
    CHECK(zl[0]->type == ZONE_NORMAL);
    CHECK(zl[1]->type == ZONE_DMA32);
    unsigned idx = 0;
    REQUIRE(pa.gfp_zone(GFP_HIGHUSER_MOVABLE, idx));
    CHECK(idx == 3); // ZONE_MOVABLE's index on the x86_64 zone set
    REQUIRE(pa.gfp_zone(GFP_HIGHUSER, idx));
    CHECK(idx == 2); // no HIGHMEM configured: NORMAL
    REQUIRE(pa.gfp_zone(GFP_DMA, idx));
    CHECK(idx == 0);
    // A GFP_DMA32 request's preferred zone is DMA32; GFP_KERNEL's is Normal.
    AllocRequest r;
    AllocContext ac;
    AllocFlags f = 0;
    r.gfp = GFP_DMA32 | GFP_KERNEL;
    REQUIRE(pa.prepare_alloc_pages(r, ac, f));
    CHECK(ac.preferred_zone->type == ZONE_DMA32);
    CHECK(pa.alloc_flags_nofragment(ac.preferred_zone, r.gfp) == ALLOC_KSWAPD);
    r.gfp = GFP_KERNEL;
    REQUIRE(pa.prepare_alloc_pages(r, ac, f));
    CHECK(ac.preferred_zone->type == ZONE_NORMAL);
    CHECK(pa.alloc_flags_nofragment(ac.preferred_zone, r.gfp) == (ALLOC_KSWAPD | ALLOC_NOFRAGMENT));
    CHECK(pa.alloc_flags_nofragment(ac.preferred_zone, GFP_NOWAIT & ~gfp::kKswapdReclaim) ==
          ALLOC_NOFRAGMENT);
    // A GFP_DMA request has no eligible populated zone on this layout.
    r.gfp = GFP_DMA | GFP_KERNEL;
    CHECK(pa.alloc_pages(r).failure == AllocFailure::NoZone);
}

TEST_CASE("node order follows distance, then round-robins between equals", "[zonelist][numa]") {
    SECTION("two nodes") {
        PageAllocator pa(numa_layout(2, 8192, {{10, 20}, {20, 10}}));
        CHECK(node_order(pa, 0) == std::vector<int>{0, 1});
        CHECK(node_order(pa, 1) == std::vector<int>{1, 0});
    }
    SECTION("three equidistant nodes: node_load spreads the second choice") {
        PageAllocator pa(numa_layout(3, 8192, {{10, 20, 20}, {20, 10, 20}, {20, 20, 10}}));
        CHECK(node_order(pa, 0) == std::vector<int>{0, 1, 2});
        CHECK(node_order(pa, 1) == std::vector<int>{1, 2, 0});
        CHECK(node_order(pa, 2) == std::vector<int>{2, 0, 1});
    }
    SECTION("a nearer node wins over a lower id") {
        PageAllocator pa(numa_layout(3, 8192, {{10, 30, 20}, {30, 10, 20}, {20, 20, 10}}));
        CHECK(node_order(pa, 0) == std::vector<int>{0, 2, 1});
        CHECK(node_order(pa, 1) == std::vector<int>{1, 2, 0});
    }
}

TEST_CASE("a remote node ends ALLOC_NOFRAGMENT; a nodemask restricts the walk",
          "[zonelist][numa]") {
    AllocatorOptions o;
    o.pcp_enabled = false;
    o.debug_checks = false;
    PageAllocator pa(numa_layout(2, 8192, {{10, 20}, {20, 10}}), o);
    pa.zero_watermarks();
    AllocRequest r;
    r.gfp = GFP_HIGHUSER_MOVABLE;
    r.cpu = 0;
    // Node 0 fills first, then node 1 serves node 0's requests (numa_miss/foreign).
    for (int i = 0; i < 8192; ++i) REQUIRE(pa.alloc_pages(r).pfn < 8192);
    const AllocResult remote = pa.alloc_pages(r);
    REQUIRE(remote);
    CHECK(remote.pfn >= 8192);
    const Zone& n1 = *pa.nodes()[1].zones[2];
    const Zone& n0 = *pa.nodes()[0].zones[2];
    CHECK(n1.numa_events[NUMA_MISS] == 1);
    CHECK(n1.numa_events[NUMA_OTHER] == 1);
    CHECK(n0.numa_events[NUMA_FOREIGN] == 1);
    CHECK(n0.numa_events[NUMA_HIT] == 8192);
    // Bound to node 0, the request fails.
    r.nodemask = 1;
    CHECK(pa.alloc_pages(r).failure == AllocFailure::NoPage);
    // __GFP_THISNODE uses the no-fallback list.
    r.nodemask = kAllNodes;
    r.gfp = GFP_HIGHUSER_MOVABLE | gfp::kThisnode;
    CHECK_FALSE(pa.alloc_pages(r));
    pa.check_invariants();
}
