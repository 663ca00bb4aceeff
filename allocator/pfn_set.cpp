// SPDX-License-Identifier: GPL-2.0-only
// Sorted disjoint pfn range sets (see pfn_set.h).
#include "allocator/pfn_set.h"

#include <algorithm>

namespace pagesim {

std::vector<PfnRange> pfn_normalize(std::vector<PfnRange> v) {
    std::erase_if(v, [](const PfnRange& r) { return r.end <= r.start; });
    std::sort(v.begin(), v.end(),
              [](const PfnRange& a, const PfnRange& b) { return a.start < b.start; });
    std::vector<PfnRange> out;
    for (const PfnRange& r : v) {
        if (!out.empty() && out.back().end >= r.start)
            out.back().end = std::max(out.back().end, r.end);
        else
            out.push_back(r);
    }
    return out;
}

std::vector<PfnRange> pfn_union(const std::vector<PfnRange>& a, const std::vector<PfnRange>& b) {
    std::vector<PfnRange> v = a;
    v.insert(v.end(), b.begin(), b.end());
    return pfn_normalize(std::move(v));
}

std::vector<PfnRange> pfn_subtract(const std::vector<PfnRange>& a, const std::vector<PfnRange>& b) {
    std::vector<PfnRange> out;
    std::size_t j = 0;
    for (PfnRange r : a) {
        while (j < b.size() && b[j].end <= r.start) ++j;
        std::size_t k = j;
        while (k < b.size() && b[k].start < r.end) {
            if (b[k].start > r.start) out.push_back({r.start, b[k].start});
            r.start = std::max(r.start, b[k].end);
            if (r.start >= r.end) break;
            ++k;
        }
        if (r.start < r.end) out.push_back(r);
    }
    return out;
}

std::vector<PfnRange> pfn_intersect(const std::vector<PfnRange>& a,
                                    const std::vector<PfnRange>& b) {
    std::vector<PfnRange> out;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const Pfn s = std::max(a[i].start, b[j].start);
        const Pfn e = std::min(a[i].end, b[j].end);
        if (s < e) out.push_back({s, e});
        if (a[i].end < b[j].end)
            ++i;
        else
            ++j;
    }
    return out;
}

Pfn pfn_count(const std::vector<PfnRange>& a) {
    Pfn n = 0;
    for (const PfnRange& r : a) n += r.size();
    return n;
}

Pfn pfn_count_in(const std::vector<PfnRange>& a, const PfnRange& r) {
    Pfn n = 0;
    for (const PfnRange& x : a) {
        const Pfn s = std::max(x.start, r.start);
        const Pfn e = std::min(x.end, r.end);
        if (s < e) n += e - s;
    }
    return n;
}

} // namespace pagesim
