// SPDX-License-Identifier: GPL-2.0-only
// The compact event list: integer fields through std::to_chars / std::from_chars (no
// locale, no allocation per line), checked line by line with the line number in every
// message.
#include "workloads/event_list.h"

#include "workloads/ftrace_event.h"

#include <array>
#include <charconv>
#include <fstream>

namespace pagesim {

namespace {

template <typename T>
void append_int(std::string& out, T v, int base = 10) {
    std::array<char, 24> b{};
    const auto r = std::to_chars(b.data(), b.data() + b.size(), v, base);
    out.append(b.data(), r.ptr);
}

std::string_view next_field(std::string_view& rest) {
    std::size_t i = 0;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < rest.size() && rest[j] != ' ' && rest[j] != '\t') ++j;
    const std::string_view f = rest.substr(i, j - i);
    rest.remove_prefix(j);
    return f;
}

template <typename T>
bool parse_int(std::string_view s, T& out, int base = 10) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc{} && p == s.data() + s.size();
}

std::string shown(std::string_view s) {
    std::string q = "'";
    for (char c : s.substr(0, 40)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            q += "\\x";
            q += kHex[u >> 4];
            q += kHex[u & 15];
        } else {
            q += c;
        }
    }
    if (s.size() > 40) q += "...";
    q += "'";
    return q;
}

std::unique_ptr<std::istream> open_list(const std::filesystem::path& path) {
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*in) throw EventListError(path.string() + ": error: cannot open the event list");
    return in;
}

} // namespace

// ---- writer ------------------------------------------------------------------------------

EventListWriter::EventListWriter(std::ostream& out) : out_(out) {
    buf_.reserve(1 << 16);
}

EventListWriter::~EventListWriter() {
    try {
        if (!buf_.empty()) out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    } catch (...) { // a destructor must not throw; flush() reports failures
    }
}

void EventListWriter::write_header(const std::vector<std::string>& comments) {
    buf_ += kEventListMagic;
    buf_ += '\n';
    write_comments(comments);
}

void EventListWriter::write_comments(const std::vector<std::string>& comments) {
    for (const std::string& c : comments) {
        buf_ += "# ";
        for (char ch : c) buf_ += ch == '\n' ? ' ' : ch;
        buf_ += '\n';
    }
}

void EventListWriter::write(const GenEvent& ev) {
    append_int(buf_, ev.time_ns);
    buf_ += ev.op == ExplicitEvent::Alloc ? " alloc " : " free ";
    append_int(buf_, ev.id);
    buf_ += ' ';
    append_int(buf_, ev.order);
    buf_ += " 0x";
    append_int(buf_, ev.op == ExplicitEvent::Alloc ? ev.gfp : GfpFlags{0}, 16);
    buf_ += ' ';
    append_int(buf_, ev.cpu);
    buf_ += '\n';
    ++events_;
    if (buf_.size() >= (1 << 16)) flush();
}

void EventListWriter::flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
    if (!out_) throw std::runtime_error("writing the event list failed");
}

// ---- reader ------------------------------------------------------------------------------

EventListReader::EventListReader(const std::filesystem::path& path)
    : owned_(open_list(path)), source_(path.string()), lines_(*owned_) {}

EventListReader::EventListReader(std::istream& in, std::string source)
    : source_(std::move(source)), lines_(in) {}

EventListReader::~EventListReader() = default;

void EventListReader::fail(std::uint64_t line, const std::string& message) const {
    throw EventListError(source_ + ":" + std::to_string(line) + ": error: " + message);
}

