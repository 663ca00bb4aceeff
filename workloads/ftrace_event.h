// SPDX-License-Identifier: GPL-2.0-only
// The page-allocator trace events of include/trace/events/kmem.h as pagesim holds them: one
// compact TraceEvent per line of tracefs `trace` text, the line context (task, pid, CPU,
// irq-info flags, timestamp), and the kernel <-> internal migratetype numbering.
#pragma once

#include "allocator/gfp.h"
#include "allocator/types.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace pagesim {

/// The six kmem page events pagesim reads and writes, in the order used by every table.
enum class TraceEventType : std::uint8_t {
    PageAlloc,           ///< kmem:mm_page_alloc (one per __alloc_pages call, E10)
    PageFree,            ///< kmem:mm_page_free
    PageFreeBatched,     ///< kmem:mm_page_free_batched (in addition to mm_page_free)
    PageAllocZoneLocked, ///< kmem:mm_page_alloc_zone_locked
    PagePcpuDrain,       ///< kmem:mm_page_pcpu_drain
    PageAllocExtfrag,    ///< kmem:mm_page_alloc_extfrag
};
inline constexpr std::size_t kTraceEventTypes = 6;

/// The event's name as the kernel prints it ("mm_page_alloc", ...).
std::string_view trace_event_name(TraceEventType t);

/// The task name column: at most 15 bytes (TASK_COMM_LEN - 1), stored inline so that a
/// TraceEvent needs no allocation.
struct TaskComm {
    std::array<char, 16> bytes{}; ///< NUL-padded

    /// The stored name (up to the first NUL).
    std::string_view view() const;
    /// A name from `s`, cut to its first 15 bytes.
    static TaskComm from(std::string_view s);
    bool operator==(const TaskComm&) const = default;
};

/// The irq-info column of 6.1 ("d..3."): irqs-off ('d' 'D' 'b' 'X' '.'), need-resched
/// ('N' 'n' 'p' '.'), hard/soft irq ('Z' 'z' 'H' 'h' 's' '.'), preempt depth and
/// migrate-disable depth (0..15, printed as one hex digit or '.').
struct IrqInfo {
    char irqs_off = '.';
    char need_resched = '.';
    char hardsoft_irq = '.';
    std::uint8_t preempt_depth = 0;
    std::uint8_t migrate_disable = 0;
    bool operator==(const IrqInfo&) const = default;
};

/// tgid column values: absent (record-tgid off) and unknown (printed "(-------)").
inline constexpr std::int32_t kTgidAbsent = -1;
inline constexpr std::int32_t kTgidUnknown = 0;

/// One kmem page event. Fields that an event type does not print keep their defaults, so
/// two events are equal exactly when they print the same line (operator==). Migrate types
/// use pagesim's internal numbering (types.h), whatever the traced kernel's CMA config.
struct TraceEvent {
    std::int64_t ts_ns = 0; ///< trace clock, nanoseconds (the text has microseconds)
    /// First pfn of the block; kNoPfn for a failed mm_page_alloc (the kernel prints
    /// page=0000000000000000 pfn=0x0).
    Pfn pfn = 0;
    GfpFlags gfp = 0; ///< mm_page_alloc: gfp_flags
    std::int32_t pid = 0;
    std::int32_t tgid = kTgidAbsent;
    std::uint16_t cpu = 0;
    TraceEventType type = TraceEventType::PageAlloc;
    std::uint8_t order = 0;                               ///< order; extfrag: alloc_order
    MigrateType migratetype = MIGRATE_UNMOVABLE;          ///< extfrag: alloc_migratetype
    std::uint8_t fallback_order = 0;                      ///< extfrag
    MigrateType fallback_migratetype = MIGRATE_UNMOVABLE; ///< extfrag
    /// extfrag: the pageblock_order the kernel printed; kUnknownPageblockOrder if the line
    /// did not say (libtraceevent's raw form).
    std::uint8_t pageblock_order = 9;
    bool percpu_refill = false;    ///< mm_page_alloc_zone_locked
    bool change_ownership = false; ///< extfrag: the pageblock was claimed (stolen)
    bool has_irq_info = true;      ///< the line had the irq-info column
    IrqInfo irq;
    TaskComm comm;

    bool failed() const { return type == TraceEventType::PageAlloc && pfn == kNoPfn; }
    /// extfrag: fallback_order < pageblock_order (the kernel's `fragmenting`).
    bool fragmenting() const { return fallback_order < pageblock_order; }
    Pfn nr_pages() const { return Pfn{1} << order; }
    bool operator==(const TraceEvent&) const = default;
};
inline constexpr std::uint8_t kUnknownPageblockOrder = 0xff;

/// Largest pfn a trace may name: 2^64 bytes of 4 KiB pages. Larger values are malformed,
/// which also keeps kNoPfn unambiguous.
inline constexpr Pfn kMaxTracePfn = (Pfn{1} << 52) - 1;
/// Largest order a trace event may carry (pagesim's storage limit).
inline constexpr unsigned kMaxTraceOrder = kMaxOrderLimit - 1;

/// Kernel migratetype number -> internal MigrateType. Without CONFIG_CMA the kernel has 5
/// types and numbers ISOLATE 4 (erratum E3); with it, 6 (CMA 4, ISOLATE 5). Returns false
/// for numbers the traced kernel cannot print.
bool migratetype_from_trace(long long value, bool cma, MigrateType& out);

/// Internal MigrateType -> the kernel's number. Throws std::invalid_argument for
/// MIGRATE_CMA when `cma` is false (such a kernel has no CMA type).
int migratetype_to_trace(MigrateType mt, bool cma);

/// A user-caused trace error with its place: "trace.txt:12: error: bad pfn 'zz'".
class FtraceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A captured free of a piece of a larger live block (the kernel split it, e.g. a
/// high-order page freed as order-0 pages): the live block of a higher order containing
/// `pfn`, in a map keyed by each block's first pfn (`.order` in its value). Blocks are
/// naturally aligned, so that key is `pfn` rounded down to the block's order.
/// `live.end()` when there is none.
template <class LiveMap>
typename LiveMap::iterator find_enclosing_block(LiveMap& live, Pfn pfn, unsigned order) {
    for (unsigned k = order + 1; k < kMaxOrderLimit; ++k) {
        const Pfn base = pfn & ~((Pfn{1} << k) - 1);
        if (base == pfn) continue;
        auto it = live.find(base);
        if (it != live.end() && it->second.order >= k) return it;
    }
    return live.end();
}

} // namespace pagesim
