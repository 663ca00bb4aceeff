// SPDX-License-Identifier: GPL-2.0-only
// Owner records: who holds each allocated block (process, buffer, position, kind, gfp,
// order, where it is now). The allocator stores the owner id on the block's head page; the
// simulator's record is how migration, reclaim and OOM find and tell the owner. 36 bytes.
#pragma once

#include "allocator/gfp.h"
#include "allocator/types.h"
#include "workloads/workload.h"

#include <cstdint>
#include <vector>

namespace pagesim {

inline constexpr std::uint32_t kNone = ~std::uint32_t{0};

struct OwnerRecord {
    PageIdx page = kNoPage;       ///< head page now (updated when the block migrates)
    std::uint32_t proc = kNone;   ///< owning process, kNone for kernel-wide owners
    std::uint32_t buffer = kNone; ///< buffer of the process, kNone if none
    std::uint32_t vpage = 0;      ///< first virtual page within the buffer
    std::uint32_t next = kNone;   ///< the owning process's list of blocks
    std::uint32_t prev = kNone;
    std::uint32_t gen = 0; ///< bumped when the record is released
    GfpFlags gfp = 0;
    std::uint8_t order = 0;
    OwnerKind kind = OwnerKind::Kernel;
    std::uint8_t flags = 0;
    std::uint8_t cpu = 0;

    static constexpr std::uint8_t kLive = 1;
    static constexpr std::uint8_t kDirty = 2;
    static constexpr std::uint8_t kPinned = 4;
    static constexpr std::uint8_t kWriteback = 8;
    bool live() const { return flags & kLive; }
};
static_assert(sizeof(OwnerRecord) == 36, "owner records stay small");

/// Owner ids are indices; id 0 is never used (the allocator's "no owner").
class OwnerTable {
public:
    OwnerTable() { records_.emplace_back(); }

    std::uint32_t create(const OwnerRecord& r) {
        std::uint32_t id;
        if (!free_.empty()) {
            id = free_.back();
            free_.pop_back();
            const std::uint32_t gen = records_[id].gen;
            records_[id] = r;
            records_[id].gen = gen;
        } else {
            id = static_cast<std::uint32_t>(records_.size());
            records_.push_back(r);
        }
        records_[id].flags |= OwnerRecord::kLive;
        ++live_;
        return id;
    }
    void release(std::uint32_t id) {
        OwnerRecord& r = records_[id];
        r.flags = 0;
        r.gen++;
        free_.push_back(id);
        --live_;
    }
    OwnerRecord& operator[](std::uint32_t id) { return records_[id]; }
    const OwnerRecord& operator[](std::uint32_t id) const { return records_[id]; }
    std::size_t live() const { return live_; }
    std::size_t capacity() const { return records_.size(); }

private:
    std::vector<OwnerRecord> records_;
    std::vector<std::uint32_t> free_;
    std::size_t live_ = 0;
};

} // namespace pagesim
