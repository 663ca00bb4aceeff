// SPDX-License-Identifier: GPL-2.0-only
// Character tests and bounded scanning helpers shared by the ftrace line parser's .cpp files
// (internal: not part of any public interface).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pagesim::ftrace_scan {

constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_space(char c) {
    return c == ' ' || c == '\t';
}
constexpr bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_name_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

inline std::size_t skip_spaces(std::string_view s, std::size_t i) {
    while (i < s.size() && is_space(s[i])) ++i;
    return i;
}

/// Unsigned decimal digits at s[i..] (at most `max_digits`); advances i.
inline bool read_uint(std::string_view s, std::size_t& i, std::size_t max_digits,
                      std::uint64_t& v) {
    std::size_t j = i;
    while (j < s.size() && is_digit(s[j]) && j - i <= max_digits) ++j;
    if (j == i || j - i > max_digits) return false;
    const auto [p, ec] = std::from_chars(s.data() + i, s.data() + j, v, 10);
    if (ec != std::errc{} || p != s.data() + j) return false;
    i = j;
    return true;
}

} // namespace pagesim::ftrace_scan
