// SPDX-License-Identifier: GPL-2.0-only
// Driver claims: a process (a driver's kthread) takes a physically contiguous range with
// alloc_contig_range() from a range it names (a controller, a DMB, explicit pfns), with
// cma_alloc() from a CMA area, or with alloc_contig_pages() from anywhere, holds it for its
// lifetime and gives it back (free_contig_range / cma_release).
#include "sim/simulator.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pagesim {

namespace {
// A driver asks with GFP_KERNEL (dma_alloc_contiguous, cma_alloc's own mask).
constexpr GfpFlags kClaimGfp = GFP_KERNEL;
// CONFIG_CMA_ALIGNMENT: cma_alloc callers align to get_order(size), at most 2^8 pages.
constexpr unsigned kCmaAlignment = 8;
// HeldClaim::cma_area of a claim from a no-map carve-out.
constexpr int kCarveout = -2;
} // namespace

// Tries pageblock-aligned windows of `pages` pages over each range in turn, lowest first, as
// a driver that scans its controller would (alloc_contig_pages' walk, restricted to the
// driver's ranges); stops at the first that succeeds. Costs and counts add up over windows.
ContigResult Simulator::claim_windows(const std::vector<PfnRange>& ranges, Pfn pages,
                                      GfpFlags gfp) {
    ContigResult total;
    total.failure = ContigFailure::NoRange;
    const Pfn pb = layout_.pageblock_nr_pages();
    for (const PfnRange& r : ranges) {
        Pfn start = (r.start + pb - 1) / pb * pb;
        for (; start + pages <= r.end; start += (pages + pb - 1) / pb * pb) {
            ContigResult one = sp_->alloc_contig_range(start, start + pages, MIGRATE_MOVABLE, gfp);
            total.cost_ns += one.cost_ns;
            total.pages_migrated += one.pages_migrated;
            total.pages_reclaimed += one.pages_reclaimed;
            total.migrate_busy += one.migrate_busy;
            total.ranges_tried++;
            total.failure = one.failure;
            total.failed_pfn = one.failed_pfn;
            if (one) {
                total.pfn = one.pfn;
                total.failure = ContigFailure::None;
                return total;
            }
        }
    }
    return total;
}

// `from: {reserved_on: MEMC}`: whatever the layout sets aside for drivers on that controller,
// taken the way a driver would: a DMB with alloc_contig_range() windows; else a CMA area
// (a `reusable` shared-dma-pool) with cma_alloc(); else a `no-map` carve-out, which the
// driver manages itself (Broadcom's bmem): no migration, no page allocator involved.
ContigResult Simulator::claim_reserved_on(const ControllerLayout& ctrl, Pfn pages, int& cma_area) {
    const auto on_ctrl = [&](PfnRange r) {
        std::vector<PfnRange> out;
        for (const PfnRange& c : ctrl.ranges)
            if (r.overlaps(c)) out.push_back({std::max(r.start, c.start), std::min(r.end, c.end)});
        return out;
    };
    std::vector<PfnRange> ranges;
    for (const PfnRange& d : layout_.dmbs)
        for (const PfnRange& r : on_ctrl(d)) ranges.push_back(r);
    if (!ranges.empty()) return claim_windows(ranges, pages, kClaimGfp);

    const std::vector<CmaAreaState>& areas = sp_->cma_areas();
    ContigResult res;
    res.failure = ContigFailure::NoRange;
    for (std::size_t a = 0; a < areas.size(); ++a) {
        // The default area (cma=, CONFIG_CMA_SIZE) is everybody's DMA pool, not this driver's.
        if (areas[a].name == "reserved" ||
            on_ctrl({areas[a].base_pfn, areas[a].base_pfn + areas[a].count}).empty())
            continue;
        unsigned align = 0;
        while (align < kCmaAlignment && (Pfn{1} << align) < pages) ++align;
        const std::uint64_t spent = res.cost_ns;
        res = sp_->cma_alloc(a, pages, align);
        res.cost_ns += spent;
        if (res) {
            cma_area = static_cast<int>(a);
            return res;
        }
    }
    if (res.failure != ContigFailure::NoRange) return res; // the driver's CMA area is full

    const unsigned ps = layout_.kconfig.page_shift;
    for (const PlacedReservation& r : layout_.placed)
        if (r.kind == ReservationKind::NoMap)
            for (const PfnRange& c : on_ctrl({r.range.base >> ps, r.range.end() >> ps}))
                ranges.push_back(c);
    if (ranges.empty()) return res; // nothing set aside on this controller
    cma_area = kCarveout;
    return claim_carveout(ranges, pages);
}

