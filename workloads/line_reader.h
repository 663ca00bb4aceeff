// SPDX-License-Identifier: GPL-2.0-only
// LineReader: a std::istream cut into lines with bounded memory. It never holds more than
// one read chunk plus the kept part of one line, however long the input or its lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace pagesim {

/// One line as LineReader hands it out.
struct TextLine {
    std::string_view text;     ///< without the '\n'; valid until the next call to next()
    std::uint64_t number = 0;  ///< 1-based line number
    bool too_long = false;     ///< the line was longer than max_line; `text` is its start
    bool unterminated = false; ///< last line of the input, with no '\n' after it
};

class LineReader {
public:
    static constexpr std::size_t kDefaultChunk = std::size_t{1} << 18;   // 256 KiB
    static constexpr std::size_t kDefaultMaxLine = std::size_t{1} << 16; // 64 KiB

    /// Reads `in` (which must outlive the reader) in chunks of `chunk` bytes and keeps at
    /// most `max_line` bytes of any line.
    explicit LineReader(std::istream& in, std::size_t chunk = kDefaultChunk,
                        std::size_t max_line = kDefaultMaxLine);

    /// The next line, or false at the end of the input. Throws std::runtime_error if the
    /// stream fails other than by reaching its end.
    bool next(TextLine& out);

    /// Bytes consumed so far.
    std::uint64_t bytes_read() const { return bytes_read_; }

private:
    bool refill();

    std::istream& in_;
    std::vector<char> buf_;
    std::size_t pos_ = 0;
    std::size_t end_ = 0;
    std::size_t max_line_;
    std::string carry_; ///< a line that crosses chunk boundaries (at most max_line_ bytes)
    std::uint64_t line_no_ = 0;
    std::uint64_t bytes_read_ = 0;
    bool eof_ = false;
};

} // namespace pagesim
