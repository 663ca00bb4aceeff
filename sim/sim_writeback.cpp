// SPDX-License-Identifier: GPL-2.0-only
// Writeback of dirty page cache that reclaim meets. In 6.1 reclaim rarely writes pages
// itself: shrink_folio_list() marks a dirty file folio PG_reclaim and keeps it, and when a
// batch held only such folios shrink_inactive_list() wakes the flusher threads
// (wakeup_flusher_threads(WB_REASON_VMSCAN)), which write back the file's dirty pages. When
// a write completes, folio_end_writeback() -> folio_rotate_reclaimable() moves the folio to
// the tail of its LRU, the next to be reclaimed. The model: the first dirty block reclaim
// meets queues every dirty block of its buffer (the file) on one backing device that
// completes writes in order, each after `costs.writeback` latency at `costs.writeback_rate`.
#include "sim/simulator.h"

#include <algorithm>

namespace pagesim {

void Simulator::start_writeback(std::uint32_t owner) {
    if (writeback_done_.size() < owners_.capacity()) writeback_done_.resize(owners_.capacity(), 0);
    const SimTime now = hook_now();
    const double ns_per_byte = 1e9 / sc_.costs.writeback_rate;
    auto queue_one = [&](std::uint32_t o) {
        OwnerRecord& r = owners_[o];
        if (!r.live() || !(r.flags & OwnerRecord::kDirty)) return;
        r.flags =
            static_cast<std::uint8_t>((r.flags & ~OwnerRecord::kDirty) | OwnerRecord::kWriteback);
        const double bytes = static_cast<double>(layout_.kconfig.page_size() << r.order);
        const SimTime start = std::max(now + sc_.costs.writeback_ns, writeback_busy_until_);
        writeback_busy_until_ = start + static_cast<SimTime>(bytes * ns_per_byte);
        writeback_done_[o] = writeback_busy_until_;
        writebacks_.push_back({writeback_busy_until_, o, r.gen});
    };
    const OwnerRecord& r = owners_[owner];
    if (r.proc != kNone && r.buffer != kNone) {
        const Buffer& b = procs_[r.proc].buffers[r.buffer];
        for (std::size_t v = 0; v < b.pages.size(); ++v)
            if (b.pages[v] != kNone && owners_[b.pages[v]].vpage == v) queue_one(b.pages[v]);
    } else {
        queue_one(owner);
    }
    if (!writebacks_.empty() && writeback_event_ < 0) {
        writeback_event_ = writebacks_.front().done;
        queue_.push(writeback_event_, EventKind::Writeback);
    }
}

// Writes complete in queue order; each written block becomes the next reclaim candidate.
// Called from the Writeback event (writeback_event_ == now) and after reclaim throttled.
void Simulator::complete_writebacks(SimTime now) {
    while (!writebacks_.empty() && writebacks_.front().done <= now) {
        const PendingWriteback w = writebacks_.front();
        writebacks_.pop_front();
        OwnerRecord& r = owners_[w.owner];
        if (!r.live() || r.gen != w.gen) continue; // freed meanwhile
        r.flags &= static_cast<std::uint8_t>(~OwnerRecord::kWriteback);
        pa_->lru_rotate_reclaimable(pa_->page_map().page_to_pfn(r.page));
    }
    if (writeback_event_ == now) writeback_event_ = -1;
    if (!writebacks_.empty() && writeback_event_ < 0) {
        writeback_event_ = writebacks_.front().done;
        queue_.push(writeback_event_, EventKind::Writeback);
    }
}

} // namespace pagesim
