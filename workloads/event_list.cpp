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

// The lines after the magic one are the compact event form of workloads/SCENARIOS.md, read
// by the same parser and checker as a scenario's event lists.
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
            if (text != kEventListMagic)
                fail(tl.number, "expected the first line '" + std::string(kEventListMagic) + "'");
            seen_magic_ = true;
            continue;
        }
        ExplicitEvent ev;
        bool order_given = false;
        try {
            if (!parser_.parse(text, ev, order_given)) continue;
            ev.line = static_cast<std::uint32_t>(tl.number);
            checker_.check(ev, order_given);
        } catch (const EventError& e) {
            fail(tl.number, e.what());
        }
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
