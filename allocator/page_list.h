// SPDX-License-Identifier: GPL-2.0-only
// Doubly linked page lists (buddy free lists, per-CPU lists) on Boost.Intrusive's
// circular_list_algorithms with 32-bit self-relative links: a page costs 8 bytes of list
// linkage instead of two pointers. All nodes (pages and list heads) live in one array.
#pragma once

#include "allocator/types.h"

#include <boost/intrusive/circular_list_algorithms.hpp>

#include <cstddef>
#include <cstdint>

namespace pagesim {

/// The list linkage of one page (the kernel's `page->lru` / `page->buddy_list`). `next` and
/// `prev` are offsets, in nodes, from this node; 0 means "self" (an empty list head).
struct PageLink {
    std::int32_t next = 0;
    std::int32_t prev = 0;
};

/// NodeTraits for boost::intrusive with relative offsets. Valid because every node of a
/// list lies in the same array (PageMap::links_), so the pointer differences are defined.
struct PageLinkTraits {
    using node = PageLink;
    using node_ptr = PageLink*;
    using const_node_ptr = const PageLink*;
    static node_ptr get_next(const_node_ptr n) { return const_cast<node_ptr>(n) + n->next; }
    static void set_next(node_ptr n, node_ptr next) {
        n->next = static_cast<std::int32_t>(next - n);
    }
    static node_ptr get_previous(const_node_ptr n) { return const_cast<node_ptr>(n) + n->prev; }
    static void set_previous(node_ptr n, node_ptr prev) {
        n->prev = static_cast<std::int32_t>(prev - n);
    }
};
using PageListAlgo = boost::intrusive::circular_list_algorithms<PageLinkTraits>;

/// A list of pages identified by PageIdx. The head is a node of the same array as the
/// pages. Head is where allocation takes from (`list_first_entry`); `add` is `list_add`,
/// `add_tail` is `list_add_tail`.
class PageList {
public:
    PageList() = default;
    /// Binds the list to its head node and the array base (node of PageIdx 0).
    void init(PageLink* head, PageLink* base) {
        head_ = head;
        base_ = base;
        PageListAlgo::init_header(head_);
    }

    bool empty() const { return head_->next == 0; }
    PageIdx front() const { return idx(PageLinkTraits::get_next(head_)); }
    PageIdx back() const { return idx(PageLinkTraits::get_previous(head_)); }
    void add(PageIdx i) { PageListAlgo::link_after(head_, base_ + i); }
    void add_tail(PageIdx i) { PageListAlgo::link_before(head_, base_ + i); }
    /// Unlinks page `i` from whatever list holds it.
    void del(PageIdx i) { PageListAlgo::unlink(base_ + i); }
    /// `list_move_tail`: unlink `i` (from any list) and append it here.
    void move_tail(PageIdx i) {
        PageListAlgo::unlink(base_ + i);
        add_tail(i);
    }
    /// `list_move`: unlink `i` (from any list) and put it at the head here.
    void move(PageIdx i) {
        PageListAlgo::unlink(base_ + i);
        add(i);
    }
    /// The page after `i` on this list, or kNoPage at the end.
    PageIdx next(PageIdx i) const {
        const PageLink* n = PageLinkTraits::get_next(base_ + i);
        return n == head_ ? kNoPage : idx(n);
    }
    /// The page before `i` on this list, or kNoPage at the start.
    PageIdx prev(PageIdx i) const {
        const PageLink* n = PageLinkTraits::get_previous(base_ + i);
        return n == head_ ? kNoPage : idx(n);
    }
    /// O(n): length of the list (pagetypeinfo walks lists the same way).
    std::size_t size() const { return PageListAlgo::count(head_) - 1; }

    template <class F>
    void for_each(F&& f) const {
        for (const PageLink* n = PageLinkTraits::get_next(head_); n != head_;
             n = PageLinkTraits::get_next(n))
            f(idx(n));
    }

private:
    PageIdx idx(const PageLink* n) const { return static_cast<PageIdx>(n - base_); }

    PageLink* head_ = nullptr;
    PageLink* base_ = nullptr;
};

} // namespace pagesim
