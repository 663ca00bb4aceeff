// SPDX-License-Identifier: GPL-2.0-only
// A test OwnerHooks that keeps owner records (block -> process, LRU kind, dirty, mlocked,
// pinned; process -> oom_score_adj), checks that reclaim and migration only ever name
// blocks it owns, and counts what the slow path asked of it. Plus layouts with a ZONE_MOVABLE.
#pragma once

#include "alloc_test_util.h"

#include "allocator/slowpath.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <vector>

namespace pagesim::test {

/// One node: ZONE_NORMAL [0, n) and ZONE_MOVABLE [n, 2n) (x86_64 zone set).
inline Layout make_normal_movable_layout(Pfn n, unsigned ncpus = 1) {
    Layout l = make_simple_layout(2 * n, ncpus, 0, 11, ZONE_NORMAL);
    l.nodes[0].zones[2] = {ZONE_NORMAL, 0, n, n};
    l.nodes[0].zones[3] = {ZONE_MOVABLE, n, n, n};
    l.membership = {{{0, n}, 0, 2}, {{n, 2 * n}, 0, 3}};
    return l;
}

/// One node: ZONE_NORMAL spans [0, 4n) and a Designated Movable Block [n, 2n) makes the
/// ZONE_MOVABLE inside it (zones overlap; Normal is not contiguous).
inline Layout make_dmb_layout(Pfn n) {
    Layout l = make_simple_layout(4 * n, 1, 0, 11, ZONE_NORMAL);
    l.nodes[0].zones[2] = {ZONE_NORMAL, 0, 4 * n, 3 * n};
    l.nodes[0].zones[3] = {ZONE_MOVABLE, n, n, n};
    l.membership = {{{0, n}, 0, 2}, {{n, 2 * n}, 0, 3}, {{2 * n, 4 * n}, 0, 2}};
    l.memory[0].movable = false;
    l.dmbs = {{n, 2 * n}};
    return l;
}

/// A zone-family event (allocstall_*, pgskip_*) of zone type `t`.
inline std::uint64_t ev_zone(const PageAllocator& pa, VmEventItem base, ZoneType t) {
    return pa.events()[unsigned{base} + t];
}

inline Zone& zone_of_type(PageAllocator& pa, ZoneType t, int nid = 0) {
    for (Zone* z : pa.node(nid).zones)
        if (z->type == t) return *z;
    throw std::runtime_error("no such zone");
}

class TestOwners : public OwnerHooks {
public:
    struct Block {
        unsigned order = 0;
        std::uint32_t proc = 0;
        int lru = -1; ///< LruKind or -1
        bool dirty = false;
        bool mlocked = false;
        bool referenced_once = false; ///< answer Referenced once
    };
    struct Proc {
        int adj = 0;
        bool unkillable = false;
    };

    explicit TestOwners(PageAllocator& pa) : pa_(pa) {}

    std::map<Pfn, Block> blocks;
    std::map<std::uint32_t, Proc> procs;
    std::map<Pfn, int> busy;    ///< may_migrate answers Busy this many more times
    std::set<Pfn> migrate_fail; ///< may_migrate answers Fail
    std::vector<std::pair<Pfn, Pfn>> moves;
    std::vector<Pfn> reclaimed;
    std::vector<ReclaimContext> contexts;
    std::vector<std::uint32_t> killed;
    unsigned cpu = 0;

    /// Allocates for process `proc`; on success records the block and links it on `lru`.
    Pfn alloc(std::uint32_t proc, unsigned order, GfpFlags gfp, int lru = -1,
              AllocResult* out = nullptr) {
        procs.try_emplace(proc);
        AllocRequest r;
        r.gfp = gfp;
        r.order = order;
        r.owner = proc;
        r.cpu = cpu;
        const AllocResult res = pa_.alloc_pages(r);
        if (out) *out = res;
        if (!res) return kNoPfn;
        REQUIRE(blocks.count(res.pfn) == 0);
        blocks[res.pfn] = Block{order, proc, lru};
        if (lru >= 0) pa_.lru_add(res.pfn, static_cast<LruKind>(lru));
        return res.pfn;
    }

    void free(Pfn pfn) {
        const auto it = blocks.find(pfn);
        REQUIRE(it != blocks.end());
        pa_.free_pages(pfn, it->second.order, cpu);
        blocks.erase(it);
    }

