// SPDX-License-Identifier: GPL-2.0-only
// The compact event-list form: a hand-written field scanner (from_chars, no allocation per
// line) so that loading runs at tens of millions of lines a second; the checker shared
// with the YAML list form; and the streaming reader the engine uses.
#include "workloads/explicit_events.h"

#include "workloads/units.h"

#include <charconv>

namespace pagesim {

namespace {

bool blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// Decimal or 0x hex, no sign.
bool to_u64(std::string_view s, std::uint64_t& v) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    if (s.empty()) return false;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    return ec == std::errc{} && p == s.data() + s.size();
}

std::string quoted(std::string_view s) {
    std::string out = "'";
    out += s;
    out += "'";
    return out;
}

} // namespace

std::string gfp_problem(GfpFlags gfp) {
    if ((gfp & gfp::kMovableMask) == gfp::kMovableMask)
        return "__GFP_MOVABLE and __GFP_RECLAIMABLE together are a kernel bug "
               "(gfp_migratetype() has no such type)";
    ZoneType z{};
    if (!gfp_zone_type(gfp, z))
        return "invalid zone modifiers (GFP_ZONES_BUG): at most one of __GFP_DMA, "
               "__GFP_DMA32, __GFP_HIGHMEM, optionally with __GFP_MOVABLE";
    return {};
}

GfpFlags EventLineParser::gfp_of(std::string_view text) {
    for (const GfpCache& c : gfp_cache_)
        if (!c.text.empty() && c.text == text) return c.gfp;
    std::string bad;
    const auto g = gfp_parse(text, &bad);
    if (!g) throw EventError(EventField::Gfp, "unknown gfp flag " + quoted(bad));
    const std::string why = gfp_problem(*g);
    if (!why.empty()) throw EventError(EventField::Gfp, quoted(text) + ": " + why);
    GfpCache& slot = gfp_cache_[gfp_next_++ % gfp_cache_.size()];
    slot.text.assign(text);
    slot.gfp = *g;
    return *g;
}

bool EventLineParser::parse(std::string_view line, ExplicitEvent& out, bool& order_given) {
    std::array<std::string_view, 7> tok;
    cols_.fill(0);
    std::size_t n = 0;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && blank(line[i])) ++i;
        if (i >= line.size() || line[i] == '#') break;
        const std::size_t start = i;
        while (i < line.size() && !blank(line[i]) && line[i] != '#') ++i;
        if (n == tok.size() - 1) {
            cols_[n] = static_cast<unsigned>(start + 1);
            throw EventError(EventField::Line,
                             "too many fields: an event is TIME OP ID [ORDER [GFP [CPU]]]");
        }
        cols_[n] = static_cast<unsigned>(start + 1);
        tok[n++] = line.substr(start, i - start);
    }
    if (n == 0) return false;
    if (n < 3)
        throw EventError(n == 1 ? EventField::Time : EventField::Op,
                         "an event needs at least TIME OP ID");

    // TIME: integer nanoseconds (the fast path) or a duration with a unit.
    std::uint64_t t = 0;
    if (all_digits(tok[0]) && to_u64(tok[0], t) && t < (std::uint64_t{1} << 62)) {
        out.time_ns = static_cast<std::int64_t>(t);
    } else {
        std::string why;
        const auto d = parse_duration(tok[0], &why);
        if (!d) throw EventError(EventField::Time, why);
        if (*d < 0) throw EventError(EventField::Time, "times must not be negative");
        out.time_ns = *d;
    }
    if (tok[1] == "alloc")
        out.op = ExplicitEvent::Alloc;
    else if (tok[1] == "free")
        out.op = ExplicitEvent::Free;
    else
        throw EventError(EventField::Op, "expected alloc or free, got " + quoted(tok[1]));
    if (!to_u64(tok[2], out.id))
        throw EventError(EventField::Id, "expected an id (an integer), got " + quoted(tok[2]));
    const bool alloc = out.op == ExplicitEvent::Alloc;
    order_given = n > 3 && tok[3] != "-";
    if (alloc && n < 5)
        throw EventError(n == 3 ? EventField::Id : EventField::Order,
                         "an alloc event needs ORDER and GFP");
    out.order = 0;
    if (order_given) {
        std::uint64_t o = 0;
        if (!all_digits(tok[3]) || !to_u64(tok[3], o) || o > 255)
            throw EventError(EventField::Order, "expected an order, got " + quoted(tok[3]));
        out.order = static_cast<std::uint8_t>(o);
    }
    out.gfp = 0;
    if (n > 4 && tok[4] != "-") out.gfp = gfp_of(tok[4]);
    if (alloc && tok[4] == "-") throw EventError(EventField::Gfp, "an alloc event needs a GFP");
    out.cpu = 0;
    if (n > 5) {
        std::uint64_t c = 0;
        if (!all_digits(tok[5]) || !to_u64(tok[5], c) || c > 65535)
            throw EventError(EventField::Cpu, "expected a CPU number, got " + quoted(tok[5]));
        out.cpu = static_cast<std::uint16_t>(c);
    }
    return true;
}

