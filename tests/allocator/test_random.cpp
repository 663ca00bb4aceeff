// SPDX-License-Identifier: GPL-2.0-only
// Randomized sequences (1 M operations over four configurations) across orders, gfp types,
// CPUs, CMA, shuffling and the highatomic reserve, with check_invariants() after every
// step and the buddy structure compared against a deliberately naive reference: a byte per
// page saying "allocated by the test", from which the expected free blocks below
// pageblock_order are recomputed from scratch for every pageblock the step touched.
#include "alloc_test_util.h"

#include <catch2/catch.hpp>

#include <cstdlib>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace pagesim;
using namespace pagesim::test;

namespace {

// Remembers which pageblocks an operation touched (any kmem event's pfn).
class TouchTracer : public KmemTracer {
public:
    std::set<Pfn> blocks;
    void touch(Pfn pfn, unsigned order) {
        for (Pfn p = pfn; p < pfn + (Pfn{1} << order); p += 512) blocks.insert(p >> 9);
    }
    void mm_page_alloc(unsigned, Pfn pfn, unsigned order, GfpFlags, MigrateType) override {
        if (pfn != kNoPfn) touch(pfn, order);
    }
    void mm_page_free(unsigned, Pfn pfn, unsigned order) override { touch(pfn, order); }
    void mm_page_alloc_zone_locked(unsigned, Pfn pfn, unsigned order, MigrateType, bool) override {
        touch(pfn, order);
    }
    void mm_page_pcpu_drain(unsigned, Pfn pfn, unsigned order, MigrateType) override {
        touch(pfn, order);
    }
};

struct Config {
    const char* name;
    bool pcp;
    bool cma;
    bool shuffle;
    unsigned steps;
};

class RandomRun {
public:
    explicit RandomRun(const Config& cfg)
        : cfg_(cfg), rng_(0x5eed + cfg.steps + cfg.cma + 2 * cfg.pcp) {
        Layout l = make_simple_layout(kPages, 2);
        l.shuffle = cfg.shuffle;
        if (cfg.cma) {
            l.kconfig.cma = true;
            l.cma.push_back({"test", {kPages - 4096, kPages}});
        }
        AllocatorOptions o;
        o.pcp_enabled = cfg.pcp;
        o.debug_checks = false; // checked explicitly after every step below
        o.seed = 7;
        pa_ = std::make_unique<PageAllocator>(l, o);
        pa_->set_tracer(&touched_);
        allocated_.assign(kPages, 0);
    }

    void run() {
        for (unsigned step = 0; step < cfg_.steps; ++step) {
            touched_.blocks.clear();
            const unsigned op = pick(100);
            if (op < 55 || live_.empty())
                do_alloc();
            else if (op < 95)
                do_free();
            else if (op < 97)
                pa_->drain_pages(pick(2));
            else if (op < 98)
                do_split();
            else if (op < 99)
                do_set_movable();
            else
                do_unreserve();
            pa_->check_invariants();
            compare_with_naive(step);
        }
        CHECK(allocs_ >
              cfg_.steps / 4); // CMA keeps a quarter of the zone from non-movable requests
        CHECK(failures_ > 0);  // the zone was driven to its watermarks
    }

private:
    static constexpr Pfn kPages = 16384;

    unsigned pick(unsigned n) { return static_cast<unsigned>(rng_() % n); }

    unsigned pick_order() {
        const unsigned r = pick(100);
        if (r < 50) return 0;
        if (r < 65) return 1;
        if (r < 75) return 2;
        if (r < 83) return 3;
        if (r < 93) return 4 + pick(5);
        if (r < 98) return 9;
        return 10;
    }

    GfpFlags pick_gfp(unsigned order) {
        const unsigned r = pick(100);
        if (order == 9 && r < 50) return GFP_TRANSHUGE_LIGHT;
        if (r < 40) return GFP_HIGHUSER_MOVABLE;
        if (r < 65) return GFP_KERNEL;
        if (r < 80) return GFP_KERNEL | gfp::kReclaimable;
        if (r < 92) return GFP_ATOMIC;
        return GFP_NOWAIT | gfp::kComp;
    }

    void record(Pfn pfn, unsigned order) {
        REQUIRE(pfn + (Pfn{1} << order) <= kPages);
        REQUIRE((pfn & ((Pfn{1} << order) - 1)) == 0);
        for (Pfn p = pfn; p < pfn + (Pfn{1} << order); ++p) {
            INFO("pfn " << p << " handed out twice");
            REQUIRE(allocated_[p] == 0);
            allocated_[p] = 1;
        }
        live_.emplace(pfn, order);
        ++allocs_;
    }

    void do_alloc() {
        AllocRequest r;
        r.order = pick_order();
        r.gfp = pick_gfp(r.order);
        r.cpu = pick(2);
        const AllocResult res = pa_->alloc_pages(r);
        if (res) {
            record(res.pfn, r.order);
            return;
        }
        ++failures_;
        // The slow path's retry for atomic requests: MIN mark with the reserve flags, so
        // high-order atomics reserve and use HIGHATOMIC pageblocks (E4a/E4b).
        if (!(r.gfp & gfp::kAtomic)) return;
        AllocContext ac;
        AllocFlags flags = 0;
        REQUIRE(pa_->prepare_alloc_pages(r, ac, flags));
        flags = ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK;
        if (r.order > 0) flags |= ALLOC_HIGHATOMIC;
        const PageIdx page = pa_->get_page_from_freelist(r.gfp, r.order, flags, ac, r.cpu, nullptr);
        if (page == kNoPage) return;
        pa_->prep_new_page(page, r.order, r.gfp, 0);
        const Pfn pfn = pa_->page_map().page_to_pfn(page);
        touched_.touch(pfn, r.order);
        record(pfn, r.order);
    }

