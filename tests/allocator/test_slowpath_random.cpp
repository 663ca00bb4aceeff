// SPDX-License-Identifier: GPL-2.0-only
// Randomized long runs of the whole slow path: allocations of every kind under memory
// pressure (reclaim, compaction, OOM kills), frees, LRU aging, dirty and pinned pages,
// kswapd and kcompactd steps, alloc_contig_range and CMA, with check_invariants() and the
// owner records checked after every operation. At the end everything is freed and every
// zone must be whole again: no owner lost, no page leaked.
#include "owner_test_util.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>

using namespace pagesim;
using namespace pagesim::test;

namespace {

unsigned scaled(unsigned steps) {
    const char* s = std::getenv("PAGESIM_RANDOM_SCALE");
    const double f = s ? std::atof(s) : 1.0;
    return static_cast<unsigned>(steps * (f > 0 ? f : 1.0));
}

struct Config {
    const char* name;
    bool pcp;
    bool cma;
    bool dmb;
    std::uint64_t swap;
    unsigned steps;
};

class RandomSlowRun {
public:
    explicit RandomSlowRun(const Config& cfg)
        : cfg_(cfg), rng_(0xabc + cfg.steps + cfg.cma * 7 + cfg.dmb * 3) {
        Layout l = cfg.dmb ? make_dmb_layout(4096) : make_normal_movable_layout(8192, 2);
        if (cfg.dmb) {
            l.ncpus = 2;
            l.cpu_node = {0, 0};
            l.nodes[0].cpus = {0, 1};
        }
        if (cfg.cma) {
            l.kconfig.cma = true;
            l.cma.push_back({"cma0", {2048, 4096}});
        }
        AllocatorOptions o;
        o.pcp_enabled = cfg.pcp;
        o.debug_checks = false; // checked explicitly after every step
        pa_ = std::make_unique<PageAllocator>(l, o);
        own_ = std::make_unique<TestOwners>(*pa_);
        SlowPathConfig sc;
        sc.swap_pages = cfg.swap;
        sc.max_loops = 200;
        sp_ = std::make_unique<SlowPathModel>(*pa_, *own_, sc);
        own_->procs[1].adj = -1000; // "kernel" memory
        for (std::uint32_t p = 2; p <= 6; ++p) own_->procs[p].adj = static_cast<int>(p % 3) * 100;
    }

    void run() {
        for (unsigned step = 0; step < cfg_.steps; ++step) {
            const unsigned op = pick(100);
            own_->cpu = pick(2);
            if (op < 50 || own_->blocks.empty())
                do_alloc();
            else if (op < 75)
                do_free();
            else if (op < 79)
                pa_->mark_accessed(random_block());
            else if (op < 81)
                own_->blocks[random_block()].dirty = true;
            else if (op < 82)
                do_pin();
            else if (op < 88)
                sp_->kswapd_step(0);
            else if (op < 90)
                do_kcompactd();
            else if (op < 93)
                do_contig();
            else if (op < 94)
                free_contig();
            else if (op < 97)
                do_cma();
            else if (op < 99)
                pa_->drain_pages(pick(2));
            else
                own_->busy[random_block()] = static_cast<int>(pick(4));
            INFO(cfg_.name << " step " << step << " op " << op);
            pa_->check_invariants();
            own_->check_records();
        }
        finish();
    }

private:
    unsigned pick(unsigned n) { return static_cast<unsigned>(rng_() % n); }

    Pfn random_block() {
        auto it = own_->blocks.lower_bound(rng_() % total_pages());
        if (it == own_->blocks.end()) it = own_->blocks.begin();
        return it->first;
    }

    Pfn total_pages() const { return cfg_.dmb ? 16384 : 16384; }

    void do_alloc() {
        const std::uint32_t proc = 1 + pick(6);
        const unsigned r = pick(100);
        unsigned order = 0;
        GfpFlags gfp;
        int lru = -1;
        if (r < 35) {
            gfp = GFP_HIGHUSER_MOVABLE;
            lru = pick(2) ? static_cast<int>(LruKind::File) : static_cast<int>(LruKind::Anon);
        } else if (r < 50) {
            gfp = GFP_KERNEL;
        } else if (r < 58) {
            gfp = GFP_KERNEL | gfp::kReclaimable;
            lru = static_cast<int>(LruKind::Slab);
        } else if (r < 66) {
            gfp = GFP_ATOMIC;
            order = pick(4);
        } else if (r < 72) {
            gfp = GFP_NOWAIT | gfp::kMovable;
            lru = static_cast<int>(LruKind::File);
        } else if (r < 78) {
            gfp = GFP_KERNEL | gfp::kNoretry;
            order = pick(4);
        } else if (r < 84) {
            gfp = GFP_KERNEL | gfp::kRetryMayfail;
            order = 4 + pick(3);
        } else if (r < 89) {
            gfp = GFP_TRANSHUGE;
            order = 9;
            lru = static_cast<int>(LruKind::Anon);
        } else if (r < 94) {
            gfp = GFP_NOIO;
            order = pick(5);
        } else {
            gfp = GFP_HIGHUSER_MOVABLE;
            order = 1 + pick(3);
            lru = static_cast<int>(LruKind::Anon);
        }
        AllocResult res;
        own_->alloc(proc, order, gfp, lru, &res);
        if (!res) ++failures_;
    }