void EventListChecker::check(ExplicitEvent& ev, bool order_given) {
    ++events_;
    if (ev.time_ns < last_time_)
        throw EventError(EventField::Time,
                         "events must be in time order: " + std::to_string(ev.time_ns) +
                             "ns is before " + std::to_string(last_time_) + "ns (line " +
                             std::to_string(last_line_) + ")");
    last_time_ = ev.time_ns;
    last_line_ = ev.line;
    if (ev.order >= limits_.max_order)
        throw EventError(EventField::Order,
                         "order " + std::to_string(ev.order) + " is too large: the largest is " +
                             std::to_string(limits_.max_order - 1) + " (MAX_ORDER " +
                             std::to_string(limits_.max_order) + ")");
    IdState* s = ids_.find(ev.id);
    // Messages are built only on the error paths: this runs once per event of a trace.
    auto id = [&ev] { return "id " + std::to_string(ev.id); };
    if (ev.op == ExplicitEvent::Alloc) {
        if (ev.gfp != last_good_gfp_) {
            if (const std::string why = gfp_problem(ev.gfp); !why.empty())
                throw EventError(EventField::Gfp, why);
            last_good_gfp_ = ev.gfp;
        }
        if (s && s->live)
            throw EventError(EventField::Id, id() + " is already allocated (line " +
                                                 std::to_string(s->line) + ") and not freed");
        ids_.set(ev.id, IdState{ev.line, ev.order, true});
        ++live_;
        return;
    }
    if (!s) throw EventError(EventField::Id, "free of " + id() + ", which was never allocated");
    if (!s->live)
        throw EventError(EventField::Id, "double free of " + id() + " (already freed at line " +
                                             std::to_string(s->line) + ")");
    if (order_given && ev.order != s->order)
        throw EventError(EventField::Order,
                         "free of " + id() + " with order " + std::to_string(ev.order) +
                             ", but it was allocated with order " + std::to_string(s->order) +
                             " (line " + std::to_string(s->line) + ")");
    ev.order = s->order;
    s->live = false;
    s->line = ev.line;
    --live_;
}

EventFileReader::EventFileReader(const std::string& path) : path_(path), in_(path) {
    if (!in_) throw std::runtime_error(path + ": cannot read the event list");
    lines_ = std::make_unique<LineReader>(in_);
}

bool EventFileReader::next(ExplicitEvent& out) {
    TextLine l;
    while (lines_->next(l)) {
        bool order_given = false;
        try {
            if (!parser_.parse(l.text, out, order_given)) continue;
        } catch (const EventError& e) {
            throw std::runtime_error(path_ + ":" + std::to_string(l.number) + ": " + e.what() +
                                     " (the file changed after it was checked?)");
        }
        out.line = static_cast<std::uint32_t>(l.number);
        return true;
    }
    return false;
}

} // namespace pagesim
