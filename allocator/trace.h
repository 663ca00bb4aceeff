// SPDX-License-Identifier: GPL-2.0-only
// The kmem tracepoints (include/trace/events/kmem.h) as a callback interface. The
// allocator calls them at the kernel's emission points (spec §8.5, erratum E10); the
// simulator turns them into ftrace text, metrics or nothing. Default methods do nothing.
#pragma once

#include "allocator/gfp.h"
#include "allocator/types.h"

namespace pagesim {

class KmemTracer {
public:
    virtual ~KmemTracer() = default;
    /// Once per __alloc_pages call that passed the order check; pfn kNoPfn on failure.
    virtual void mm_page_alloc(unsigned /*cpu*/, Pfn /*pfn*/, unsigned /*order*/, GfpFlags /*gfp*/,
                               MigrateType /*mt*/) {}
    /// At the start of every free that goes through free_pages_prepare.
    virtual void mm_page_free(unsigned /*cpu*/, Pfn /*pfn*/, unsigned /*order*/) {}
    /// Per page of a batched order-0 free (in addition to mm_page_free).
    virtual void mm_page_free_batched(unsigned /*cpu*/, Pfn /*pfn*/) {}
    /// Every successful __rmqueue_smallest.
    virtual void mm_page_alloc_zone_locked(unsigned /*cpu*/, Pfn /*pfn*/, unsigned /*order*/,
                                           MigrateType /*mt*/, bool /*percpu_refill*/) {}
    /// Per page moved from a pcp list to the buddy (pfn/order before merging).
    virtual void mm_page_pcpu_drain(unsigned /*cpu*/, Pfn /*pfn*/, unsigned /*order*/,
                                    MigrateType /*mt*/) {}
    /// Once per successful __rmqueue_fallback: the stolen block before it is split.
    virtual void mm_page_alloc_extfrag(unsigned /*cpu*/, Pfn /*pfn*/, unsigned /*alloc_order*/,
                                       unsigned /*fallback_order*/, MigrateType /*alloc_mt*/,
                                       MigrateType /*fallback_mt*/, bool /*change_ownership*/) {}
};

} // namespace pagesim
