// SPDX-License-Identifier: GPL-2.0-only
// IdMap: a flat hash map from 64-bit ids (explicit event ids, trace pfns) to small values,
// for the hot path of exact replay: open addressing, linear probing, power-of-two capacity
// kept at most half full, and backward-shift deletion (no tombstones), so lookups stay short
// however many ids come and go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pagesim {

template <class V>
class IdMap {
public:
    IdMap() { slots_.resize(16); }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    /// The value stored for `key`, or nullptr.
    V* find(std::uint64_t key) {
        for (std::size_t i = home(key);; i = (i + 1) & mask()) {
            Slot& s = slots_[i];
            if (!s.used) return nullptr;
            if (s.key == key) return &s.value;
        }
    }
    const V* find(std::uint64_t key) const { return const_cast<IdMap*>(this)->find(key); }

    /// Stores `value` for `key` (replacing any value it had).
    void set(std::uint64_t key, V value) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        for (std::size_t i = home(key);; i = (i + 1) & mask()) {
            Slot& s = slots_[i];
            if (!s.used) {
                s = Slot{key, value, true};
                ++size_;
                return;
            }
            if (s.key == key) {
                s.value = value;
                return;
            }
        }
    }

    /// Removes `key`; false if it was absent.
    bool erase(std::uint64_t key) {
        V ignored{};
        return take(key, ignored);
    }

    /// Removes `key` and hands its value to `out` (one probe for find + erase); false if
    /// it was absent.
    bool take(std::uint64_t key, V& out) {
        std::size_t i = home(key);
        for (;; i = (i + 1) & mask()) {
            if (!slots_[i].used) return false;
            if (slots_[i].key == key) break;
        }
        out = slots_[i].value;
        // Backward-shift: move later members of the probe run into the hole when their
        // home position does not lie (cyclically) between the hole and themselves.
        std::size_t hole = i;
        for (std::size_t j = (hole + 1) & mask(); slots_[j].used; j = (j + 1) & mask()) {
            const std::size_t h = home(slots_[j].key);
            const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
            if (stays) continue;
            slots_[hole] = slots_[j];
            hole = j;
        }
        slots_[hole].used = false;
        --size_;
        return true;
    }

    void clear() {
        slots_.assign(16, Slot{});
        size_ = 0;
    }

    /// Bytes of the table (for memory reports).
    std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

private:
    struct Slot {
        std::uint64_t key = 0;
        V value{};
        bool used = false;
    };
    std::size_t mask() const { return slots_.size() - 1; }
    std::size_t home(std::uint64_t key) const {
        // Fibonacci hashing: ids are often sequential or pfn-like, so mix them.
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
    }
    void grow() {
        std::vector<Slot> old;
        old.swap(slots_);
        slots_.resize(old.size() * 2);
        --shift_;
        size_ = 0;
        for (const Slot& s : old)
            if (s.used) set(s.key, s.value);
    }

    std::vector<Slot> slots_;
    unsigned shift_ = 60; ///< 64 - log2(capacity)
    std::size_t size_ = 0;
};

} // namespace pagesim