// A carve-out's own allocator: first fit over the ranges, around the live carve-out claims.
ContigResult Simulator::claim_carveout(const std::vector<PfnRange>& ranges, Pfn pages) {
    ContigResult res;
    res.failure = ContigFailure::NoRange;
    for (const PfnRange& r : ranges) {
        Pfn start = r.start;
        bool moved = true;
        while (moved && start + pages <= r.end) {
            moved = false;
            for (const HeldClaim& c : held_claims_)
                if (c.live && c.cma_area == kCarveout && c.pfn < start + pages &&
                    start < c.pfn + c.pages) {
                    start = c.pfn + c.pages;
                    moved = true;
                }
        }
        res.ranges_tried++;
        if (start + pages <= r.end) {
            res.pfn = start;
            res.failure = ContigFailure::None;
            return res;
        }
    }
    return res;
}

Simulator::Step Simulator::phase_claim(Process& p, const Phase& ph, SimTime& t) {
    const auto idx = static_cast<std::uint32_t>(&p - procs_.data());
    const Pfn page = layout_.kconfig.page_size();
    const Pfn pages = (ph.bytes + page - 1) / page;
    const ClaimRange& range = ph.range;
    enter_allocator(t);
    note_caller(t, idx);
    ContigResult res;
    int cma_area = -1;
    switch (range.kind) {
    case ClaimRange::Pfns:
        res = claim_windows({PfnRange{range.start / page, range.end / page}}, pages, kClaimGfp);
        break;
    case ClaimRange::Controller:
    case ClaimRange::ControllerDmb:
    case ClaimRange::ControllerReserved: {
        const ControllerLayout* ctrl = nullptr;
        for (const ControllerLayout& c : layout_.controllers)
            if (c.name == range.name) ctrl = &c;
        if (!ctrl)
            throw std::runtime_error("claim of process '" + p.name +
                                     "': the machine has no controller '" + range.name + "'");
        if (range.kind == ClaimRange::ControllerReserved) {
            res = claim_reserved_on(*ctrl, pages, cma_area);
            break;
        }
        std::vector<PfnRange> ranges;
        if (range.kind == ClaimRange::Controller) {
            ranges = ctrl->ranges;
        } else {
            for (const PfnRange& d : layout_.dmbs)
                for (const PfnRange& c : ctrl->ranges)
                    if (d.overlaps(c))
                        ranges.push_back({std::max(d.start, c.start), std::min(d.end, c.end)});
        }
        res = claim_windows(ranges, pages, kClaimGfp);
        break;
    }
    case ClaimRange::Dmb: {
        const std::size_t i = std::stoul(range.name);
        if (i < layout_.dmbs.size())
            res = claim_windows({layout_.dmbs[i]}, pages, kClaimGfp);
        else
            res.failure = ContigFailure::NoRange; // the layout has fewer DMBs
        break;
    }
    case ClaimRange::Cma: {
        const std::vector<CmaAreaState>& areas = sp_->cma_areas();
        for (std::size_t a = 0; a < areas.size(); ++a)
            if (areas[a].name == range.name) cma_area = static_cast<int>(a);
        if (cma_area < 0) {
            res.failure = ContigFailure::NoRange; // no such area on this layout
            break;
        }
        unsigned align = 0;
        while (align < kCmaAlignment && (Pfn{1} << align) < pages) ++align;
        res = sp_->cma_alloc(static_cast<std::size_t>(cma_area), pages, align);
        break;
    }
    case ClaimRange::Anywhere:
        res = sp_->alloc_contig_pages(pages, kClaimGfp, 0);
        break;
    }
    t += static_cast<SimTime>(res.cost_ns);

    ClaimRecord rec;
    rec.process = p.name;
    rec.bytes = pages * page;
    rec.start = cur_t_;
    rec.latency_ns = static_cast<SimTime>(res.cost_ns);
    rec.pages_migrated = res.pages_migrated;
    rec.ranges_tried = res.ranges_tried;
    rec.ok = static_cast<bool>(res);
    if (!res) rec.failure = std::string(contig_failure_name(res.failure));
    stats_.claims.push_back(std::move(rec));
    if (!res) return Step::Done;

    const auto claim = static_cast<std::uint32_t>(held_claims_.size());
    held_claims_.push_back({res.pfn, pages, cma_area, kNone, true});
    Process& q = procs_[idx];
    if (ph.lifetime.kind == Lifetime::UntilExit) {
        held_claims_.back().proc = idx;
    } else {
        const std::int64_t life = draw_lifetime(&q, ph.lifetime);
        if (life >= 0) queue_.push(t + life, EventKind::ClaimRelease, claim);
    }
    return Step::Done;
}

std::uint64_t Simulator::held_claim_pages() const {
    std::uint64_t n = 0;
    for (const HeldClaim& c : held_claims_)
        if (c.live && c.cma_area != kCarveout) n += c.pages;
    return n;
}

void Simulator::release_claim(std::uint32_t claim) {
    HeldClaim& c = held_claims_[claim];
    if (!c.live) return;
    c.live = false;
    if (c.cma_area >= 0)
        sp_->cma_release(static_cast<std::size_t>(c.cma_area), c.pfn, c.pages);
    else if (c.cma_area == kCarveout)
        return; // the driver's own allocator: the pages never were the page allocator's
    else
        sp_->free_contig_range(c.pfn, c.pages);
}

} // namespace pagesim
