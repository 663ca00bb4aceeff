// SPDX-License-Identifier: GPL-2.0-only
// The memblock model used by compute_layout() (see memblock.h).
#include "allocator/memblock.h"

#include <algorithm>
#include <limits>

namespace pagesim {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

std::uint64_t round_down(std::uint64_t v, std::uint64_t a) {
    return v - v % a;
}
std::uint64_t round_up(std::uint64_t v, std::uint64_t a) {
    return v % a ? v + (a - v % a) : v;
}

} // namespace

// Models memblock_merge_regions(): neighbours merge only with equal node and flags.
void Memblock::merge() {
    std::sort(memory_.begin(), memory_.end(),
              [](const MbRegion& a, const MbRegion& b) { return a.base < b.base; });
    std::vector<MbRegion> out;
    for (const MbRegion& r : memory_) {
        if (r.size == 0) continue;
        if (!out.empty() && out.back().end() == r.base && out.back().nid == r.nid &&
            out.back().flags == r.flags)
            out.back().size += r.size;
        else
            out.push_back(r);
    }
    memory_ = std::move(out);
}

// Models memblock_add_range(): the parts of the new range not yet present are inserted.
void Memblock::add(std::uint64_t base, std::uint64_t size, int nid, unsigned flags) {
    if (size == 0) return;
    std::uint64_t cur = base;
    const std::uint64_t end = base + size;
    std::vector<MbRegion> extra;
    for (const MbRegion& r : memory_) {
        if (r.end() <= cur || r.base >= end) continue;
        if (r.base > cur) extra.push_back({cur, r.base - cur, nid, flags});
        cur = std::max(cur, r.end());
    }
    if (cur < end) extra.push_back({cur, end - cur, nid, flags});
    memory_.insert(memory_.end(), extra.begin(), extra.end());
    merge();
}

// Models memblock_isolate_range(): split regions at base and end.
void Memblock::isolate(std::uint64_t base, std::uint64_t end) {
    std::vector<MbRegion> out;
    for (const MbRegion& r : memory_) {
        std::uint64_t cuts[2] = {base, end};
        MbRegion cur = r;
        for (std::uint64_t c : cuts) {
            if (c > cur.base && c < cur.end()) {
                out.push_back({cur.base, c - cur.base, cur.nid, cur.flags});
                cur = {c, cur.end() - c, cur.nid, cur.flags};
            }
        }
        out.push_back(cur);
    }
    memory_ = std::move(out);
}

void Memblock::remove(std::uint64_t base, std::uint64_t size) {
    const std::uint64_t end = size > kMax - base ? kMax : base + size;
    isolate(base, end);
    std::erase_if(memory_, [&](const MbRegion& r) { return r.base >= base && r.end() <= end; });
    merge();
}

void Memblock::set_flag(std::uint64_t base, std::uint64_t size, unsigned flag) {
    isolate(base, base + size);
    for (MbRegion& r : memory_)
        if (r.base >= base && r.end() <= base + size) r.flags |= flag;
    merge();
}

void Memblock::set_node(std::uint64_t base, std::uint64_t size, int nid) {
    isolate(base, base + size);
    for (MbRegion& r : memory_)
        if (r.base >= base && r.end() <= base + size) r.nid = nid;
    merge();
}

void Memblock::reserve(std::uint64_t base, std::uint64_t size) {
    if (size == 0) return;
    reserved_.push_back({base, size});
    std::sort(reserved_.begin(), reserved_.end(),
              [](const AddrRange& a, const AddrRange& b) { return a.base < b.base; });
    std::vector<AddrRange> out;
    for (const AddrRange& r : reserved_) {
        if (!out.empty() && out.back().end() >= r.base) {
            const std::uint64_t e = std::max(out.back().end(), r.end());
            out.back().size = e - out.back().base;
        } else {
            out.push_back(r);
        }
    }
    reserved_ = std::move(out);
}

// Models memblock_cap_memory_range(0, limit): memory and reservations above are dropped.
void Memblock::cap(std::uint64_t limit) {
    remove(limit, kMax - limit);
    std::vector<AddrRange> out;
    for (AddrRange r : reserved_) {
        if (r.base >= limit) continue;
        r.size = std::min(r.end(), limit) - r.base;
        out.push_back(r);
    }
    reserved_ = std::move(out);
}

bool Memblock::is_region_memory(std::uint64_t base, std::uint64_t size) const {
    for (const MbRegion& r : memory_)
        if (r.base <= base && base < r.end()) return r.end() >= base + size;
    return false;
}

bool Memblock::is_region_reserved(std::uint64_t base, std::uint64_t size) const {
    for (const AddrRange& r : reserved_)
        if (base < r.end() && r.base < base + size) return true;
    return false;
}

std::uint64_t Memblock::start_of_dram() const {
    return memory_.empty() ? 0 : memory_.front().base;
}
std::uint64_t Memblock::end_of_dram() const {
    return memory_.empty() ? 0 : memory_.back().end();
}

std::vector<AddrRange> Memblock::free_ranges(int nid) const {
    std::vector<AddrRange> out;
    for (const MbRegion& m : memory_) {
        if ((m.flags & MEMBLOCK_NOMAP) || (nid >= 0 && m.nid != nid)) continue;
        std::uint64_t cur = m.base;
        for (const AddrRange& r : reserved_) {
            if (r.end() <= cur || r.base >= m.end()) continue;
            if (r.base > cur) out.push_back({cur, r.base - cur});
            cur = std::max(cur, r.end());
        }
        if (cur < m.end()) out.push_back({cur, m.end() - cur});
    }
    return out;
}

// Models __memblock_find_range_top_down() / _bottom_up().
std::optional<std::uint64_t> Memblock::find_range(std::uint64_t size, std::uint64_t align,
                                                  std::uint64_t start, std::uint64_t end, int nid,
                                                  bool bottom_up) const {
    if (align == 0) align = 1;
    start = std::max<std::uint64_t>(start, 4096); // memblock never hands out page 0
    std::vector<AddrRange> free = free_ranges(nid);
    if (!bottom_up) std::reverse(free.begin(), free.end());
    for (const AddrRange& f : free) {
        const std::uint64_t s = std::clamp(f.base, start, end);
        const std::uint64_t e = std::clamp(f.end(), start, end);
        if (bottom_up) {
            const std::uint64_t cand = round_up(s, align);
            if (cand < e && e - cand >= size) return cand;
        } else {
            if (e < size) continue;
            const std::uint64_t cand = round_down(e - size, align);
            if (cand >= s) return cand;
        }
    }
    return std::nullopt;
}

} // namespace pagesim
