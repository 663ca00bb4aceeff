// SPDX-License-Identifier: GPL-2.0-only
// Page reclaim (mm/vmscan.c): try_to_free_pages for direct reclaimers and shrink_node, the
// pass both it and kswapd use. Scanning follows get_scan_count (lru_size >> priority per
// list, anon only with swap, split by swappiness as if anon and file costs were equal) and
// isolate_lru_folios (pages of zones above reclaim_idx are skipped to the young end, counted
// in pgskip_*). The owner decides each block's fate through OwnerHooks::reclaim; referenced
// blocks get their second chance first. Slab is one more list scanned like shrink_slab.
#include "allocator/slowpath_internal.h"

#include <algorithm>

namespace pagesim {

std::uint64_t SlowPathModel::lru_size_eligible(int nid, LruKind kind, unsigned reclaim_idx) const {
    std::uint64_t n = 0;
    for (const Zone* z : pa_.nodes()[static_cast<std::size_t>(nid)].zones)
        if (z->zone_idx <= reclaim_idx) n += z->nr_lru[static_cast<unsigned>(kind)];
    return n;
}

// Models isolate_lru_folios() + shrink_folio_list() for up to nr_to_scan eligible pages from
// the tail of one list. Returns pages reclaimed.
std::uint64_t SlowPathModel::shrink_list(int nid, LruKind kind, std::uint64_t nr_to_scan,
                                         detail::ScanControl& sc) {
    NodeData& node = pa_.node(nid);
    PageList& list = node.lru[static_cast<unsigned>(kind)];
    PageMap& map = pa_.page_map();
    VmEvents& ev = pa_.events();

    // isolate_lru_folios(): walk from the oldest end without changing the list.
    std::vector<PageIdx> taken;
    std::vector<PageIdx> skipped;
    std::uint64_t scan = 0;
    std::uint64_t total_scan = 0;
    for (PageIdx p = list.empty() ? kNoPage : list.back(); p != kNoPage && scan < nr_to_scan;
         p = list.prev(p)) {
        const PageInfo& pi = map.info(p);
        const std::uint64_t n = std::uint64_t{1} << pi.order;
        total_scan += n;
        const Zone& z = *pa_.zone_by_id(pi.zone);
        if (z.zone_idx > sc.reclaim_idx) {
            ev[unsigned{PGSKIP_DMA} + z.type] += n;
            skipped.push_back(p);
            continue;
        }
        scan += n;
        taken.push_back(p);
    }
    // Skipped folios go back to the young end (list_splice onto the head), oldest first so
    // the order among them is kept.
    for (PageIdx p : skipped) {
        list.del(p);
        list.add(p);
    }
    add_cost(total_scan * cfg_.costs.reclaim_scan_ns);
    sc.nr_scanned += scan;
    ev[sc.kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT] += scan;
    if (kind == LruKind::Anon) ev[PGSCAN_ANON] += scan;
    if (kind == LruKind::File) ev[PGSCAN_FILE] += scan;
    if (kind == LruKind::Slab) ev[SLABS_SCANNED] += scan;

    // shrink_folio_list().
    const ReclaimContext ctx{kind, sc.may_writepage, sc.may_unmap, sc.may_swap, sc.kswapd};
    std::uint64_t reclaimed = 0;
    std::uint64_t busy = 0;
    for (PageIdx p : taken) {
        PageInfo& pi = map.info(p);
        const unsigned order = pi.order;
        const std::uint64_t n = std::uint64_t{1} << order;
        if (pi.mt & kLruReferenced) { // folio_check_references(): second chance
            pa_.lru_rotate_page(p, false);
            ev[PGACTIVATE] += n;
            continue;
        }
        if (pi.flags & PG_pinned) { // long-term pinned: its references cannot be dropped
            pa_.lru_rotate_page(p, false);
            continue;
        }
        if (kind == LruKind::Anon && free_swap_ < n) { // swap full: keep it (activate)
            pa_.lru_rotate_page(p, false);
            continue;
        }
        const Pfn pfn = map.page_to_pfn(p);
        switch (hooks_.reclaim(pfn, order, pi.owner, ctx)) {
        case ReclaimResult::Freed:
            if (kind == LruKind::Anon) {
                free_swap_ -= n;
                ev[PSWPOUT] += n;
                add_cost(n * cfg_.costs.swap_out_ns);
            }
            pa_.free_page_block(p, order, sc.cpu);
            reclaimed += n;
            add_cost(n * cfg_.costs.reclaim_free_ns);
            break;
        case ReclaimResult::Referenced:
            pa_.lru_rotate_page(p, false);
            ev[PGACTIVATE] += n;
            break;
        case ReclaimResult::Busy:
            pa_.lru_rotate_page(p, false);
            busy += n;
            if (kind == LruKind::File && sc.may_writepage)
                node.vm_stat[NR_VMSCAN_WRITE] += static_cast<std::int64_t>(n);
            break;
        case ReclaimResult::Unreclaimable:
            pa_.lru_del_page(p);
            ev[UNEVICTABLE_PGCULLED] += n;
            break;
        }
    }
    ev[sc.kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT] += reclaimed;
    if (kind == LruKind::Anon) ev[PGSTEAL_ANON] += reclaimed;
    if (kind == LruKind::File) ev[PGSTEAL_FILE] += reclaimed;
    // reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK): everything taken was under writeback.
    if (busy && !reclaimed) {
        add_cost(cfg_.costs.writeback_throttle_ns);
        hooks_.reclaim_throttled(); // writeback that ended during the wait
    }
    sc.nr_reclaimed += reclaimed;
    return reclaimed;
}

// Models shrink_node(): get_scan_count, shrink_lruvec in SWAP_CLUSTER_MAX batches (stopping
// once nr_to_reclaim is met), then shrink_slab on the reclaimable-slab list.
void SlowPathModel::shrink_node(int nid, detail::ScanControl& sc) {
    const std::uint64_t reclaimed_before = sc.nr_reclaimed;
    const int p = sc.priority;
    const std::uint64_t file = lru_size_eligible(nid, LruKind::File, sc.reclaim_idx);
    const std::uint64_t anon = lru_size_eligible(nid, LruKind::Anon, sc.reclaim_idx);
    std::uint64_t nr_file = file >> p;
    std::uint64_t nr_anon = 0;
    if (sc.may_swap && can_reclaim_anon() && cfg_.swappiness > 0 && anon) {
        if (p == 0) { // SCAN_EQUAL at priority 0
            nr_anon = anon;
        } else { // SCAN_FRACT with equal anon/file costs
            const std::uint64_t ap = cfg_.swappiness;
            const std::uint64_t fp = 200 - std::min(200u, cfg_.swappiness);
            nr_anon = (anon >> p) * ap / (ap + fp);
            nr_file = (file >> p) * fp / (ap + fp);
        }
    }
    while ((nr_file || nr_anon) && sc.nr_reclaimed - reclaimed_before < sc.nr_to_reclaim) {
        if (nr_anon) {
            const std::uint64_t n = std::min<std::uint64_t>(nr_anon, SWAP_CLUSTER_MAX);
            nr_anon -= n;
            shrink_list(nid, LruKind::Anon, n, sc);
        }
        if (nr_file) {
            const std::uint64_t n = std::min<std::uint64_t>(nr_file, SWAP_CLUSTER_MAX);
            nr_file -= n;
            shrink_list(nid, LruKind::File, n, sc);
        }
    }
    // shrink_slab(): delta = (freeable >> priority) * 4 / DEFAULT_SEEKS, at most 2x freeable.
    const std::uint64_t slab = lru_size_eligible(nid, LruKind::Slab, sc.reclaim_idx);
    const std::uint64_t nr_slab = std::min(slab, ((slab >> p) * 4) / 2);
    if (nr_slab) shrink_list(nid, LruKind::Slab, nr_slab, sc);
    if (sc.nr_reclaimed > reclaimed_before) pa_.node(nid).kswapd_failures = 0;
}

// Models compaction_ready(): enough free memory for compaction to work in this zone, so a
// costly-order reclaimer stops reclaiming there.
bool SlowPathModel::compaction_ready(const Zone& z, const detail::ScanControl& sc) const {
    const CompactResult s = compaction_suitable(z, static_cast<int>(sc.order), 0, sc.reclaim_idx);
    if (s == CompactResult::Success) return true;
    if (s == CompactResult::Skipped) return false;
    const std::uint64_t wm = z.wmark_pages(WMARK_HIGH) + detail::compact_gap(sc.order);
    return pa_.zone_watermark_ok(z, 0, wm, sc.reclaim_idx, 0);
}

// Models try_to_free_pages() → do_try_to_free_pages() → shrink_zones(): SWAP_CLUSTER_MAX
// pages from the request's zonelist, priority DEF_PRIORITY down to 0. Returns progress.
std::uint64_t SlowPathModel::try_to_free_pages(const AllocRequest& req, const AllocContext& ac) {
    detail::ScanControl sc;
    sc.gfp = req.gfp;
    sc.reclaim_idx = ac.highest_zoneidx;
    sc.order = req.order;
    sc.nodemask = ac.nodemask;
    sc.cpu = req.cpu;
    sc.may_swap = true;
    const Zone* cls =
        pa_.nodes()[static_cast<std::size_t>(ac.preferred_zone->nid)].zones[sc.reclaim_idx];
    pa_.events()[unsigned{ALLOCSTALL_DMA} + cls->type]++;
    if (cur_) cur_->direct_reclaim_stalls++;
    const bool compaction_allowed = req.gfp & gfp::kIo; // gfp_compaction_allowed (E4e)
    for (sc.priority = DEF_PRIORITY; sc.priority >= 0; --sc.priority) {
        sc.nr_scanned = 0;
        int last_nid = -1;
        for (Zone* z : *ac.zonelist) {
            if (z->zone_idx > sc.reclaim_idx || !((ac.nodemask >> z->nid) & 1)) continue;
            if (compaction_allowed && sc.order > PAGE_ALLOC_COSTLY_ORDER &&
                compaction_ready(*z, sc)) {
                sc.compaction_ready = true;
                continue;
            }
            if (z->nid == last_nid) continue;
            last_nid = z->nid;
            shrink_node(z->nid, sc);
        }
        if (sc.nr_reclaimed >= sc.nr_to_reclaim) break;
        if (sc.compaction_ready) break;
    }
    if (sc.nr_reclaimed) return sc.nr_reclaimed;
    return sc.compaction_ready ? 1 : 0;
}

} // namespace pagesim
