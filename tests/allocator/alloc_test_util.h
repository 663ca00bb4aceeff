// SPDX-License-Identifier: GPL-2.0-only
// Helpers for allocator tests: small layouts, reading free lists as (pfn, order) lists,
// and a tracer that records kmem events.
#pragma once

#include "allocator/free_area_ops.h"
#include "allocator/layout.h"

#include <string>
#include <vector>

namespace pagesim::test {

/// The pfns on zone->free_area[order].free_list[mt], head first.
inline std::vector<Pfn> free_list(const PageAllocator& pa, const Zone& z, unsigned order,
                                  MigrateType mt) {
    std::vector<Pfn> v;
    z.free_area[order].free_list[mt].for_each(
        [&](PageIdx p) { v.push_back(pa.page_map().page_to_pfn(p)); });
    return v;
}

/// The pfns on a CPU's pcp list, head first.
inline std::vector<Pfn> pcp_list(const PageAllocator& pa, const Zone& z, unsigned cpu,
                                 unsigned pindex) {
    std::vector<Pfn> v;
    z.pcp[cpu].lists[pindex].for_each(
        [&](PageIdx p) { v.push_back(pa.page_map().page_to_pfn(p)); });
    return v;
}

/// The populated zone of a one-zone layout.
inline Zone& only_zone(PageAllocator& pa) {
    for (Zone* z : pa.zones())
        if (z->populated()) return *z;
    throw std::runtime_error("no populated zone");
}

/// Two zones on one node: DMA32 [0, n) and Normal [n, 2n) (x86_64 zone set).
inline Layout make_dma32_normal_layout(Pfn n, unsigned ncpus = 1) {
    Layout l = make_simple_layout(2 * n, ncpus, 0, 11, ZONE_NORMAL);
    l.nodes[0].zones[1] = {ZONE_DMA32, 0, n, n};
    l.nodes[0].zones[2] = {ZONE_NORMAL, n, n, n};
    l.membership = {{{0, n}, 0, 1}, {{n, 2 * n}, 0, 2}};
    return l;
}

struct Event {
    std::string name;
    Pfn pfn;
    unsigned order;
    int a = 0, b = 0, c = 0, d = 0;
    bool operator==(const Event&) const = default;
};

/// Records kmem events (extfrag: a=fallback_order, b=alloc_mt, c=fallback_mt, d=change).
class RecordingTracer : public KmemTracer {
public:
    std::vector<Event> events;
    void mm_page_alloc(unsigned, Pfn pfn, unsigned order, GfpFlags gfp, MigrateType mt) override {
        events.push_back({"alloc", pfn, order, static_cast<int>(gfp), mt});
    }
    void mm_page_free(unsigned, Pfn pfn, unsigned order) override {
        events.push_back({"free", pfn, order});
    }
    void mm_page_alloc_zone_locked(unsigned, Pfn pfn, unsigned order, MigrateType mt,
                                   bool refill) override {
        events.push_back({"zone_locked", pfn, order, mt, refill});
    }
    void mm_page_pcpu_drain(unsigned, Pfn pfn, unsigned order, MigrateType mt) override {
        events.push_back({"pcpu_drain", pfn, order, mt});
    }
    void mm_page_alloc_extfrag(unsigned, Pfn pfn, unsigned alloc_order, unsigned fallback_order,
                               MigrateType alloc_mt, MigrateType fallback_mt,
                               bool change) override {
        events.push_back({"extfrag", pfn, alloc_order, static_cast<int>(fallback_order), alloc_mt,
                          fallback_mt, change});
    }
    std::vector<Event> named(const std::string& n) const {
        std::vector<Event> v;
        for (const Event& e : events)
            if (e.name == n) v.push_back(e);
        return v;
    }
};

} // namespace pagesim::test