bool EventListReader::next(ExplicitEvent& out) {
    TextLine tl;
    for (;;) {
        bool more = false;
        try {
            more = lines_.next(tl);
        } catch (const std::runtime_error& e) {
            throw EventListError(source_ + ": error: " + std::string(e.what()));
        }
        if (!more) {
            if (!seen_magic_) {
                fail(0,
                     "empty file: expected the first line '" + std::string(kEventListMagic) + "'");
            }
            return false;
        }
        std::string_view text = tl.text;
        while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
            text.remove_suffix(1);
        if (tl.too_long) fail(tl.number, "line too long");
        if (!seen_magic_) {
            if (text != kEventListMagic) {
                fail(tl.number, "expected the first line '" + std::string(kEventListMagic) +
                                    "', got " + shown(text));
            }
            seen_magic_ = true;
            continue;
        }
        std::string_view rest = text;
        const std::string_view first = next_field(rest);
        if (first.empty() || first[0] == '#') continue;
        std::string_view f[6];
        f[0] = first;
        for (int i = 1; i < 6; ++i) f[i] = next_field(rest);
        if (f[5].empty() || !next_field(rest).empty())
            fail(tl.number, "expected 6 fields 'time_ns op id order gfp cpu', got " + shown(text));
        ExplicitEvent ev;
        ev.line = tl.number;
        if (!parse_int(f[0], ev.time_ns) || ev.time_ns < 0)
            fail(tl.number, "bad time_ns " + shown(f[0]));
        if (ev.time_ns < last_time_) {
            fail(tl.number, "time " + std::string(f[0]) + " is before the previous event's (" +
                                std::to_string(last_time_) + ")");
        }
        if (f[1] == "alloc") {
            ev.op = ExplicitEvent::Alloc;
        } else if (f[1] == "free") {
            ev.op = ExplicitEvent::Free;
        } else {
            fail(tl.number, "bad op " + shown(f[1]) + " (alloc or free)");
        }
        if (!parse_int(f[2], ev.id)) fail(tl.number, "bad id " + shown(f[2]));
        if (!parse_int(f[3], ev.order) || ev.order > kMaxTraceOrder) {
            fail(tl.number,
                 "bad order " + shown(f[3]) + " (0.." + std::to_string(kMaxTraceOrder) + ")");
        }
        std::uint32_t gfp = 0;
        if (f[4].size() > 2 && f[4][0] == '0' && f[4][1] == 'x' &&
            parse_int(f[4].substr(2), gfp, 16)) {
            ev.gfp = gfp;
        } else {
            std::string bad;
            const auto g = gfp_parse(f[4], &bad);
            if (!g)
                fail(tl.number, "bad gfp " + shown(f[4]) + " (unknown flag " + shown(bad) + ")");
            ev.gfp = *g;
        }
        if (!parse_int(f[5], ev.cpu) || ev.cpu > 0xffff) fail(tl.number, "bad cpu " + shown(f[5]));
        if (ev.op == ExplicitEvent::Alloc) {
            if (!live_.emplace(ev.id, static_cast<std::uint8_t>(ev.order)).second)
                fail(tl.number, "alloc of id " + std::to_string(ev.id) + ", which is still live");
        } else {
            const auto it = live_.find(ev.id);
            if (it == live_.end())
                fail(tl.number, "free of id " + std::to_string(ev.id) + ", which is not live");
            if (it->second != ev.order) {
                fail(tl.number, "free of id " + std::to_string(ev.id) + " with order " +
                                    std::to_string(ev.order) + "; it was allocated with order " +
                                    std::to_string(it->second));
            }
            live_.erase(it);
        }
        last_time_ = ev.time_ns;
        ++events_;
        out = ev;
        return true;
    }
}

std::vector<ExplicitEvent> read_event_list(const std::filesystem::path& path) {
    EventListReader reader(path);
    std::vector<ExplicitEvent> events;
    ExplicitEvent ev;
    while (reader.next(ev)) events.push_back(ev);
    return events;
}

// ---- generator ---------------------------------------------------------------------------

EventListGenerator::EventListGenerator(const std::filesystem::path& path, unsigned ncpus,
                                       std::int64_t start_ns)
    : reader_(path), ncpus_(ncpus == 0 ? 1 : ncpus), start_ns_(start_ns) {}

bool EventListGenerator::next(GenEvent& out) {
    ExplicitEvent ev;
    if (!reader_.next(ev)) return false;
    out.time_ns = start_ns_ + ev.time_ns;
    out.op = ev.op;
    out.order = ev.order;
    out.gfp = ev.gfp;
    out.cpu = ev.cpu % ncpus_;
    if (ev.op == ExplicitEvent::Alloc) {
        std::uint32_t id = next_id_;
        if (!free_ids_.empty()) {
            id = free_ids_.back();
            free_ids_.pop_back();
        } else {
            ++next_id_;
        }
        ids_[ev.id] = id;
        out.id = id;
    } else {
        const auto it = ids_.find(ev.id); // present: the reader checked it
        out.id = it->second;
        free_ids_.push_back(it->second);
        ids_.erase(it);
    }
    return true;
}

} // namespace pagesim
