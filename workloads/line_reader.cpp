// SPDX-License-Identifier: GPL-2.0-only
// LineReader: chunked reads, memchr for '\n', a carry buffer only for lines that cross a
// chunk boundary or exceed the chunk.
#include "workloads/line_reader.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pagesim {

LineReader::LineReader(std::istream& in, std::size_t chunk, std::size_t max_line)
    : in_(in), buf_(std::max<std::size_t>(chunk, 1)),
      max_line_(std::max<std::size_t>(max_line, 1)) {}

bool LineReader::refill() {
    if (eof_) return false;
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (in_.bad()) throw std::runtime_error("read error");
    if (got < buf_.size()) eof_ = true;
    pos_ = 0;
    end_ = got;
    bytes_read_ += got;
    return got > 0;
}

bool LineReader::next(TextLine& out) {
    out.too_long = false;
    out.unterminated = false;
    bool carrying = false;
    carry_.clear();
    for (;;) {
        if (pos_ == end_ && !refill()) {
            if (!carrying) return false;
            out.text = carry_;
            out.unterminated = true;
            out.number = ++line_no_;
            return true;
        }
        const char* p = buf_.data() + pos_;
        const std::size_t avail = end_ - pos_;
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', avail));
        const std::size_t take = nl ? static_cast<std::size_t>(nl - p) : avail;
        if (!carrying && nl && take <= max_line_) {
            // The common case: the whole line sits in the buffer.
            out.text = std::string_view(p, take);
            pos_ += take + 1;
            out.number = ++line_no_;
            return true;
        }
        carrying = true;
        const std::size_t room = max_line_ - std::min(max_line_, carry_.size());
        carry_.append(p, std::min(take, room));
        if (take > room) out.too_long = true;
        pos_ += take + (nl ? 1 : 0);
        if (nl) {
            out.text = carry_;
            out.number = ++line_no_;
            return true;
        }
    }
}

} // namespace pagesim
