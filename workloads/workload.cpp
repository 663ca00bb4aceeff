// SPDX-License-Identifier: GPL-2.0-only
// Names of the workload vocabulary as the scenario language spells them.
#include "workloads/workload.h"

#include <array>

namespace pagesim {

namespace {
struct KindName {
    OwnerKind kind;
    std::string_view name;
};
constexpr std::array<KindName, 9> kKindNames{{
    {OwnerKind::Anon, "anon"},
    {OwnerKind::PageCache, "page_cache"},
    {OwnerKind::SlabUnreclaimable, "slab"},
    {OwnerKind::SlabReclaimable, "slab_reclaimable"},
    {OwnerKind::PageTable, "page_table"},
    {OwnerKind::Pipe, "pipe"},
    {OwnerKind::Kernel, "kernel"},
    {OwnerKind::DriverContig, "driver"},
    {OwnerKind::Trace, "trace"},
}};
} // namespace

std::string_view owner_kind_name(OwnerKind k) {
    for (const KindName& n : kKindNames)
        if (n.kind == k) return n.name;
    return "?";
}

bool owner_kind_from_name(std::string_view name, OwnerKind& out) {
    for (const KindName& n : kKindNames)
        if (n.name == name) {
            out = n.kind;
            return true;
        }
    return false;
}

} // namespace pagesim