    std::uint64_t pages_of(std::uint32_t proc) const {
        std::uint64_t n = 0;
        for (const auto& [pfn, b] : blocks)
            if (b.proc == proc) n += std::uint64_t{1} << b.order;
        return n;
    }

    /// Every record names an allocated head of its order with its owner id.
    void check_records() const {
        const PageMap& map = pa_.page_map();
        for (const auto& [pfn, b] : blocks) {
            const PageInfo& pi = map.info(map.pfn_to_page(pfn));
            INFO("owner record pfn " << pfn);
            REQUIRE((pi.flags & PG_head));
            REQUIRE(pi.order == b.order);
            REQUIRE(pi.owner == b.proc);
        }
    }

    ReclaimResult reclaim(Pfn pfn, unsigned order, std::uint32_t owner,
                          const ReclaimContext& ctx) override {
        const auto it = blocks.find(pfn);
        REQUIRE(it != blocks.end());
        REQUIRE(it->second.order == order);
        REQUIRE(it->second.proc == owner);
        contexts.push_back(ctx);
        Block& b = it->second;
        if (b.mlocked) return ReclaimResult::Unreclaimable;
        if (b.referenced_once) {
            b.referenced_once = false;
            return ReclaimResult::Referenced;
        }
        if (b.dirty) {
            if (ctx.may_writepage) b.dirty = false; // writeback starts, done by next scan
            return ReclaimResult::Busy;
        }
        reclaimed.push_back(pfn);
        blocks.erase(it);
        return ReclaimResult::Freed;
    }

    MigrateVerdict may_migrate(Pfn pfn, unsigned, std::uint32_t, MigrateMode) override {
        if (migrate_fail.count(pfn)) return MigrateVerdict::Fail;
        const auto it = busy.find(pfn);
        if (it != busy.end() && it->second > 0) {
            it->second--;
            return MigrateVerdict::Busy;
        }
        return MigrateVerdict::Ok;
    }

    void migrated(Pfn old_pfn, Pfn new_pfn, unsigned order, std::uint32_t owner) override {
        const auto it = blocks.find(old_pfn);
        INFO("migrated " << old_pfn << " -> " << new_pfn << " order " << order << " owner "
                         << owner);
        REQUIRE(it != blocks.end());
        REQUIRE(it->second.order == order);
        REQUIRE(it->second.proc == owner);
        REQUIRE(blocks.count(new_pfn) == 0);
        blocks[new_pfn] = it->second;
        blocks.erase(it);
        moves.emplace_back(old_pfn, new_pfn);
    }

    std::vector<OomCandidate> oom_candidates(const OomRequest&) override {
        std::vector<OomCandidate> v;
        for (const auto& [id, p] : procs) {
            OomCandidate c;
            c.id = id;
            c.rss_pages = pages_of(id);
            c.oom_score_adj = p.adj;
            c.unkillable = p.unkillable;
            if (c.rss_pages || p.adj > -1000) v.push_back(c);
        }
        return v;
    }

    std::uint64_t oom_kill(std::uint32_t victim, const OomRequest&) override {
        killed.push_back(victim);
        std::uint64_t n = 0;
        for (auto it = blocks.begin(); it != blocks.end();) {
            if (it->second.proc == victim) {
                n += std::uint64_t{1} << it->second.order;
                pa_.free_pages(it->first, it->second.order, cpu);
                it = blocks.erase(it);
            } else {
                ++it;
            }
        }
        procs.erase(victim);
        return n;
    }

private:
    PageAllocator& pa_;
};

/// Records agent wake-ups.
struct TestListener : AgentListener {
    std::vector<int> kswapd, kcompactd;
    void kswapd_wake(int nid) override { kswapd.push_back(nid); }
    void kcompactd_wake(int nid) override { kcompactd.push_back(nid); }
};

/// Runs kswapd until it sleeps (or `max_steps`); returns the steps taken.
inline unsigned run_kswapd(SlowPathModel& sp, int nid, unsigned max_steps = 1000) {
    unsigned n = 0;
    while (n < max_steps) {
        const AgentStep st = sp.kswapd_step(nid);
        ++n;
        if (!st.again) break;
    }
    return n;
}

} // namespace pagesim::test
