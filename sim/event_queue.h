// SPDX-License-Identifier: GPL-2.0-only
// The discrete-event queue: a binary min-heap ordered by (time, seq), integer nanoseconds.
// seq is the insertion counter, so events at the same time run in the order they were
// scheduled and runs are deterministic. Cancellation is lazy: an event carries the
// generation of its target, and the consumer drops events whose generation is stale.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

namespace pagesim {

using SimTime = std::int64_t; ///< nanoseconds since the start of the run

enum class EventKind : std::uint8_t {
    ProcessStep,  ///< target = process index
    Expire,       ///< target = owner id: its lifetime ended
    Explicit,     ///< target = index into the explicit event list
    Generator,    ///< target = generator index
    Sample,       ///< the periodic sampler
    Kswapd,       ///< target = node
    Kcompactd,    ///< target = node
    Bandwidth,    ///< the bandwidth model's next rate change
    ClaimRelease, ///< target = claim index
    Writeback,    ///< writeback started by reclaim completes (Simulator::writebacks_)
    Stop,         ///< end of the run
};

struct Event {
    SimTime time = 0;
    std::uint64_t seq = 0;
    EventKind kind = EventKind::Stop;
    std::uint32_t target = 0;
    std::uint32_t gen = 0; ///< the target's generation when scheduled (lazy cancellation)
};

class EventQueue {
public:
    /// Schedules an event; events at equal times keep their scheduling order.
    void push(SimTime time, EventKind kind, std::uint32_t target = 0, std::uint32_t gen = 0) {
        heap_.push(Event{time, seq_++, kind, target, gen});
    }
    bool empty() const { return heap_.empty(); }
    const Event& top() const { return heap_.top(); }
    Event pop() {
        Event e = heap_.top();
        heap_.pop();
        return e;
    }
    std::size_t size() const { return heap_.size(); }

private:
    struct Later {
        bool operator()(const Event& a, const Event& b) const {
            return a.time != b.time ? a.time > b.time : a.seq > b.seq;
        }
    };
    std::priority_queue<Event, std::vector<Event>, Later> heap_;
    std::uint64_t seq_ = 0;
};

} // namespace pagesim