    std::map<Pfn, unsigned>::iterator random_live() {
        auto it = live_.lower_bound(rng_() % kPages);
        return it == live_.end() ? live_.begin() : it;
    }

    void do_free() {
        const auto it = random_live();
        const auto [pfn, order] = *it;
        pa_->free_pages(pfn, order, pick(2));
        for (Pfn p = pfn; p < pfn + (Pfn{1} << order); ++p) allocated_[p] = 0;
        live_.erase(it);
    }

    void do_split() {
        if (live_.empty()) return;
        const auto it = random_live();
        const auto [pfn, order] = *it;
        if (order == 0) return;
        pa_->split_page(pfn, order);
        live_.erase(it);
        for (Pfn p = pfn; p < pfn + (Pfn{1} << order); ++p) live_.emplace(p, 0);
    }

    void do_set_movable() {
        if (live_.empty()) return;
        pa_->set_movable(random_live()->first, pick(2) == 0);
    }

    void do_unreserve() {
        AllocRequest r;
        r.gfp = pick(2) ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE;
        AllocContext ac;
        AllocFlags flags = 0;
        REQUIRE(pa_->prepare_alloc_pages(r, ac, flags));
        pa_->unreserve_highatomic_pageblock(ac, pick(2) == 0);
        for (Pfn b = 0; b < kPages / 512; ++b) touched_.blocks.insert(b);
    }

    // The naive reference: within each touched pageblock, the pages that are neither
    // allocated (by the test's own records) nor on a pcp list must form exactly the
    // canonical buddy decomposition below pageblock_order; a wholly free pageblock must lie
    // in one free block of order >= pageblock_order.
    void compare_with_naive(unsigned step) {
        const PageMap& map = pa_->page_map();
        for (Pfn block : touched_.blocks) {
            const Pfn start = block << 9;
            std::vector<std::uint8_t> held(512, 0);
            std::vector<std::pair<Pfn, unsigned>> actual;
            bool whole_free_block = false;
            for (Pfn off = 0; off < 512;) {
                const PageInfo& pi = map.info(map.pfn_to_page(start + off));
                const Pfn n = Pfn{1} << pi.order;
                if (pi.flags & PG_pcp) {
                    for (Pfn t = 0; t < n; ++t) held[off + t] = 1;
                    off += n;
                } else if (pi.flags & PG_buddy) {
                    if (pi.order >= 9)
                        whole_free_block = true;
                    else
                        actual.emplace_back(start + off, pi.order);
                    off += std::min<Pfn>(n, 512);
                } else {
                    ++off;
                }
            }
            // A pageblock inside an order-10 free block that starts at the buddy pageblock.
            const PageInfo& lead = map.info(map.pfn_to_page(start & ~Pfn{1023}));
            if ((start & 1023) && (lead.flags & PG_buddy) && lead.order == 10)
                whole_free_block = true;

            std::vector<std::pair<Pfn, unsigned>> expect;
            bool expect_whole = false;
            const auto free_at = [&](Pfn off) { return !allocated_[start + off] && !held[off]; };
            // Canonical decomposition: the largest aligned all-free blocks, from order 9 down.
            std::vector<std::pair<Pfn, unsigned>> todo{{0, 9}};
            while (!todo.empty()) {
                const auto [off, k] = todo.back();
                todo.pop_back();
                bool all = true;
                for (Pfn t = off; t < off + (Pfn{1} << k) && all; ++t) all = free_at(t);
                if (all) {
                    if (k == 9)
                        expect_whole = true;
                    else
                        expect.emplace_back(start + off, k);
                } else if (k > 0) {
                    todo.emplace_back(off + (Pfn{1} << (k - 1)), k - 1);
                    todo.emplace_back(off, k - 1);
                }
            }
            std::sort(expect.begin(), expect.end());
            INFO(cfg_.name << " step " << step << ", pageblock at pfn " << start);
            REQUIRE(actual == expect);
            REQUIRE(whole_free_block == expect_whole);
        }
    }

    Config cfg_;
    std::mt19937_64 rng_;
    std::unique_ptr<PageAllocator> pa_;
    TouchTracer touched_;
    std::vector<std::uint8_t> allocated_;
    std::map<Pfn, unsigned> live_;
    unsigned allocs_ = 0;
    unsigned failures_ = 0;
};

} // namespace

// 4 x 250,000 = 1,000,000 operations, every one followed by the invariant walk. The asan
// test preset scales the count down (PAGESIM_RANDOM_SCALE) to keep CI within its budget.
static unsigned scaled(unsigned steps) {
    const char* s = std::getenv("PAGESIM_RANDOM_SCALE");
    const double f = s ? std::atof(s) : 1.0;
    return static_cast<unsigned>(steps * (f > 0 ? f : 1.0));
}

TEST_CASE("random operations with pcp on two CPUs", "[random]") {
    RandomRun({"pcp", true, false, false, scaled(250000)}).run();
}
TEST_CASE("random operations without pcp", "[random]") {
    RandomRun({"no-pcp", false, false, false, scaled(250000)}).run();
}
TEST_CASE("random operations with a CMA area", "[random]") {
    RandomRun({"cma", true, true, false, scaled(250000)}).run();
}
TEST_CASE("random operations with page_alloc.shuffle", "[random]") {
    RandomRun({"shuffle", true, false, true, scaled(250000)}).run();
}
