// SPDX-License-Identifier: GPL-2.0-only
// TraceEvent helpers: event names, task names, migratetype numbering.
#include "workloads/ftrace_event.h"

#include <algorithm>
#include <cstring>

namespace pagesim {

std::string_view trace_event_name(TraceEventType t) {
    static constexpr std::array<std::string_view, kTraceEventTypes> names{
        "mm_page_alloc",        "mm_page_free",
        "mm_page_free_batched", "mm_page_alloc_zone_locked",
        "mm_page_pcpu_drain",   "mm_page_alloc_extfrag"};
    const auto i = static_cast<std::size_t>(t);
    return i < names.size() ? names[i] : "?";
}

std::string_view TaskComm::view() const {
    const char* end = static_cast<const char*>(std::memchr(bytes.data(), '\0', bytes.size()));
    return {bytes.data(), end ? static_cast<std::size_t>(end - bytes.data()) : bytes.size()};
}

TaskComm TaskComm::from(std::string_view s) {
    TaskComm c;
    const std::size_t n = std::min<std::size_t>(s.size(), c.bytes.size() - 1);
    std::copy_n(s.data(), n, c.bytes.data());
    return c;
}

bool migratetype_from_trace(long long value, bool cma, MigrateType& out) {
    if (value < 0) return false;
    if (cma) {
        if (value > MIGRATE_ISOLATE) return false;
        out = static_cast<MigrateType>(value);
        return true;
    }
    // Without CONFIG_CMA: UNMOVABLE..HIGHATOMIC keep their numbers, ISOLATE is 4.
    if (value < MIGRATE_CMA) {
        out = static_cast<MigrateType>(value);
        return true;
    }
    if (value == 4) {
        out = MIGRATE_ISOLATE;
        return true;
    }
    return false;
}

int migratetype_to_trace(MigrateType mt, bool cma) {
    if (cma || mt < MIGRATE_CMA) return static_cast<int>(mt);
    if (mt == MIGRATE_ISOLATE) return 4;
    throw std::invalid_argument("MIGRATE_CMA cannot be printed for a kernel without CONFIG_CMA");
}

} // namespace pagesim