    // A random pfn lands in large blocks more often than in small ones: free a large block
    // only with probability 1/8 so that memory fills up and the slow path gets work.
    void do_free() {
        const Pfn p = random_block();
        if (own_->blocks[p].order >= 4 && pick(8)) return;
        own_->free(p);
    }

    void do_pin() {
        const Pfn p = random_block();
        const PageInfo& pi = pa_->page_map().info(pa_->page_map().pfn_to_page(p));
        pa_->set_pinned(p, !(pi.flags & PG_pinned));
    }

    void do_kcompactd() {
        if (pick(2))
            sp_->wakeup_kcompactd(0, 1 + pick(9),
                                  static_cast<unsigned>(pa_->node(0).zones.size() - 1));
        sp_->kcompactd_step(0);
    }

    void do_contig() {
        const Pfn start = static_cast<Pfn>(pick(static_cast<unsigned>(total_pages() / 512))) * 512 +
                          (pick(2) ? pick(256) : 0);
        const Pfn n = 1 + pick(pick(2) ? 64 : 512);
        if (start + n > total_pages()) return;
        const ContigResult r =
            sp_->alloc_contig_range(start, start + n, MIGRATE_MOVABLE, GFP_KERNEL, 99);
        if (r) contig_.emplace_back(r.pfn, n);
        contig_tries_++;
        if (r) contig_ok_++;
    }

    void free_contig() {
        if (contig_.empty()) return;
        const std::size_t i = pick(static_cast<unsigned>(contig_.size()));
        sp_->free_contig_range(contig_[i].first, contig_[i].second);
        contig_.erase(contig_.begin() + static_cast<long>(i));
    }

    void do_cma() {
        if (!cfg_.cma) return;
        if (!cma_.empty() && pick(2)) {
            const std::size_t i = pick(static_cast<unsigned>(cma_.size()));
            REQUIRE(sp_->cma_release(0, cma_[i].first, cma_[i].second));
            cma_.erase(cma_.begin() + static_cast<long>(i));
            return;
        }
        const Pfn n = 1 + pick(200);
        const ContigResult r = sp_->cma_alloc(0, n, pick(5), true, 98);
        if (r) cma_.emplace_back(r.pfn, n);
    }

    void finish() {
        while (!own_->blocks.empty()) own_->free(own_->blocks.begin()->first);
        for (const auto& [p, n] : contig_) sp_->free_contig_range(p, n);
        for (const auto& [p, n] : cma_) REQUIRE(sp_->cma_release(0, p, n));
        pa_->drain_all_pages();
        pa_->check_invariants();
        for (const Zone* z : pa_->zones()) {
            INFO(cfg_.name << ": zone " << zone_name(z->type));
            CHECK(z->free_pages() == static_cast<std::int64_t>(z->managed_pages));
            CHECK(z->nr_isolated_pages == 0);
            CHECK(z->nr_isolate_pageblock == 0);
        }
        // The pressure statistics need the full-length run (the asan preset scales it down).
        if (cfg_.steps >= 10000) {
            const VmEvents& ev = pa_->events();
            CHECK(failures_ > 0);
            CHECK(ev[PGSTEAL_DIRECT] + ev[PGSTEAL_KSWAPD] > 0);
            CHECK(ev[PGMIGRATE_SUCCESS] > 0);
            CHECK(ev[COMPACTSTALL] > 0);
            CHECK(contig_ok_ > 0);
            CHECK(ev[OOM_KILL] > 0);
            CHECK(ev[ALLOCSTALL_DMA + 0u + ZONE_NORMAL] > 0);
            if (cfg_.swap) CHECK(ev[PSWPOUT] > 0);
        }
    }

    Config cfg_;
    std::mt19937_64 rng_;
    std::unique_ptr<PageAllocator> pa_;
    std::unique_ptr<TestOwners> own_;
    std::unique_ptr<SlowPathModel> sp_;
    std::vector<std::pair<Pfn, Pfn>> contig_;
    std::vector<std::pair<Pfn, Pfn>> cma_;
    unsigned failures_ = 0;
    unsigned contig_tries_ = 0;
    unsigned contig_ok_ = 0;
};

} // namespace

TEST_CASE("random slow-path runs: Normal + Movable, pcp, swap", "[random][slowpath]") {
    RandomSlowRun({"normal+movable", true, false, false, 2000, scaled(20000)}).run();
}
TEST_CASE("random slow-path runs: CMA, no pcp, no swap", "[random][slowpath]") {
    RandomSlowRun({"cma", false, true, false, 0, scaled(20000)}).run();
}
TEST_CASE("random slow-path runs: a DMB inside Normal", "[random][slowpath]") {
    RandomSlowRun({"dmb", true, false, true, 500, scaled(20000)}).run();
}
