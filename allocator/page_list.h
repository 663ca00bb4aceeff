// SPDX-License-Identifier: GPL-2.0-only
// Doubly linked page lists (buddy free lists, per-CPU lists) on Boost.Intrusive's
// circular_list_algorithms with 32-bit links: a page costs 8 bytes of list linkage instead
// of two pointers. Nodes (pages and list heads) live in one array and link by index; the
// algorithms' node_ptr is a (base, index) pair.
#pragma once

#include "allocator/types.h"

#include <boost/intrusive/circular_list_algorithms.hpp>

#include <cstddef>
#include <cstdint>

namespace pagesim {

/// The list linkage of one page (the kernel's `page->lru` / `page->buddy_list`): indices of
/// the next and previous nodes in the link array.
struct PageLink {
    PageIdx next = 0;
    PageIdx prev = 0;
};

/// node_ptr for boost::intrusive: the link array and a node's index in it.
struct PageRef {
    PageLink* base = nullptr;
    PageIdx idx = 0;
    bool operator==(const PageRef& o) const { return idx == o.idx; }
    bool operator!=(const PageRef& o) const { return idx != o.idx; }
};

/// NodeTraits for boost::intrusive::circular_list_algorithms over PageRef.
struct PageLinkTraits {
    using node = PageLink;
    using node_ptr = PageRef;
    using const_node_ptr = PageRef;
    static PageRef get_next(PageRef n) { return {n.base, n.base[n.idx].next}; }
    static void set_next(PageRef n, PageRef next) { n.base[n.idx].next = next.idx; }
    static PageRef get_previous(PageRef n) { return {n.base, n.base[n.idx].prev}; }
    static void set_previous(PageRef n, PageRef prev) { n.base[n.idx].prev = prev.idx; }
};
using PageListAlgo = boost::intrusive::circular_list_algorithms<PageLinkTraits>;

/// A list of pages identified by PageIdx, with its head node in the same array. Head is
/// where allocation takes from (`list_first_entry`); `add` is `list_add`, `add_tail` is
/// `list_add_tail`.
class PageList {
public:
    PageList() = default;
    /// Binds the list to its head node (index `head` in the array starting at `base`).
    void init(PageLink* base, PageIdx head) {
        base_ = base;
        head_ = head;
        PageListAlgo::init_header(ref(head_));
    }

    bool empty() const { return base_[head_].next == head_; }
    PageIdx front() const { return base_[head_].next; }
    PageIdx back() const { return base_[head_].prev; }
    void add(PageIdx i) { PageListAlgo::link_after(ref(head_), ref(i)); }
    void add_tail(PageIdx i) { PageListAlgo::link_before(ref(head_), ref(i)); }
    /// Unlinks page `i` from whatever list holds it; true if that list is now empty (its
    /// next and prev were the same node: the head).
    bool del(PageIdx i) {
        const bool last = base_[i].next == base_[i].prev;
        PageListAlgo::unlink(ref(i));
        return last;
    }
    /// `list_move_tail`: unlink `i` (from any list) and append it here.
    void move_tail(PageIdx i) {
        PageListAlgo::unlink(ref(i));
        add_tail(i);
    }
    /// The page after `i` on this list, or kNoPage at the end.
    PageIdx next(PageIdx i) const {
        const PageIdx n = base_[i].next;
        return n == head_ ? kNoPage : n;
    }
    /// The page before `i` on this list, or kNoPage at the start.
    PageIdx prev(PageIdx i) const {
        const PageIdx n = base_[i].prev;
        return n == head_ ? kNoPage : n;
    }
    /// O(n): length of the list (pagetypeinfo walks lists the same way).
    std::size_t size() const { return PageListAlgo::count(ref(head_)) - 1; }

    template <class F>
    void for_each(F&& f) const {
        for (PageIdx n = base_[head_].next; n != head_; n = base_[n].next) f(n);
    }

private:
    PageRef ref(PageIdx i) const { return {base_, i}; }

    PageLink* base_ = nullptr;
    PageIdx head_ = 0;
};

} // namespace pagesim
