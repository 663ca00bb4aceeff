// SPDX-License-Identifier: GPL-2.0-only
// Sets of pfns as sorted, disjoint PfnRange lists: normalize, union, subtract, intersect,
// count. Used by the layout computation to turn reservations into page-granular sets.
#pragma once

#include "allocator/layout.h"

#include <vector>

namespace pagesim {

/// Sorts, drops empty ranges and merges overlapping or adjacent ones.
std::vector<PfnRange> pfn_normalize(std::vector<PfnRange> v);
/// a ∪ b.
std::vector<PfnRange> pfn_union(const std::vector<PfnRange>& a, const std::vector<PfnRange>& b);
/// a \ b (both normalized).
std::vector<PfnRange> pfn_subtract(const std::vector<PfnRange>& a, const std::vector<PfnRange>& b);
/// a ∩ b (both normalized).
std::vector<PfnRange> pfn_intersect(const std::vector<PfnRange>& a, const std::vector<PfnRange>& b);
/// Number of pfns in a normalized set.
Pfn pfn_count(const std::vector<PfnRange>& a);
/// Pfns of a normalized set inside `r`.
Pfn pfn_count_in(const std::vector<PfnRange>& a, const PfnRange& r);

} // namespace pagesim
